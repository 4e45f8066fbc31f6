import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { index, slice, take } from "../src/ops/slicing.ts";
import { sizeOf, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import { assertGrad, ravel, run, RUNS, shapeAndAxisArb, snapshot, t, unravel } from "./_ops_new.ts";

/** A tensor and a box of it: begin in [0, n], size -1 or in [0, n - begin]. */
const sliceArb = shapeArb({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 4 }).chain((shape) =>
  fc.record({
    x: tensorArb(shape),
    box: fc.tuple(
      ...shape.map((n) =>
        fc.integer({ min: 0, max: n }).chain((b) =>
          fc.tuple(fc.constant(b), fc.integer({ min: -1, max: n - b }))
        )
      ),
    ),
  })
).map(({ x, box }) => ({ x, begin: box.map(([b]) => b), size: box.map(([, s]) => s) }));

const indexArb = shapeAndAxisArb().chain(({ shape, axis }) => {
  const n = shape[axis < 0 ? axis + shape.length : axis];
  return fc.record({
    x: tensorArb(shape),
    axis: fc.constant(axis),
    i: fc.integer({ min: -n, max: n - 1 }),
  });
});

const takeArb = shapeAndAxisArb().chain(({ shape, axis }) => {
  const n = shape[axis < 0 ? axis + shape.length : axis];
  return fc.record({
    x: tensorArb(shape),
    axis: fc.constant(axis),
    indices: fc.array(fc.integer({ min: -n, max: n - 1 }), { maxLength: 5 }),
  });
});

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

test("slice() VJP matches central differences on drawn boxes (size -1 included)", () => {
  fc.assert(
    fc.property(sliceArb, ({ x, begin, size }) => {
      assertGrad((t, p: Tensor) => t.slice(p, begin, size), x);
    }),
    RUNS,
  );
});

test("slice() equals a plain loop over the box", () => {
  fc.assert(
    fc.property(sliceArb, ({ x, begin, size }) => {
      const y = t.slice(x, begin, size);
      const ext = size.map((s, d) => (s === -1 ? x.shape[d] - begin[d] : s));
      assert.deepEqual(y.shape, ext);
      const ref = Array.from({ length: sizeOf(ext) }, (_, i) => {
        const idx = unravel(i, ext).map((v, d) => v + begin[d]);
        return x.data[ravel(idx, x.shape)];
      });
      assert.deepEqual(Array.from(y.data), ref);
    }),
    RUNS,
  );
});

test("slice() of [[1,2,3],[4,5,6]] from [0,1] size [-1,2] is [[2,3],[5,6]]; dy lands in zeros", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const [y, back] = run(slice, x, [0, 1], [-1, 2]);
  assert.deepEqual(toNested(y), [[2, 3], [5, 6]]);
  const [dx] = back(tensor([[10, 20], [30, 40]]), [true]);
  assert.deepEqual(toNested(dx!), [[0, 10, 20], [0, 30, 40]]);
});

test("index() VJP matches central differences for signed positions and axes", () => {
  fc.assert(
    fc.property(indexArb, ({ x, i, axis }) => {
      assertGrad((t, p: Tensor) => t.index(p, i, axis), x);
    }),
    RUNS,
  );
});

test("index() drops the axis and equals a plain loop", () => {
  fc.assert(
    fc.property(indexArb, ({ x, i, axis }) => {
      const d = norm(axis, x.shape.length);
      const p = i < 0 ? i + x.shape[d] : i;
      const y = t.index(x, i, axis);
      const out = x.shape.filter((_, k) => k !== d);
      assert.deepEqual(y.shape, out);
      const ref = Array.from({ length: sizeOf(out) }, (_, j) => {
        const idx = unravel(j, out);
        idx.splice(d, 0, p);
        return x.data[ravel(idx, x.shape)];
      });
      assert.deepEqual(Array.from(y.data), ref);
    }),
    RUNS,
  );
});

test("index(x, 1, 1) is x[:, 1]; index(x, -1, 0) is the last row", () => {
  const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  assert.deepEqual(toNested(t.index(x, 1, 1)), [[3, 4], [7, 8]]);
  assert.deepEqual(toNested(t.index(x, -1, 0)), [[5, 6], [7, 8]]);
  const [, back] = run(index, x, 0, -1);
  assert.deepEqual(toNested(back(tensor([[1, 2], [3, 4]]), [true])[0]!), [
    [[1, 0], [2, 0]],
    [[3, 0], [4, 0]],
  ]);
});

test("take() VJP matches central differences, repeats and signed indices included", () => {
  fc.assert(
    fc.property(takeArb, ({ x, indices, axis }) => {
      assertGrad((t, p: Tensor) => t.take(p, indices, axis), x);
    }),
    RUNS,
  );
});

