import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { vjp } from "../src/autodiff/trace.ts";
import { concat, stack } from "../src/ops/joining.ts";
import { sizeOf, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import {
  assertGrad,
  ravel,
  run,
  RUNS,
  shapeAndAxisArb,
  snapshot,
  t,
  TS,
  unravel,
} from "./_ops_new.ts";

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** 1..3 tensors agreeing on every axis but `axis`, where each has its own length 1..3. */
const concatArb = shapeAndAxisArb().chain(({ shape, axis }) =>
  fc.record({
    axis: fc.constant(axis),
    xs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).chain((lens) =>
      fc.tuple(
        ...lens.map((n) =>
          tensorArb(shape.map((m, k) => (k === norm(axis, shape.length) ? n : m)))
        ),
      )
    ),
  })
);

/** 1..3 tensors of one shape (rank 0..3) and a signed new axis in [-(rank+1), rank]. */
const stackArb = shapeArb({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 3 }).chain((shape) =>
  fc.record({
    axis: fc.integer({ min: -(shape.length + 1), max: shape.length }),
    xs: fc.array(tensorArb(shape), { minLength: 1, maxLength: 3 }),
  })
);

test("concat() VJP matches central differences for every input", () => {
  fc.assert(
    fc.property(concatArb, ({ xs, axis }) => {
      assertGrad((t, p: Tensor[]) => t.concat(p, axis), xs);
    }),
    RUNS,
  );
});

test("concat() equals a plain loop", () => {
  fc.assert(
    fc.property(concatArb, ({ xs, axis }) => {
      const d = norm(axis, xs[0].shape.length);
      const y = t.concat(xs, axis);
      const total = xs.reduce((s, x) => s + x.shape[d], 0);
      const out = xs[0].shape.map((n, k) => (k === d ? total : n));
      assert.deepEqual(y.shape, out);
      const ref = Array.from({ length: sizeOf(out) }, (_, j) => {
        const idx = unravel(j, out);
        let w = 0;
        while (idx[d] >= xs[w].shape[d]) idx[d] -= xs[w++].shape[d];
        return xs[w].data[ravel(idx, xs[w].shape)];
      });
      assert.deepEqual(Array.from(y.data), ref);
    }),
    RUNS,
  );
});

test("concat() of slices along an axis rebuilds the tensor", () => {
  fc.assert(
    fc.property(
      shapeAndAxisArb().chain(({ shape, axis }) =>
        fc.record({
          x: tensorArb(shape),
          axis: fc.constant(axis),
          cut: fc.integer({ min: 0, max: shape[norm(axis, shape.length)] }),
        })
      ),
      ({ x, axis, cut }) => {
        const d = norm(axis, x.shape.length);
        const begin = x.shape.map(() => 0);
        const head = t.slice(x, begin, x.shape.map((n, k) => (k === d ? cut : n)));
        const tail = t.slice(x, begin.map((_, k) => (k === d ? cut : 0)), x.shape.map(() => -1));
        const y = t.concat([head, tail], axis);
        assert.deepEqual(y.shape, x.shape);
        assert.deepEqual(Array.from(y.data), Array.from(x.data));
      },
    ),
    RUNS,
  );
});

test("stack() VJP matches central differences for every input", () => {
  fc.assert(
    fc.property(stackArb, ({ xs, axis }) => {
      assertGrad((t, p: Tensor[]) => t.stack(p, axis), xs);
    }),
    RUNS,
  );
});

test("stack() then index() along the new axis returns the pieces", () => {
  fc.assert(
    fc.property(stackArb, ({ xs, axis }) => {
      const y = t.stack(xs, axis);
      const d = norm(axis, xs[0].shape.length + 1);
      assert.equal(y.shape[d], xs.length);
      xs.forEach((x, i) => {
        const piece = t.index(y, i, axis);
        assert.deepEqual(piece.shape, x.shape);
        assert.deepEqual(Array.from(piece.data), Array.from(x.data));
      });
    }),
    RUNS,
  );
});

