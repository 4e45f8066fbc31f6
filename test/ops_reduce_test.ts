import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import type { ReduceOptions } from "../src/ops/mod.ts";
import { type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb } from "../src/testing/mod.ts";
import { axisArb, distinctTensorArb, snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, TS } from "./_ops.ts";

type Reduce = (t: Ops, x: Tensor, o?: ReduceOptions) => Tensor;
const OPS: [string, Reduce][] = [
  ["sum", (t, x, o) => t.sum(x, o)],
  ["mean", (t, x, o) => t.mean(x, o)],
  ["max", (t, x, o) => t.max(x, o)],
];
const RUNS = { numRuns: 40 };

/**
 * A tensor, reduction options and the expected output shape, derived by hand from the axes.
 * Values are distinct and 0.25 apart so that `max` has a unique argmax that a finite-difference
 * step cannot move (ties are a kink of max).
 */
const reduction = shapeArb({ maxRank: 3, maxDim: 4 }).chain((shape) =>
  fc.record({
    x: distinctTensorArb(shape),
    axis: axisArb(shape),
    keepDims: fc.boolean(),
  }).map(({ x, axis, keepDims }) => {
    const rank = shape.length;
    const list = axis === undefined ? shape.map((_, i) => i) : [axis].flat();
    const reduced = new Set(list.map((a) => (a < 0 ? a + rank : a)));
    const out = keepDims
      ? shape.map((d, i) => (reduced.has(i) ? 1 : d))
      : shape.filter((_, i) => !reduced.has(i));
    return { x, options: { axis, keepDims }, out };
  })
);

for (const [name, op] of OPS) {
  test(`${name}() VJP matches central differences over drawn axes`, () => {
    fc.assert(
      fc.property(reduction, ({ x, options }) => {
        assertGradientsMatch((t, v: Tensor) => op(t, v, options), x);
      }),
      RUNS,
    );
  });

  test(`${name}() drops the reduced axes, or keeps them as 1 with keepDims`, () => {
    fc.assert(
      fc.property(reduction, ({ x, options, out }) => {
        assert.deepEqual(op(plain, x, options).shape, out);
      }),
      RUNS,
    );
  });

  test(`${name}() never mutates or aliases its input`, () => {
    fc.assert(
      fc.property(reduction, ({ x, options }) => {
        const before = snapshot(x);
        const [y, pullback] = vjp((t, v) => op(t, v, options), x, { backend: TS });
        pullback(y);
        assert.deepEqual(snapshot(x), before);
        assert.notEqual(y.data.buffer, x.data.buffer);
      }),
      RUNS,
    );
  });

  test(`${name}() rejects an out-of-range or repeated axis with a RangeError`, () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.throws(() => op(plain, x, { axis: 2 }), {
      name: "RangeError",
      message: `Cannot ${name}: axis 2 is out of range for shape [2,3] ` +
        `(rank 2; axes are integers in [-2, 1])`,
    });
    assert.throws(() => op(plain, x, { axis: -3 }), { name: "RangeError" });
    assert.throws(() => op(plain, x, { axis: 0.5 }), { name: "RangeError" });
    assert.throws(() => op(plain, x, { axis: [1, -1] }), {
      name: "RangeError",
      message: `Cannot ${name}: axis -1 is repeated in [1,-1] for shape [2,3]`,
    });
  });
}

test("sum, mean and max of a 2×3 matrix agree with values worked by hand", () => {
  const x = tensor([[1, 2, 3], [4, 5, 9]], [2, 3], "float64");
  assert.deepEqual(toNested(plain.sum(x)), 24);
  assert.deepEqual(toNested(plain.sum(x, { axis: 0 })), [5, 7, 12]);
  assert.deepEqual(toNested(plain.mean(x, { axis: -1, keepDims: true })), [[2], [6]]);
  assert.deepEqual(toNested(plain.max(x, { axis: 1 })), [3, 9]);
  assert.deepEqual(toNested(plain.max(x, { axis: [] })), [[1, 2, 3], [4, 5, 9]]);
});

test("max() sends the gradient of a tie to its first occurrence only", () => {
  const [, pullback] = vjp((t, x) => t.max(x, { axis: 1 }), tensor([[7, 2, 7], [1, 1, 1]]));
  assert.deepEqual(toNested(pullback(tensor([3, 5]))), [[3, 0, 0], [5, 0, 0]]);
});

test("sum() of float32 accumulates in double precision", () => {
  // 2²⁴ + 1 + 1 + ... is stuck at 2²⁴ in float32 arithmetic; in double it reaches 2²⁴ + 8.
  const x = tensor([2 ** 24, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(plain.sum(x).data[0], 2 ** 24 + 8);
});

test("mean() and max() reject reducing an empty axis with a TypeError", () => {
  const empty = tensor(new Float32Array(0), [0, 3]);
  assert.throws(() => plain.mean(empty, { axis: 0 }), {
    name: "TypeError",
    message: /hold no elements/,
  });
  assert.throws(() => plain.max(empty), { name: "TypeError", message: /hold no elements/ });
  assert.equal(plain.sum(empty).data[0], 0);
});

test("max() propagates NaN", () => {
  assert.ok(Number.isNaN(plain.max(tensor([1, NaN, 3])).data[0]));
});
