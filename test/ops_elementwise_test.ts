import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import type { TensorArbOptions } from "../src/testing/mod.ts";
import { smallTensorArb, snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, TS } from "./_ops.ts";

type Unary = (t: Ops, x: Tensor) => Tensor;
// Domains: log, sqrt and the fractional and negative powers on [0.1, 3], away from the
// pole/branch point at 0; abs away from its kink at 0, so that no central difference
// straddles it.
const POSITIVE = { min: 0.1, max: 3 };
const OPS: [string, Unary, TensorArbOptions][] = [
  ["exp", (t, x) => t.exp(x), {}],
  ["log", (t, x) => t.log(x), { min: 0.1 }],
  ["sqrt", (t, x) => t.sqrt(x), { min: 0.1 }],
  ["square", (t, x) => t.square(x), {}],
  ["abs", (t, x) => t.abs(x), { avoid: [0] }],
  ["neg", (t, x) => t.neg(x), {}],
  ["mulScalar(·, -2.5)", (t, x) => t.mulScalar(x, -2.5), {}],
  ["addScalar(·, 1.75)", (t, x) => t.addScalar(x, 1.75), {}],
  ["pow(·, 3)", (t, x) => t.pow(x, 3), {}],
  ["pow(·, 2)", (t, x) => t.pow(x, 2), {}],
  ["pow(·, 0)", (t, x) => t.pow(x, 0), {}],
  ["pow(·, 0.5)", (t, x) => t.pow(x, 0.5), POSITIVE],
  ["pow(·, -1.5)", (t, x) => t.pow(x, -1.5), POSITIVE],
];
const RUNS = { numRuns: 30 };

for (const [name, op, domain] of OPS) {
  test(`${name} VJP matches central differences`, () => {
    fc.assert(fc.property(smallTensorArb(domain), (x) => assertGradientsMatch(op, x)), RUNS);
  });

  test(`${name} never mutates its input and keeps its shape and dtype`, () => {
    fc.assert(
      fc.property(smallTensorArb({ ...domain, dtype: "float32" }), (x) => {
        const before = snapshot(x);
        const [y, pullback] = vjp(op, x, { backend: TS });
        const dx = pullback(y);
        assert.deepEqual(snapshot(x), before);
        assert.notEqual(y.data.buffer, x.data.buffer);
        assert.deepEqual([y.shape, y.dtype, dx.shape, dx.dtype], [
          x.shape,
          "float32",
          x.shape,
          "float32",
        ]);
      }),
      RUNS,
    );
  });
}

test("known values: e⁰ = 1, ln e = 1, √9 = 3, (-3)² = 9, |-2| = 2, -(4) = -4, 2³ = 8", () => {
  const at = (op: Unary, v: number) => op(plain, tensor([v], [1], "float64")).data[0];
  assert.equal(at((t, x) => t.exp(x), 0), 1);
  assert.equal(at((t, x) => t.log(x), Math.E), 1);
  assert.equal(at((t, x) => t.sqrt(x), 9), 3);
  assert.equal(at((t, x) => t.square(x), -3), 9);
  assert.equal(at((t, x) => t.abs(x), -2), 2);
  assert.equal(at((t, x) => t.neg(x), 4), -4);
  assert.equal(at((t, x) => t.pow(x, 3), 2), 8);
  assert.equal(at((t, x) => t.addScalar(x, -0.5), 2), 1.5);
});

test("pow(x, 2) equals square(x), and pow(x, 0.5) is √x to an ulp", () => {
  fc.assert(
    fc.property(smallTensorArb(POSITIVE), (x) => {
      assert.deepEqual(plain.pow(x, 2).data, plain.square(x).data);
      const r = plain.pow(x, 0.5).data, s = plain.sqrt(x).data;
      r.forEach((v, i) => assert.ok(Math.abs(v - s[i]) <= 2.3e-16 * s[i]));
    }),
    RUNS,
  );
});

test("pow(x, 0) pulls back 0 even at x = 0, and pow(x, p) pulls back p·x^(p-1)", () => {
  const x = tensor([0, 2, -3], [3], "float64");
  const ones = tensor([1, 1, 1], [3], "float64");
  assert.deepEqual(Array.from(vjp((t, v) => t.pow(v, 0), x)[1](ones).data), [0, 0, 0]);
  assert.deepEqual(Array.from(vjp((t, v) => t.pow(v, 3), x)[1](ones).data), [0, 12, 27]);
});

test("abs() pulls back the subgradient 0 at its kink", () => {
  const [, pullback] = vjp((t, x) => t.abs(x), tensor([0, -1, 2]));
  assert.deepEqual(Array.from(pullback(tensor([5, 5, 5])).data), [0, -5, 5]);
});

test("mulScalar(), addScalar() and pow() reject a non-finite number with a RangeError", () => {
  for (const c of [Infinity, NaN]) {
    assert.throws(() => plain.mulScalar(tensor([1]), c), {
      name: "RangeError",
      message: `Cannot mulScalar: c must be a finite number, got ${c}`,
    });
    assert.throws(() => plain.addScalar(tensor([1]), c), {
      name: "RangeError",
      message: `Cannot addScalar: c must be a finite number, got ${c}`,
    });
    assert.throws(() => plain.pow(tensor([1]), c), {
      name: "RangeError",
      message: `Cannot pow: p must be a finite number, got ${c}`,
    });
  }
});

test("an op rejects a non-tensor with a TypeError", () => {
  assert.throws(() => plain.exp([1, 2] as unknown as Tensor), {
    name: "TypeError",
    message: "Cannot exp: input must be a tensor, got [1,2]",
  });
});
