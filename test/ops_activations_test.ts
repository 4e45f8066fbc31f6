import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { type DType, type Tensor, tensor } from "../src/tensor.ts";
import { tensorArb, type TensorArbOptions } from "../src/testing/mod.ts";
import { smallTensorArb, snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, TS } from "./_ops.ts";

type Unary = (t: Ops, x: Tensor) => Tensor;
/** An op's output at `x` and the input cotangent for `dy`, through a trace. */
const pull = (op: Unary, x: Tensor, dy: Tensor) => {
  const [y, pullback] = vjp(op, x, { backend: TS });
  return [y, pullback(dy)] as const;
};

// Values in [-6, 6]. The piecewise functions keep drawn values at least 0.01 from their kink at
// 0 (`avoid`), so that no central difference (step 1e-5) straddles it; elu with α = 1 is C¹
// but its second derivative jumps at 0, which would cost the difference quotient its accuracy.
const WIDE = { min: -6, max: 6 };
const KINK: TensorArbOptions = { ...WIDE, avoid: [0], margin: 0.01 };
const ACTIVATIONS: [string, Unary, TensorArbOptions][] = [
  ["sigmoid", (t, x) => t.sigmoid(x), WIDE],
  ["tanh", (t, x) => t.tanh(x), WIDE],
  ["relu", (t, x) => t.relu(x), KINK],
  ["leakyRelu(·, 0.1)", (t, x) => t.leakyRelu(x, 0.1), KINK],
  ["leakyRelu default", (t, x) => t.leakyRelu(x), KINK],
  ["elu default", (t, x) => t.elu(x), KINK],
  ["elu(·, 0.5)", (t, x) => t.elu(x, 0.5), KINK],
  ["gelu", (t, x) => t.gelu(x), WIDE],
  ["geluTanh", (t, x) => t.geluTanh(x), WIDE],
  ["softplus", (t, x) => t.softplus(x), WIDE],
  ["swish default", (t, x) => t.swish(x), WIDE],
  ["swish(·, 2.5)", (t, x) => t.swish(x, 2.5), WIDE],
];
const RUNS = { numRuns: 30 };
const f64 = (values: number[]) => tensor(values, [values.length], "float64");
const ones = (n: number, dtype: DType = "float64") => tensor(new Array(n).fill(1), [n], dtype);

for (const [name, op, domain] of ACTIVATIONS) {
  test(`${name} VJP matches central differences`, () => {
    fc.assert(fc.property(smallTensorArb(domain), (x) => assertGradientsMatch(op, x)), RUNS);
  });

  test(`${name} never mutates or aliases its input`, () => {
    fc.assert(
      fc.property(smallTensorArb({ ...domain, dtype: "float32" }), (x) => {
        const before = snapshot(x);
        const [y, pullback] = vjp(op, x, { backend: TS });
        pullback(y);
        assert.deepEqual(snapshot(x), before);
        assert.notEqual(y.data.buffer, x.data.buffer);
      }),
      RUNS,
    );
  });

  test(`${name} is finite with a finite gradient at ±1000 and at the largest magnitudes`, () => {
    const extremes = [-1000, 1000, -1e300, 1e300, -Number.MAX_VALUE, Number.MAX_VALUE, 0, -5e-324];
    for (const dtype of ["float64", "float32"] as const) {
      const values = dtype === "float64" ? extremes : [-1000, 1000, -3e38, 3e38, 0, -1e-45];
      const [y, dx] = pull(op, tensor(values, [values.length], dtype), ones(values.length, dtype));
      assert.equal(y.dtype, dtype);
      assert.ok(y.data.every(Number.isFinite), `${name}(${values}) = ${y.data}`);
      assert.ok(dx.data.every(Number.isFinite), `${name}'(${values}) = ${dx.data}`);
    }
  });
}

test("sigmoid'(x) = σ(x)(1 - σ(x)) with σ(x) = 1/(1 + e^(-x)) computed by hand", () => {
  fc.assert(
    fc.property(tensorArb([8], { min: -20, max: 20 }), (x) => {
      const [, dx] = pull((t, v) => t.sigmoid(v), x, ones(8));
      for (let i = 0; i < 8; i++) {
        const s = 1 / (1 + Math.exp(-x.data[i]));
        assert.ok(Math.abs(dx.data[i] - s * (1 - s)) <= 1e-16, `at ${x.data[i]}`);
      }
    }),
    RUNS,
  );
});

