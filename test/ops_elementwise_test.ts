import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { abs, exp, log, mulScalar, neg, sqrt, square } from "../src/ops/mod.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { assertGradients, type TensorArbOptions } from "../src/testing/mod.ts";
import type { Vjp } from "../src/vjp.ts";
import { smallTensorArb, snapshot } from "./_arbitraries.ts";

type Unary = (x: Tensor) => [Tensor, Vjp<Tensor, Tensor>];
// Domains: log and sqrt on [0.1, 3], away from the pole/branch point at 0; abs away from its
// kink at 0, so that no central difference straddles it.
const OPS: [string, Unary, TensorArbOptions][] = [
  ["exp", exp, {}],
  ["log", log, { min: 0.1 }],
  ["sqrt", sqrt, { min: 0.1 }],
  ["square", square, {}],
  ["abs", abs, { avoid: [0] }],
  ["neg", neg, {}],
  ["mulScalar(·, -2.5)", (x) => mulScalar(x, -2.5), {}],
];
const RUNS = { numRuns: 30 };

for (const [name, op, domain] of OPS) {
  test(`${name} VJP matches central differences`, () => {
    fc.assert(fc.property(smallTensorArb(domain), (x) => void assertGradients(op, x)), RUNS);
  });

  test(`${name} never mutates its input and keeps its shape and dtype`, () => {
    fc.assert(
      fc.property(smallTensorArb({ ...domain, dtype: "float32" }), (x) => {
        const before = snapshot(x);
        const [y, vjp] = op(x);
        const dx = vjp(y);
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

test("known values: e⁰ = 1, ln e = 1, √9 = 3, (-3)² = 9, |-2| = 2, -(4) = -4", () => {
  const at = (op: Unary, v: number) => op(tensor([v], [1], "float64"))[0].data[0];
  assert.equal(at(exp, 0), 1);
  assert.equal(at(log, Math.E), 1);
  assert.equal(at(sqrt, 9), 3);
  assert.equal(at(square, -3), 9);
  assert.equal(at(abs, -2), 2);
  assert.equal(at(neg, 4), -4);
});

test("abs() pulls back the subgradient 0 at its kink", () => {
  const [, vjp] = abs(tensor([0, -1, 2]));
  assert.deepEqual(Array.from(vjp(tensor([5, 5, 5])).data), [0, -5, 5]);
});

test("mulScalar() rejects a non-finite factor with a RangeError", () => {
  for (const c of [Infinity, NaN]) {
    assert.throws(() => mulScalar(tensor([1]), c), {
      name: "RangeError",
      message: `Cannot mulScalar: c must be a finite number, got ${c}`,
    });
  }
});

test("an op rejects a non-tensor with a TypeError", () => {
  assert.throws(() => exp([1, 2] as unknown as Tensor), {
    name: "TypeError",
    message: "Cannot exp: input must be a tensor, got [1,2]",
  });
});
