import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { load, probed } from "./_backends.ts";

const ts = backend("ts");
const t = untraced(ts);

type Inputs = { z: Tensor; y: Tensor };

/** The backends that load here (blas needs OpenBLAS and FFI), by name. */
const BACKENDS = (["ts", "wasm", "blas"] as const)
  .map((name) => [name, load(probed(name))] as const)
  .filter((e): e is readonly [typeof e[0], Backend] => typeof e[1] !== "string");

/** Logits, targets in [0, 1] and a per-example cotangent, of a drawn shape [B, ...], float64. */
const rowsArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((s) =>
    fc.tuple(
      tensorArb(s, { min: -40, max: 40 }),
      tensorArb(s, { min: 0, max: 1 }),
      tensorArb([s[0]]),
    )
  );

/** The unfused composition: the elementwise loss summed over each example's elements. */
function composed(tt: Ops, p: Inputs): Tensor {
  const b = p.z.shape[0];
  return tt.sum(tt.reshape(tt.sigmoidCrossEntropy(p.z, p.y), [b, p.z.data.length / b]), {
    axis: 1,
  });
}

const fused = (tt: Ops, p: Inputs) => tt.bernoulliNllRows(p.z, p.y);

function close(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  assert.equal(a.dtype, b.dtype, what);
  a.data.forEach((v, i) =>
    assert.ok(
      Object.is(v, b.data[i]) || Math.abs(v - b.data[i]) <= tol * (1 + Math.abs(b.data[i])),
      `${what}[${i}]: ${v} vs ${b.data[i]}`,
    )
  );
}

/** Value and both cotangents, fused vs composed, on `backend`. */
function agree(p: Inputs, dy: Tensor, tol: number, on = ts): void {
  const [a, pa] = vjp(fused, p, { backend: on });
  const [b, pb] = vjp(composed, p, { backend: ts });
  close(a, b, tol, "value");
  const ga = pa(dy) as Inputs, gb = pb(dy) as Inputs;
  close(ga.z, gb.z, tol, "logits' cotangent");
  close(ga.y, gb.y, tol, "targets' cotangent");
}

test("bernoulliNllRows equals sigmoidCrossEntropy summed per example, value and both VJPs (float64)", () => {
  fc.assert(fc.property(rowsArb, ([z, y, dy]) => agree({ z, y }, dy, 1e-13)), { numRuns: 80 });
});

test("bernoulliNllRows's VJP matches central differences in logits and targets (float64)", () => {
  fc.assert(
    fc.property(rowsArb, ([z, y]) => {
      // Targets kept inside (0, 1), where the finite differences' steps stay valid targets.
      assertGradients(fused, { z: t.mulScalar(z, 0.2), y: t.addScalar(t.mulScalar(y, 0.9), 0.05) });
    }),
    { numRuns: 25 },
  );
});

/** Float32 logits over the whole range (the polynomial path, the Math path past |z| = 30). */
function float32Case(b: number, c: number, seed: number): { p: Inputs; dy: Tensor } {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const z = Float32Array.from({ length: b * c }, () => (next() - 0.5) * (next() < 0.1 ? 100 : 24));
  const y = Float32Array.from({ length: b * c }, () => {
    const u = next();
    return u < 0.4 ? 0 : u < 0.6 ? 1 : next();
  });
  z[0] = Infinity, y[0] = 1, z[1] = -Infinity, y[1] = 0, z[2] = 0, z[3] = -0, z[4] = 30;
  const g = Float32Array.from({ length: b }, () => next() / b);
  return {
    p: { z: tensor(z, [b, c]), y: tensor(y, [b, c]) },
    dy: tensor(g, [b]),
  };
}

test("float32 bernoulliNllRows equals the composition within float32 rounding, on every backend", () => {
  for (const [name, on] of BACKENDS) {
    for (const [b, c, seed] of [[3, 785, 1], [16, 7, 2], [1, 1, 3], [5, 64, 4]]) {
      const { p, dy } = float32Case(b, c, seed);
      // Sums of up to 785 terms: the composition rounded each one to float32 first. With
      // finite logits only, a backend's kernel runs (it declines the infinite ones).
      agree(p, dy, 4e-6, on);
      const finite = tensor(p.z.data.map((v) => (Number.isFinite(v) ? v : 0)), p.z.shape);
      agree({ z: finite, y: p.y }, dy, 4e-6, on);
      const [v] = vjp(fused, p, { backend: on });
      assert.equal(v.dtype, "float32", name);
    }
  }
});

test("float32 bernoulliNllRows's logits' cotangent is within an ulp or two of g·(σ(z) − t)", () => {
  for (const [name, on] of BACKENDS) {
    const { p, dy } = float32Case(4, 300, 7);
    const dz = (vjp(fused, p, { backend: on })[1](dy) as Inputs).z.data;
    p.z.data.forEach((zi, i) => {
      const s = 1 / (1 + Math.exp(-zi)), want = dy.data[Math.floor(i / 300)] * (s - p.y.data[i]);
      assert.ok(
        Math.abs(dz[i] - want) <= 2 ** -22 * Math.abs(dy.data[0]) + 2 ** -22 * Math.abs(want),
        `${name} [${i}]: ${dz[i]} vs ${want}`,
      );
    });
  }
});