test("concat() and stack() of known values", () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6], [7, 8]]);
  assert.deepEqual(toNested(t.concat([a, b], -1)), [[1, 2, 5, 6], [3, 4, 7, 8]]);
  assert.deepEqual(toNested(t.stack([a, b], 0)), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  assert.deepEqual(toNested(t.stack([a, b], -1)), [[[1, 5], [2, 6]], [[3, 7], [4, 8]]]);
  const [, back] = run(concat, [a, b], 0);
  const [da, db] = back(tensor([[1, 2], [3, 4], [5, 6], [7, 8]]), [true, true]);
  assert.deepEqual([toNested(da!), toNested(db!)], [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
});

test("the pullbacks compute only the cotangents that are needed", () => {
  const a = tensor([1, 2]), b = tensor([3]);
  const [y, back] = run(concat, [a, b], 0);
  const [da, db] = back(y, [false, true]);
  assert.equal(da, undefined);
  assert.deepEqual(Array.from(db!.data), [3]);
  const [s, sback] = run(stack, [a, a], 0);
  assert.deepEqual(sback(s, [true, false]).map((d) => d === undefined), [false, true]);
});

test("a trace differentiates concat() with respect to one input only", () => {
  const c = tensor([10, 20], [2], "float64");
  const [y, pullback] = vjp((t, x: Tensor) => t.concat([c, x, x], 0), tensor([1], [1], "float64"));
  assert.deepEqual(Array.from(y.data), [10, 20, 1, 1]);
  assert.deepEqual(Array.from(pullback(tensor([1, 2, 3, 4], [4], "float64")).data), [7]);
});

test("concat() and stack() write into no input; float32 stays float32", () => {
  fc.assert(
    fc.property(concatArb, ({ xs, axis }) => {
      const before = snapshot(...xs);
      const [y, back] = run(concat, xs, axis);
      const ds = back(y, xs.map(() => true));
      const [s, sback] = run(stack, [xs[0], xs[0]], axis);
      sback(s, [true, true]);
      assert.deepEqual(snapshot(...xs), before);
      assert.ok(ds.every((d, i) => d!.data.buffer !== xs[i].data.buffer));
    }),
    RUNS,
  );
  const [y, back] = run(stack, [tensor([1]), tensor([2])], 0);
  assert.equal(y.dtype, "float32");
  assert.equal(back(tensor([[1], [1]], [2, 1], "float64"), [true, true])[0]!.dtype, "float32");
});

test("concat() rejects mismatched shapes, dtypes, scalars and an empty list", () => {
  const a = tensor([[1, 2]]);
  assert.throws(() => t.concat([a, tensor([[1, 2, 3]])], 0), {
    name: "TypeError",
    message:
      "Cannot concat: along axis 0, xs[1] of shape [1,3] does not match xs[0] of shape [1,2] on the other axes",
  });
  assert.throws(() => t.concat([a, tensor([1, 2])], 0), { name: "TypeError" });
  assert.throws(() => t.concat([a, tensor([[1, 2]], [1, 2], "float64")], 0), {
    name: "TypeError",
    message: "Cannot concat: dtypes differ, float32 (xs[0]) and float64 (xs[1])",
  });
  assert.throws(() => t.concat([], 0), {
    name: "TypeError",
    message: "Cannot concat: expected a non-empty array of tensors, got []",
  });
  assert.throws(() => t.concat([a, 3 as never], 0), {
    name: "TypeError",
    message: "Cannot concat: xs[1] must be a tensor, got 3",
  });
  assert.throws(() => t.concat([tensor(1)], 0), { name: "TypeError", message: /scalars/ });
  assert.throws(() => t.concat([a], 2), { name: "RangeError", message: /Cannot concat: axis 2/ });
});

test("stack() rejects differing shapes and axes out of range", () => {
  const a = tensor([1, 2]);
  assert.throws(() => t.stack([a, tensor([1, 2, 3])], 0), {
    name: "TypeError",
    message:
      "Cannot stack: xs[1] has shape [3], xs[0] has [2] (stacked tensors must have one shape)",
  });
  assert.throws(() => t.stack([a], 2), {
    name: "RangeError",
    message:
      "Cannot stack: axis 2 is out of range for tensors of shape [2] (a new axis is an integer in [-2, 1])",
  });
  assert.throws(() => t.stack([a], -3), { name: "RangeError" });
  assert.throws(() => t.stack([a], "0" as never), { name: "TypeError" });
  assert.throws(() => stack.run(TS, a as never, 0), { name: "TypeError" });
});