test("take() equals a plain loop", () => {
  fc.assert(
    fc.property(takeArb, ({ x, indices, axis }) => {
      const d = norm(axis, x.shape.length);
      const y = t.take(x, indices, axis);
      const out = x.shape.map((n, k) => (k === d ? indices.length : n));
      assert.deepEqual(y.shape, out);
      const ref = Array.from({ length: sizeOf(out) }, (_, j) => {
        const idx = unravel(j, out);
        const i = indices[idx[d]];
        idx[d] = i < 0 ? i + x.shape[d] : i;
        return x.data[ravel(idx, x.shape)];
      });
      assert.deepEqual(Array.from(y.data), ref);
    }),
    RUNS,
  );
});

test("take() pullback adds the cotangents of a position taken twice", () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  const [y, back] = run(take, x, [2, 0, -1], 0);
  assert.deepEqual(toNested(y), [[5, 6], [1, 2], [5, 6]]);
  const [dx] = back(tensor([[1, 2], [10, 20], [100, 200]]), [true]);
  assert.deepEqual(toNested(dx!), [[10, 20], [0, 0], [101, 202]]);
});

test("slice(), index() and take() write into no input and return fresh data", () => {
  fc.assert(
    fc.property(indexArb, ({ x, i, axis }) => {
      const before = snapshot(x);
      const full = x.shape.map(() => -1);
      for (
        const [y, back] of [
          run(slice, x, x.shape.map(() => 0), full),
          run(index, x, i, axis),
          run(take, x, [i, i], axis),
        ]
      ) {
        const [dx] = back(y, [true]);
        assert.notEqual(y.data.buffer, x.data.buffer);
        assert.notEqual(dx!.data.buffer, y.data.buffer);
      }
      assert.deepEqual(snapshot(x), before);
    }),
    RUNS,
  );
});

test("float32 inputs give float32 outputs and cotangents, also for a float64 dy", () => {
  const x = tensor([[1, 2], [3, 4]]);
  for (
    const [y, back] of [run(slice, x, [0, 0], [1, 2]), run(index, x, 0, 0), run(take, x, [1], 0)]
  ) {
    assert.equal(y.dtype, "float32");
    const dy = tensor(Array.from(y.data), y.shape, "float64");
    assert.equal(back(dy, [true])[0]!.dtype, "float32");
  }
});

test("slice() rejects bad begin and size with errors naming slice and the values", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => t.slice(x, [0], [1, 1]), {
    name: "TypeError",
    message: "Cannot slice: begin [0] has 1 entries for shape [2,3] (rank 2)",
  });
  assert.throws(() => t.slice(x, [0, 0], "all" as never), { name: "TypeError" });
  assert.throws(() => t.slice(x, [0, 4], [1, 0]), {
    name: "RangeError",
    message: "Cannot slice: begin[1] = 4 is out of range for shape [2,3] (an integer in [0, 3])",
  });
  assert.throws(() => t.slice(x, [0, 1], [1, 3]), {
    name: "RangeError",
    message:
      "Cannot slice: size[1] = 3 from begin 1 runs past shape [2,3] (-1 or an integer in [0, 2])",
  });
  assert.throws(() => t.slice(x, [0.5, 0], [1, 1]), { name: "RangeError" });
  assert.throws(() => t.slice(x, [0, 0], [-2, 1]), { name: "RangeError" });
  assert.throws(() => t.slice([1, 2] as never, [0], [1]), {
    name: "TypeError",
    message: /^Cannot slice: the input x must be a tensor/,
  });
});

test("index() rejects positions and axes out of range with a RangeError", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => t.index(x, 3, 1), {
    name: "RangeError",
    message:
      "Cannot index: the position i 3 is out of range for an axis of length 3 in shape [2,3] (positions are integers in [-3, 2])",
  });
  assert.throws(() => t.index(x, -3, 0), { name: "RangeError" });
  assert.throws(() => t.index(x, 0, 2), { name: "RangeError", message: /Cannot index: axis 2/ });
  assert.throws(() => t.index(tensor(1), 0, 0), { name: "RangeError" });
  assert.throws(() => t.index(x, "0" as never, 0), { name: "TypeError" });
});

test("take() rejects indices out of range and a non-array with errors naming take", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => t.take(x, [0, 2], 0), {
    name: "RangeError",
    message: /^Cannot take: indices\[1\] 2 is out of range for an axis of length 2/,
  });
  assert.throws(() => t.take(x, [1.5], 1), { name: "RangeError" });
  assert.throws(() => t.take(x, 1 as never, 1), {
    name: "TypeError",
    message: "Cannot take: indices must be an array of integers, got 1",
  });
  assert.throws(() => t.take(x, [0], -3), { name: "RangeError", message: /Cannot take: axis -3/ });
});

test("a pullback rejects a cotangent of the wrong shape", () => {
  const [, back] = run(slice, tensor([1, 2, 3]), [1], [2]);
  assert.throws(() => back(tensor([1, 2, 3]), [true]), {
    name: "TypeError",
    message: "Cannot slice VJP: cotangent shape [3] differs from output shape [2]",
  });
});
