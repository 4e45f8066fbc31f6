import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { pad } from "../src/ops/pad.ts";
import { sizeOf, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import { assertGrad, ravel, run, RUNS, snapshot, t, unravel } from "./_ops_new.ts";

const padArb = shapeArb({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 3 }).chain((shape) =>
  fc.record({
    x: tensorArb(shape),
    pads: fc.tuple(
      ...shape.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))),
    ),
    value: fc.double({ min: -5, max: 5, noNaN: true }),
  })
);

test("pad() VJP matches central differences", () => {
  fc.assert(
    fc.property(padArb, ({ x, pads, value }) => {
      assertGrad((t, p: Tensor) => t.pad(p, pads, value), x);
    }),
    RUNS,
  );
});

test("pad() equals a plain loop: x inside the border, value outside", () => {
  fc.assert(
    fc.property(padArb, ({ x, pads, value }) => {
      const y = t.pad(x, pads, value);
      const out = x.shape.map((n, d) => pads[d][0] + n + pads[d][1]);
      assert.deepEqual(y.shape, out);
      const ref = Array.from({ length: sizeOf(out) }, (_, j) => {
        const idx = unravel(j, out).map((v, d) => v - pads[d][0]);
        const inside = idx.every((v, d) => v >= 0 && v < x.shape[d]);
        return inside ? x.data[ravel(idx, x.shape)] : value;
      });
      assert.deepEqual(Array.from(y.data), ref);
    }),
    RUNS,
  );
});

test("pad() then slice() of the inner box gives x back", () => {
  fc.assert(
    fc.property(padArb, ({ x, pads, value }) => {
      const inner = t.slice(t.pad(x, pads, value), pads.map(([b]) => b), x.shape);
      assert.deepEqual(Array.from(inner.data), Array.from(x.data));
    }),
    RUNS,
  );
});

test("pad() of [[1,2]] by [[1,0],[0,1]] with 9, and its pullback crops", () => {
  const x = tensor([[1, 2]]);
  const [y, back] = run(pad, x, [[1, 0], [0, 1]], 9);
  assert.deepEqual(toNested(y), [[9, 9, 9], [1, 2, 9]]);
  assert.deepEqual(toNested(back(tensor([[1, 2, 3], [4, 5, 6]]), [true])[0]!), [[4, 5]]);
  assert.deepEqual(toNested(t.pad(tensor([1]), [[2, 1]])), [0, 0, 1, 0]);
  assert.deepEqual(Array.from(t.pad(tensor([1]), [[1, 0]], -Infinity).data), [-Infinity, 1]);
});

test("pad() writes into no input; float32 in, float32 out and back", () => {
  fc.assert(
    fc.property(padArb, ({ x, pads, value }) => {
      const before = snapshot(x);
      const [y, back] = run(pad, x, pads, value);
      const [dx] = back(y, [true]);
      assert.notEqual(y.data.buffer, x.data.buffer);
      assert.notEqual(dx!.data.buffer, x.data.buffer);
      assert.deepEqual(snapshot(x), before);
    }),
    RUNS,
  );
  const [y, back] = run(pad, tensor([1, 2]), [[1, 1]]);
  assert.equal(y.dtype, "float32");
  assert.equal(back(tensor([1, 1, 1, 1], [4], "float64"), [true])[0]!.dtype, "float32");
});

test("pad() rejects malformed pads, negative or fractional widths and NaN", () => {
  const x = tensor([[1, 2]]);
  assert.throws(() => t.pad(x, [[1, 1]]), {
    name: "TypeError",
    message:
      /^Cannot pad: pads must be 2 pairs \[before, after\] of integers, one per axis of shape \[1,2\], got /,
  });
  assert.throws(() => t.pad(x, [[1, 1], [1]] as never), { name: "TypeError" });
  assert.throws(() => t.pad(x, [[0, 0], [-1, 0]]), {
    name: "RangeError",
    message: "Cannot pad: pads[1] = [-1, 0] must be non-negative integers",
  });
  assert.throws(() => t.pad(x, [[0, 0.5], [0, 0]]), { name: "RangeError" });
  assert.throws(() => t.pad(x, [[0, 0], [0, 0]], NaN), {
    name: "RangeError",
    message: "Cannot pad: value must not be NaN",
  });
  assert.throws(() => t.pad(x, [[0, 0], [0, 0]], "0" as never), { name: "TypeError" });
});