test("tanh'(x) = 1 - tanh²(x)", () => {
  const xs = [-2, -0.5, 0, 0.3, 4];
  const [, dx] = pull((t, v) => t.tanh(v), f64(xs), ones(5));
  assert.deepEqual(Array.from(dx.data), xs.map((v) => 1 - Math.tanh(v) ** 2));
});

test("sigmoid, softplus and swish take their limits at ±1000", () => {
  assert.deepEqual(Array.from(plain.sigmoid(f64([-1000, 0, 1000])).data), [0, 0.5, 1]);
  assert.deepEqual(Array.from(plain.softplus(f64([-1000, 0, 1000])).data), [0, Math.LN2, 1000]);
  assert.deepEqual(Array.from(plain.swish(f64([-1000, 1000])).data), [-0, 1000]);
});

test("relu, leakyRelu and elu agree with their piecewise definitions", () => {
  assert.deepEqual(Array.from(plain.relu(f64([-2, 0, 3])).data), [0, 0, 3]);
  assert.deepEqual(Array.from(plain.leakyRelu(f64([-2, 3]), 0.25).data), [-0.5, 3]);
  assert.deepEqual(Array.from(plain.leakyRelu(f64([-200, 3])).data), [-2, 3]);
  assert.deepEqual(Array.from(plain.elu(f64([-1, 3]), 2).data), [2 * (Math.exp(-1) - 1), 3]);
});

test("at the kink x = 0, relu, leakyRelu and elu pull back the left slope", () => {
  assert.equal(pull((t, x) => t.relu(x), f64([0]), f64([1]))[1].data[0], 0);
  assert.equal(pull((t, x) => t.leakyRelu(x, 0.2), f64([0]), f64([1]))[1].data[0], 0.2);
  assert.equal(pull((t, x) => t.elu(x, 0.5), f64([0]), f64([1]))[1].data[0], 0.5);
});

test("relu keeps NaN instead of hiding it", () => {
  assert.ok(Number.isNaN(plain.relu(f64([NaN])).data[0]));
  assert.ok(Number.isNaN(plain.leakyRelu(f64([NaN])).data[0]));
});

test("float32 relu and its pullback equal their definitions, ±0, ±Infinity, NaN and subnormals included", () => {
  // The float32 loops work on bit masks; the definitions are the plain comparisons.
  const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  const values = fc.array(
    fc.oneof(fc.float(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45)),
    { minLength: 1, maxLength: 40 },
  );
  fc.assert(
    fc.property(values, values, (xs, gs) => {
      const n = Math.min(xs.length, gs.length);
      const x = tensor(xs.slice(0, n), [n], "float32");
      const dy = tensor(gs.slice(0, n), [n], "float32");
      const [y, dx] = pull((t, v) => t.relu(v), x, dy);
      for (let i = 0; i < n; i++) {
        const v = x.data[i];
        assert.ok(same(y.data[i], v > 0 || Number.isNaN(v) ? v : 0), `relu(${v}) = ${y.data[i]}`);
        assert.ok(same(dx.data[i], v > 0 ? dy.data[i] : 0), `relu'(${v})·${dy.data[i]}`);
      }
    }),
    { numRuns: 200 },
  );
});

test("leakyRelu, elu and swish reject bad parameters with a RangeError", () => {
  const x = f64([1]);
  assert.throws(() => plain.leakyRelu(x, -0.1), {
    name: "RangeError",
    message: "Cannot leakyRelu: alpha must be a finite non-negative number, got -0.1",
  });
  assert.throws(() => plain.leakyRelu(x, NaN), { name: "RangeError" });
  assert.throws(() => plain.elu(x, Infinity), {
    name: "RangeError",
    message: "Cannot elu: alpha must be a finite non-negative number, got Infinity",
  });
  assert.throws(() => plain.swish(x, NaN), {
    name: "RangeError",
    message: "Cannot swish: beta must be a finite number, got NaN",
  });
});
