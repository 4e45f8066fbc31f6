import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { vjp } from "../src/autodiff/trace.ts";
import { type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, TS } from "./_ops.ts";

const RUNS = { numRuns: 40 };

/** A tensor and a permutation of its axes, some written as negative axes. */
const permuted = shapeArb({ maxRank: 4, maxDim: 3 }).chain((shape) =>
  fc.tuple(
    tensorArb(shape),
    fc.shuffledSubarray(shape.map((_, i) => i), {
      minLength: shape.length,
      maxLength: shape.length,
    }),
    fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
  ).map(([x, perm, neg]) => ({ x, axes: perm.map((p, i) => (neg[i] ? p - shape.length : p)) }))
);

/** A tensor and a new shape of the same size: its dimensions regrouped, one maybe -1. */
const regrouped = shapeArb({ maxRank: 3, maxDim: 4 }).chain((shape) =>
  fc.tuple(tensorArb(shape), fc.shuffledSubarray(shape)).chain((
    [x, dims],
  ) =>
    fc.integer({ min: -1, max: dims.length }).map((hole) => {
      const size = x.data.length;
      const rest = dims.reduce((p, d) => p * d, 1);
      const target = [...dims, size / rest];
      if (hole >= 0 && hole < target.length) target[hole] = -1;
      return { x, target };
    })
  )
);

test("transpose() VJP matches central differences", () => {
  fc.assert(
    fc.property(
      permuted,
      ({ x, axes }) => assertGradientsMatch((t, v: Tensor) => t.transpose(v, axes), x),
    ),
    RUNS,
  );
});

test("transpose() moves element [i0,i1,...] to [i_axes[0], i_axes[1], ...]", () => {
  fc.assert(
    fc.property(permuted, ({ x, axes }) => {
      const rank = x.shape.length;
      const perm = axes.map((a) => (a < 0 ? a + rank : a));
      const y = plain.transpose(x, axes);
      assert.deepEqual(y.shape, perm.map((p) => x.shape[p]));
      // Walk every input index by hand and look it up in the output.
      const idx = new Array<number>(rank).fill(0);
      for (let flat = 0; flat < x.data.length; flat++) {
        let rem = flat;
        for (let d = rank - 1; d >= 0; d--) {
          idx[d] = rem % x.shape[d];
          rem = Math.floor(rem / x.shape[d]);
        }
        let at = 0;
        for (let i = 0; i < rank; i++) at = at * y.shape[i] + idx[perm[i]];
        assert.equal(y.data[at], x.data[flat]);
      }
    }),
    RUNS,
  );
});

test("transpose() defaults to reversing the axes", () => {
  const y = plain.transpose(tensor([[1, 2, 3], [4, 5, 6]]));
  assert.deepEqual(toNested(y), [[1, 4], [2, 5], [3, 6]]);
});

test("reshape() VJP matches central differences", () => {
  fc.assert(
    fc.property(
      regrouped,
      ({ x, target }) => assertGradientsMatch((t, v: Tensor) => t.reshape(v, target), x),
    ),
    RUNS,
  );
});

test("reshape() keeps the row-major order and infers the -1 dimension", () => {
  const y = plain.reshape(tensor([[1, 2, 3], [4, 5, 6]]), [-1, 2]);
  assert.deepEqual(toNested(y), [[1, 2], [3, 4], [5, 6]]);
});

test("reshape() and transpose() never mutate or alias their input", () => {
  fc.assert(
    fc.property(permuted, regrouped, ({ x, axes }, r) => {
      const before = snapshot(x, r.x);
      const [y, back] = vjp((t, v) => t.transpose(v, axes), x, { backend: TS });
      back(y);
      const [z, zBack] = vjp((t, v) => t.reshape(v, r.target), r.x, { backend: TS });
      zBack(z);
      assert.deepEqual(snapshot(x, r.x), before);
      assert.notEqual(y.data.buffer, x.data.buffer);
      assert.notEqual(z.data.buffer, r.x.data.buffer);
    }),
    RUNS,
  );
});

test("reshape() rejects a shape of another size, or two -1, with a TypeError", () => {
  const x = tensor([1, 2, 3, 4, 5, 6]);
  assert.throws(() => plain.reshape(x, [4, 2]), {
    name: "TypeError",
    message: "Cannot reshape: [6] into [4,2]: 6 elements do not fill 8",
  });
  assert.throws(() => plain.reshape(x, [-1, -1]), {
    name: "TypeError",
    message: "Cannot reshape: [6] into [-1,-1]: at most one dimension may be -1",
  });
  assert.throws(() => plain.reshape(x, [4, -1]), { name: "TypeError", message: /cannot infer/ });
});

test("transpose() rejects axes that are not a permutation with a RangeError", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => plain.transpose(x, [0]), {
    name: "RangeError",
    message: /must list each of the 2 axes/,
  });
  assert.throws(() => plain.transpose(x, [0, -2]), {
    name: "RangeError",
    message: "Cannot transpose: axes [0,-2] repeat axis 0 of shape [2,2]",
  });
  assert.throws(() => plain.transpose(x, [0, 2]), {
    name: "RangeError",
    message: /Cannot transpose: axis 2 is out of range for shape \[2,2\]/,
  });
});
