import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { shuffleDataset, trainTestSplit } from "../src/data/split.ts";
import { sliceDataset, takeExamples } from "../src/data/subset.ts";
import { oneHot } from "../src/data/one_hot.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, tensor } from "../src/tensor.ts";
import type { Dataset } from "../src/data/dataset.ts";

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

/** n examples whose x rows are [i, -i] and whose label is i: every row is identifiable. */
function indexed(n: number): Dataset {
  const x = new Float64Array(2 * n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    y[i] = i;
  }
  return { x: fromTypedArray(x, [n, 2]), y: fromTypedArray(y, [n]) };
}

/** Every row of ds still pairs x = [i, -i] with y = i; returns the ids in order. */
function pairedIds(ds: Dataset): number[] {
  const ids: number[] = [];
  for (let r = 0; r < ds.y.shape[0]; r++) {
    const id = ds.y.data[r];
    assert.equal(ds.x.data[2 * r], id);
    assert.equal(ds.x.data[2 * r + 1], -id);
    ids.push(id);
  }
  return ids;
}

const splitArb = fc.tuple(
  seedArb,
  fc.integer({ min: 2, max: 300 }),
  fc.double({ min: 0.01, max: 0.99, noNaN: true }),
);

test("trainTestSplit() partitions the examples, keeping x and y paired", () => {
  fc.assert(
    fc.property(splitArb, ([seed, n, fraction]) => {
      const { train, test } = trainTestSplit(key(seed), indexed(n), fraction);
      const ids = [...pairedIds(train), ...pairedIds(test)].sort((a, b) => a - b);
      assert.deepEqual(ids, Array.from({ length: n }, (_, i) => i));
    }),
    { numRuns: 50 },
  );
});

test("trainTestSplit() holds out round(n·fraction) examples, at least 1 and at most n-1", () => {
  fc.assert(
    fc.property(splitArb, ([seed, n, fraction]) => {
      const { train, test } = trainTestSplit(key(seed), indexed(n), fraction);
      const expected = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
      assert.equal(test.x.shape[0], expected);
      assert.equal(train.x.shape[0], n - expected);
    }),
    { numRuns: 50 },
  );
});

test("trainTestSplit() is deterministic per key", () => {
  fc.assert(
    fc.property(splitArb, ([seed, n, fraction]) => {
      const a = trainTestSplit(key(seed), indexed(n), fraction);
      const b = trainTestSplit(key(seed), indexed(n), fraction);
      assert.deepEqual(a.test.y.data, b.test.y.data);
      assert.deepEqual(a.train.y.data, b.train.y.data);
    }),
    { numRuns: 30 },
  );
});

test("trainTestSplit() rejects fractions outside (0, 1) and datasets of one example", () => {
  for (const fraction of [0, 1, -0.2, 1.5, NaN]) {
    assert.throws(() => trainTestSplit(key(0), indexed(10), fraction), {
      name: "RangeError",
      message: /trainTestSplit: fraction must be a finite number in \(0, 1\)/,
    });
  }
  assert.throws(() => trainTestSplit(key(0), indexed(1), 0.5), { name: "RangeError" });
});

test("shuffleDataset() permutes the examples, keeping x and y paired", () => {
  fc.assert(
    fc.property(seedArb, fc.integer({ min: 1, max: 100 }), (seed, n) => {
      const ids = pairedIds(shuffleDataset(key(seed), indexed(n))).sort((a, b) => a - b);
      assert.deepEqual(ids, Array.from({ length: n }, (_, i) => i));
    }),
    { numRuns: 30 },
  );
});

test("takeExamples() returns the chosen rows in order and rejects bad indices", () => {
  const ds = indexed(5);
  assert.deepEqual(pairedIds(takeExamples(ds, [4, 0, 4])), [4, 0, 4]);
  for (const bad of [5, -1, 1.5]) {
    assert.throws(() => takeExamples(ds, [bad]), { name: "RangeError", message: /takeExamples/ });
  }
});

test("sliceDataset() returns rows start..end, clamped to the dataset", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.nat(60), fc.nat(60), (n, a, b) => {
      const [start, end] = [Math.min(a, b, n), Math.max(a, b)];
      const ids = pairedIds(sliceDataset(indexed(n), start, end));
      const expected = [];
      for (let i = start; i < Math.min(end, n); i++) expected.push(i);
      assert.deepEqual(ids, expected);
    }),
    { numRuns: 50 },
  );
});

test("takeExamples() and sliceDataset() leave the dataset untouched and unaliased", () => {
  const ds = indexed(6);
  const snapshot = [ds.x.data.slice(), ds.y.data.slice()];
  const parts = [takeExamples(ds, [1, 2]), sliceDataset(ds, 0, 6)];
  assert.deepEqual([ds.x.data, ds.y.data], snapshot);
  for (const p of parts) {
    assert.notEqual(p.x.data.buffer, ds.x.data.buffer);
    assert.notEqual(p.y.data.buffer, ds.y.data.buffer);
  }
});

test("oneHot() rows hold a single 1, at the label's column", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }).chain((classes) =>
        fc.tuple(fc.constant(classes), fc.array(fc.nat(classes - 1), { maxLength: 30 }))
      ),
      ([classes, labels]) => {
        const y = oneHot(tensor(labels, [labels.length]), classes);
        assert.deepEqual([...y.shape], [labels.length, classes]);
        for (let i = 0; i < labels.length; i++) {
          for (let c = 0; c < classes; c++) {
            assert.equal(y.data[i * classes + c], c === labels[i] ? 1 : 0);
          }
        }
      },
    ),
    { numRuns: 50 },
  );
});

test("oneHot() rejects labels outside 0..classes-1 and non-integers", () => {
  for (const bad of [3, -1, 0.5, NaN]) {
    assert.throws(() => oneHot(tensor([0, bad]), 3), {
      name: "RangeError",
      message: new RegExp(`oneHot: label ${bad} at index 1`),
    });
  }
});

test("oneHot() rejects labels that are not rank 1", () => {
  assert.throws(() => oneHot(tensor([[0, 1]]), 2), {
    name: "TypeError",
    message: /oneHot: labels must have shape \[N\].*\[1,2\]/,
  });
});
