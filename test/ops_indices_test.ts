import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { argmax, equal, oneHot } from "../src/ops/indices.ts";
import { sizeOf, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import { at, ravel, RUNS, shapeAndAxisArb, snapshot, t, TS, unravel } from "./_ops_new.ts";

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Values on a coarse grid, so ties are common and the first-occurrence rule is exercised. */
const coarse = (shape: number[]) =>
  fc.array(fc.integer({ min: -2, max: 2 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((v) => tensor(v, shape, "float64"));

test("argmax() equals a plain loop: the first largest position along the axis", () => {
  fc.assert(
    fc.property(
      shapeAndAxisArb().chain(({ shape, axis }) =>
        fc.record({ x: coarse(shape), axis: fc.constant(axis) })
      ),
      ({ x, axis }) => {
        const d = norm(axis, x.shape.length);
        const y = t.argmax(x, axis);
        const out = x.shape.filter((_, k) => k !== d);
        assert.deepEqual(y.shape, out);
        const ref = Array.from({ length: sizeOf(out) }, (_, j) => {
          const idx = unravel(j, out);
          idx.splice(d, 0, 0);
          let best = 0;
          for (let i = 1; i < x.shape[d]; i++) {
            idx[d] = i;
            const v = x.data[ravel(idx, x.shape)];
            idx[d] = best;
            if (v > x.data[ravel(idx, x.shape)]) best = i;
          }
          return best;
        });
        assert.deepEqual(Array.from(y.data), ref);
      },
    ),
    RUNS,
  );
});

test("argmax() of known values: last axis by default, NaN found, dtype kept", () => {
  const x = tensor([[1, 9, 3], [7, 2, 7]]);
  assert.deepEqual(toNested(t.argmax(x)), [1, 0]);
  assert.deepEqual(toNested(t.argmax(x, 0)), [1, 0, 1]);
  assert.equal(t.argmax(x).dtype, "float32");
  assert.equal(t.argmax(tensor([1, 2], [2], "float64")).dtype, "float64");
  assert.deepEqual(toNested(t.argmax(tensor([1, NaN, 5, NaN]))), 1);
  assert.deepEqual(toNested(t.argmax(tensor([NaN, 5]))), 0);
});

test("argmax(), oneHot() and equal() have no pullback: a trace rejects a traced input", () => {
  const x = tensor([1, 2], [2], "float64");
  const fs: ((t: Ops, p: Tensor) => Tensor)[] = [
    (t, p) => t.argmax(p),
    (t, p) => t.oneHot(p, 3),
    (t, p) => t.equal(p, p),
  ];
  for (const f of fs) {
    assert.throws(() => vjp(f, x), { name: "TypeError", message: /has no derivative/ });
  }
  assert.equal(argmax.run(TS, x)[1], undefined);
  assert.equal(oneHot.run(TS, x, 3)[1], undefined);
  assert.equal(equal.run(TS, x, x)[1], undefined);
  // On constants inside a differentiated function they just compute.
  const [y] = vjp((t, w: Tensor) => t.mul(w, t.oneHot(tensor([1], [1], "float64"), 2)), x);
  assert.deepEqual(toNested(y), [[0, 2]]);
});

test("oneHot() equals a plain loop and keeps the indices' dtype", () => {
  fc.assert(
    fc.property(
      shapeArb({ minRank: 0, maxRank: 2, maxDim: 3 }).chain((shape) =>
        fc.integer({ min: 1, max: 4 }).chain((classes) =>
          fc.record({
            classes: fc.constant(classes),
            i: fc.array(fc.integer({ min: 0, max: classes - 1 }), {
              minLength: sizeOf(shape),
              maxLength: sizeOf(shape),
            }).map((v) => tensor(v, shape)),
          })
        )
      ),
      ({ i, classes }) => {
        const y = t.oneHot(i, classes);
        assert.deepEqual(y.shape, [...i.shape, classes]);
        assert.equal(y.dtype, i.dtype);
        const ref = Array.from(
          { length: y.data.length },
          (_, j) => i.data[Math.floor(j / classes)] === j % classes ? 1 : 0,
        );
        assert.deepEqual(Array.from(y.data), ref);
      },
    ),
    RUNS,
  );
});

test("oneHot() of [2, 0] with 3 classes", () => {
  assert.deepEqual(toNested(t.oneHot(tensor([2, 0]), 3)), [[0, 0, 1], [1, 0, 0]]);
  assert.deepEqual(toNested(t.oneHot(tensor(1, [], "float64"), 2)), [0, 1]);
});

test("oneHot() rejects fractional and out-of-range indices and bad class counts", () => {
  assert.throws(() => t.oneHot(tensor([0, 3]), 3), {
    name: "RangeError",
    message: "Cannot oneHot: index 3 at flat position 1 of shape [2] is not an integer in [0, 2]",
  });
  assert.throws(() => t.oneHot(tensor([0.5]), 3), { name: "RangeError" });
  assert.throws(() => t.oneHot(tensor([-1]), 3), { name: "RangeError" });
  assert.throws(() => t.oneHot(tensor([NaN]), 3), { name: "RangeError" });
  assert.throws(() => t.oneHot(tensor([0]), 0), {
    name: "RangeError",
    message: "Cannot oneHot: classes must be a positive integer, got 0",
  });
  assert.throws(() => t.oneHot(tensor([0]), 2.5), { name: "RangeError" });
  assert.throws(() => t.oneHot(tensor([0]), "2" as never), { name: "TypeError" });
  assert.throws(() => t.oneHot([0] as never, 2), {
    name: "TypeError",
    message: "Cannot oneHot: the indices must be a tensor, got [0]",
  });
});

test("equal() equals a plain loop under broadcasting", () => {
  fc.assert(
    fc.property(
      shapeArb({ minRank: 0, maxRank: 3, maxDim: 3 }).chain((shape) =>
        fc.record({
          a: coarse(shape),
          b: fc.integer({ min: 0, max: shape.length }).chain((drop) => coarse(shape.slice(drop))),
        })
      ),
      ({ a, b }) => {
        const y = t.equal(a, b);
        assert.deepEqual(y.shape, a.shape);
        const ref = Array.from({ length: sizeOf(a.shape) }, (_, j) => {
          const idx = unravel(j, a.shape);
          return at(a, idx) === at(b, idx) ? 1 : 0;
        });
        assert.deepEqual(Array.from(y.data), ref);
      },
    ),
    RUNS,
  );
});

test("equal() of known values; NaN equals nothing; accuracy as mean(equal(argmax, labels))", () => {
  assert.deepEqual(toNested(t.equal(tensor([[1, 2], [3, 2]]), tensor([1, 2]))), [[1, 1], [0, 1]]);
  assert.deepEqual(toNested(t.equal(tensor([NaN]), tensor([NaN]))), [0]);
  const logits = tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]);
  const hits = t.equal(t.argmax(logits), tensor([1, 1, 1]));
  assert.deepEqual(toNested(hits), [1, 0, 1]);
});

test("equal() rejects mixed dtypes and shapes that do not broadcast", () => {
  assert.throws(() => t.equal(tensor([1]), tensor([1], [1], "float64")), {
    name: "TypeError",
    message: "Cannot equal: dtypes differ, float32 and float64",
  });
  assert.throws(() => t.equal(tensor([1, 2]), tensor([1, 2, 3])), {
    name: "TypeError",
    message: "Cannot equal: shapes [2] and [3] do not broadcast (axis -1: 2 vs 3)",
  });
});

test("argmax() rejects scalars, empty axes and axes out of range", () => {
  assert.throws(() => t.argmax(tensor(1)), {
    name: "RangeError",
    message: /Cannot argmax: axis -1/,
  });
  assert.throws(() => t.argmax(tensor([[1, 2]]), 2), { name: "RangeError" });
  assert.throws(() => t.argmax(tensor([], [2, 0]), 1), {
    name: "RangeError",
    message: "Cannot argmax: axis 1 of shape [2,0] is empty (no largest element)",
  });
  assert.throws(() => t.argmax(tensor([1]), "0" as never), { name: "TypeError" });
});

test("argmax(), oneHot() and equal() write into no input", () => {
  fc.assert(
    fc.property(shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) => tensorArb(s)), (x) => {
      const labels = t.argmax(x);
      const before = snapshot(x, labels);
      for (const y of [t.argmax(x, 0), t.oneHot(labels, x.shape.at(-1)!), t.equal(x, x)]) {
        assert.ok(y.data.buffer !== x.data.buffer && y.data.buffer !== labels.data.buffer);
      }
      assert.deepEqual(snapshot(x, labels), before);
    }),
    RUNS,
  );
});
