import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  elu,
  gelu,
  geluTanh,
  leakyRelu,
  relu,
  sigmoid,
  softplus,
  swish,
  tanh,
} from "../src/ops/mod.ts";
import { type DType, type Tensor, tensor } from "../src/tensor.ts";
import { assertGradients, tensorArb, type TensorArbOptions } from "../src/testing/mod.ts";
import type { Vjp } from "../src/vjp.ts";
import { smallTensorArb, snapshot } from "./_arbitraries.ts";

type Unary = (x: Tensor) => [Tensor, Vjp<Tensor, Tensor>];

// Values in [-6, 6]. The piecewise functions keep drawn values at least 0.01 from their kink at
// 0 (`avoid`), so that no central difference (step 1e-5) straddles it; elu with α = 1 is C¹
// but its second derivative jumps at 0, which would cost the difference quotient its accuracy.
const WIDE = { min: -6, max: 6 };
const KINK: TensorArbOptions = { ...WIDE, avoid: [0], margin: 0.01 };
const ACTIVATIONS: [string, Unary, TensorArbOptions][] = [
  ["sigmoid", sigmoid, WIDE],
  ["tanh", tanh, WIDE],
  ["relu", relu, KINK],
  ["leakyRelu(·, 0.1)", (x) => leakyRelu(x, 0.1), KINK],
  ["leakyRelu default", (x) => leakyRelu(x), KINK],
  ["elu default", (x) => elu(x), KINK],
  ["elu(·, 0.5)", (x) => elu(x, 0.5), KINK],
  ["gelu", gelu, WIDE],
  ["geluTanh", geluTanh, WIDE],
  ["softplus", softplus, WIDE],
  ["swish default", (x) => swish(x), WIDE],
  ["swish(·, 2.5)", (x) => swish(x, 2.5), WIDE],
];
const RUNS = { numRuns: 30 };
const f64 = (values: number[]) => tensor(values, [values.length], "float64");
const ones = (n: number, dtype: DType = "float64") => tensor(new Array(n).fill(1), [n], dtype);

for (const [name, op, domain] of ACTIVATIONS) {
  test(`${name} VJP matches central differences`, () => {
    fc.assert(fc.property(smallTensorArb(domain), (x) => void assertGradients(op, x)), RUNS);
  });

  test(`${name} never mutates or aliases its input`, () => {
    fc.assert(
      fc.property(smallTensorArb({ ...domain, dtype: "float32" }), (x) => {
        const before = snapshot(x);
        const [y, vjp] = op(x);
        vjp(y);
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
      const [y, vjp] = op(tensor(values, [values.length], dtype));
      const dx = vjp(ones(values.length, dtype));
      assert.equal(y.dtype, dtype);
      assert.ok(y.data.every(Number.isFinite), `${name}(${values}) = ${y.data}`);
      assert.ok(dx.data.every(Number.isFinite), `${name}'(${values}) = ${dx.data}`);
    }
  });
}

test("sigmoid'(x) = σ(x)(1 - σ(x)) with σ(x) = 1/(1 + e^(-x)) computed by hand", () => {
  fc.assert(
    fc.property(tensorArb([8], { min: -20, max: 20 }), (x) => {
      const [, vjp] = sigmoid(x);
      const dx = vjp(ones(8));
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
  const dx = tanh(f64(xs))[1](ones(5));
  assert.deepEqual(Array.from(dx.data), xs.map((v) => 1 - Math.tanh(v) ** 2));
});

test("sigmoid, softplus and swish take their limits at ±1000", () => {
  assert.deepEqual(Array.from(sigmoid(f64([-1000, 0, 1000]))[0].data), [0, 0.5, 1]);
  assert.deepEqual(Array.from(softplus(f64([-1000, 0, 1000]))[0].data), [0, Math.LN2, 1000]);
  assert.deepEqual(Array.from(swish(f64([-1000, 1000]))[0].data), [-0, 1000]);
});

test("relu, leakyRelu and elu agree with their piecewise definitions", () => {
  assert.deepEqual(Array.from(relu(f64([-2, 0, 3]))[0].data), [0, 0, 3]);
  assert.deepEqual(Array.from(leakyRelu(f64([-2, 3]), 0.25)[0].data), [-0.5, 3]);
  assert.deepEqual(Array.from(leakyRelu(f64([-200, 3]))[0].data), [-2, 3]);
  assert.deepEqual(Array.from(elu(f64([-1, 3]), 2)[0].data), [2 * (Math.exp(-1) - 1), 3]);
});

test("at the kink x = 0, relu, leakyRelu and elu pull back the left slope", () => {
  assert.equal(relu(f64([0]))[1](f64([1])).data[0], 0);
  assert.equal(leakyRelu(f64([0]), 0.2)[1](f64([1])).data[0], 0.2);
  assert.equal(elu(f64([0]), 0.5)[1](f64([1])).data[0], 0.5);
});

test("relu keeps NaN instead of hiding it", () => {
  assert.ok(Number.isNaN(relu(f64([NaN]))[0].data[0]));
  assert.ok(Number.isNaN(leakyRelu(f64([NaN]))[0].data[0]));
});

test("leakyRelu, elu and swish reject bad parameters with a RangeError", () => {
  const x = f64([1]);
  assert.throws(() => leakyRelu(x, -0.1), {
    name: "RangeError",
    message: "Cannot leakyRelu: alpha must be a finite non-negative number, got -0.1",
  });
  assert.throws(() => leakyRelu(x, NaN), { name: "RangeError" });
  assert.throws(() => elu(x, Infinity), {
    name: "RangeError",
    message: "Cannot elu: alpha must be a finite non-negative number, got Infinity",
  });
  assert.throws(() => swish(x, NaN), {
    name: "RangeError",
    message: "Cannot swish: beta must be a finite number, got NaN",
  });
});