test("bernoulliNllRows pulls back twice to the same cotangents and writes no input", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const z = tensor([[0.5, -3, 40], [2, 0, -1]], [2, 3], dtype);
    const y = tensor([[1, 0, 0.5], [0, 1, 0.25]], [2, 3], dtype);
    const dy = tensor([0.5, -2], [2], dtype);
    const before = [z, y, dy].map((x) => [...x.data]);
    const [, back] = vjp(fused, { z, y });
    const first = back(dy) as Inputs;
    const kept = [...first.z.data];
    const second = back(dy) as Inputs;
    assert.deepEqual([...second.z.data], kept, dtype);
    assert.deepEqual([...first.z.data], kept, `${dtype}: the first cotangent stayed as it was`);
    assert.notEqual(first.z.data, second.z.data);
    assert.deepEqual([...second.y.data], [...first.y.data]);
    assert.deepEqual([z, y, dy].map((x) => [...x.data]), before);
  }
});

test("bernoulliNllRows of logit 0 is C·log 2 per example, and of agreeing infinite logits 0", () => {
  const y = t.bernoulliNllRows(tensor([[0, 0, 0]], [1, 3], "float64"), tensor([[0, 1, 0.5]]));
  assert.ok(Math.abs(y.data[0] - 3 * Math.LN2) < 1e-15);
  const inf = t.bernoulliNllRows(tensor([[Infinity, -Infinity]]), tensor([[1, 0]]));
  assert.deepEqual([...inf.data], [0]);
  assert.deepEqual(t.bernoulliNllRows(tensor([1, 2]), tensor([0, 1])).shape, [2]);
});

test("bernoulliNllRows rejects targets outside [0, 1] and mismatched shapes, naming itself", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const bad of [1.5, -0.25, NaN]) {
      const y = tensor([[0, 1, bad]], [1, 3], dtype);
      for (const [, on] of BACKENDS) {
        assert.throws(() => untraced(on).bernoulliNllRows(tensor([[0, 1, 2]], [1, 3], dtype), y), {
          name: "RangeError",
          message: new RegExp(
            `^Cannot bernoulliNllRows: target at flat index 2 is ${bad}, expected a value in \\[0, 1\\]`,
          ),
        });
      }
    }
  }
  assert.throws(() => t.bernoulliNllRows(tensor([[0, 1, 2]]), tensor([[0, 1]])), {
    name: "TypeError",
    message: /^Cannot bernoulliNllRows: logits shape \[1,3\] differs from target shape \[1,2\]/,
  });
  assert.throws(() => t.bernoulliNllRows(tensor(1), tensor(1)), {
    name: "TypeError",
    message: /^Cannot bernoulliNllRows: expected logits \[batch, \.\.\.example\] of rank >= 1/,
  });
});

/** Row sums and σ − t by the double formula with `Math.exp`/`Math.log1p`. */
function reference(z: Float32Array, y: Float32Array, rows: number, cols: number) {
  const sums = new Float64Array(rows), d = new Float64Array(z.length);
  z.forEach((zi, i) => {
    const e = Math.exp(-Math.abs(zi));
    d[i] = (zi >= 0 ? 1 : e) / (1 + e) - y[i];
    sums[Math.floor(i / cols)] += Math.max(zi, 0) - zi * y[i] + Math.log1p(e);
  });
  return { sums, d };
}

test("the backends' float32 Bernoulli kernels run on finite logits and match the double formula", () => {
  const kernels = BACKENDS.filter(([, on]) => on.bernoulliNll !== undefined);
  assert.ok(BACKENDS.length === 1 || kernels.length > 0, "wasm loads here but has no kernel");
  for (const [name, on] of kernels) {
    for (
      const [rows, cols, seed] of [[3, 785, 1], [16, 7, 2], [1, 1, 3], [128, 784, 4], [2, 0, 5], [
        4096,
        1,
        6,
      ]]
    ) {
      const { p } = float32Case(rows, cols, seed);
      const z = Float32Array.from(p.z.data, (v, i) => (Number.isFinite(v) ? v : i % 2 ? 95 : -95));
      const y = p.y.data as Float32Array;
      const sums = new Float64Array(rows).fill(NaN), d = new Float32Array(z.length);
      assert.equal(on.bernoulliNll!(z, y, rows, cols, sums, d), true, `${name} ran`);
      const want = reference(z, y, rows, cols);
      // Sums of terms >= 0, each within a few float32 ulps: the sums keep that relative error.
      want.sums.forEach((s, r) =>
        assert.ok(
          Math.abs(sums[r] - s) <= 2 ** -21 * s + 1e-30,
          `${name} sums[${r}]: ${sums[r]} vs ${s}`,
        )
      );
      // σ to a few float32 ulps of 1: a difference σ − t near 0 keeps an absolute error.
      want.d.forEach((v, i) => assert.ok(Math.abs(d[i] - v) <= 2 ** -21, `${name} d[${i}]`));
    }
  }
});

test("the Bernoulli kernels decline logits that are not finite and targets outside [0, 1]", () => {
  for (const [name, on] of BACKENDS.filter(([, on]) => on.bernoulliNll !== undefined)) {
    for (const [zBad, yBad] of [[Infinity, 0], [NaN, 0], [-Infinity, 0], [0, 1.5], [0, NaN]]) {
      for (const at of [0, 5, 6]) {
        const z = new Float32Array(7).fill(0.5), y = new Float32Array(7).fill(0.5);
        z[at] = zBad, y[at] = yBad;
        const ran = on.bernoulliNll!(z, y, 1, 7, new Float64Array(1), new Float32Array(7));
        assert.equal(ran, false, `${name}: z ${zBad}, t ${yBad} at ${at}`);
      }
    }
  }
});
