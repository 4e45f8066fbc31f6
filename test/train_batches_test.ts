import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  batches,
  datasetSize,
  foldIn,
  fromTypedArray,
  key,
  permutation,
  takeRows,
  tensor,
} from "../mod.ts";
import { indexData } from "./_train_fixtures.ts";

const sizeArb = fc.record({
  n: fc.integer({ min: 1, max: 40 }),
  batchSize: fc.integer({ min: 1, max: 12 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

/** The example indices of each epoch, read back from x (which holds each row's index). */
function epochsOf(source: Iterable<{ x: { data: ArrayLike<number> }; epoch: number }>) {
  const out: number[][] = [];
  for (const b of source) {
    (out[b.epoch] ??= []).push(...Array.from(b.x.data));
  }
  return out;
}

test("batches: with shuffling, every epoch covers each example exactly once", () => {
  fc.assert(
    fc.property(sizeArb, ({ n, batchSize, seed }) => {
      const epochs = epochsOf(batches(indexData(n), { batchSize, shuffle: key(seed), epochs: 3 }));
      assert.equal(epochs.length, 3);
      for (const seen of epochs) {
        assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
      }
    }),
    { numRuns: 50 },
  );
});

test("batches: epoch e is ordered by permutation(foldIn(key, e)), so epochs differ", () => {
  const k = key(3);
  const epochs = epochsOf(batches(indexData(20), { batchSize: 6, shuffle: k, epochs: 3 }));
  for (let e = 0; e < 3; e++) assert.deepEqual(epochs[e], [...permutation(foldIn(k, e), 20)]);
  assert.notDeepEqual(epochs[0], epochs[1]);
  assert.notDeepEqual(epochs[1], epochs[2]);
});

test("batches: iterating the source twice gives the same batches", () => {
  const source = batches(indexData(13), { batchSize: 4, shuffle: key(1), epochs: 2 });
  assert.deepEqual(epochsOf(source), epochsOf(source));
});

test("batches: without a key, examples come in order every epoch", () => {
  const epochs = epochsOf(batches(indexData(5), { batchSize: 2, epochs: 2 }));
  assert.deepEqual(epochs, [[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]);
});

test("batches: x and y rows stay paired after shuffling", () => {
  for (const b of batches(indexData(17), { batchSize: 5, shuffle: key(9), epochs: 2 })) {
    assert.deepEqual(Array.from(b.y.data), Array.from(b.x.data, (v) => 10 * v));
  }
});

test("batches: epoch, index, size and batchCount describe each batch", () => {
  fc.assert(
    fc.property(sizeArb, ({ n, batchSize }) => {
      const all = [...batches(indexData(n), { batchSize, epochs: 2 })];
      const perEpoch = Math.ceil(n / batchSize);
      assert.equal(all.length, 2 * perEpoch);
      all.forEach((b, i) => {
        assert.equal(b.epoch, Math.floor(i / perEpoch));
        assert.equal(b.index, i % perEpoch);
        assert.equal(b.batchCount, perEpoch);
        const expected = b.index === perEpoch - 1 ? n - batchSize * (perEpoch - 1) : batchSize;
        assert.equal(b.size, expected);
        assert.deepEqual(b.x.shape, [expected, 1]);
        assert.deepEqual(b.y.shape, [expected]);
      });
    }),
    { numRuns: 50 },
  );
});

test("batches: dropLast keeps only full batches, each example at most once per epoch", () => {
  fc.assert(
    fc.property(sizeArb.filter(({ n, batchSize }) => n >= batchSize), ({ n, batchSize, seed }) => {
      const source = batches(indexData(n), {
        batchSize,
        shuffle: key(seed),
        dropLast: true,
        epochs: 2,
      });
      const all = [...source];
      assert.equal(source.batchCount, Math.floor(n / batchSize));
      assert.ok(all.every((b) => b.size === batchSize));
      for (const seen of epochsOf(all)) {
        assert.equal(seen.length, Math.floor(n / batchSize) * batchSize);
        assert.equal(new Set(seen).size, seen.length);
      }
    }),
    { numRuns: 50 },
  );
});

test("batches: startEpoch resumes the shuffle sequence where a run left off", () => {
  const full = epochsOf(batches(indexData(9), { batchSize: 4, shuffle: key(2), epochs: 3 }));
  const resumed = epochsOf(
    batches(indexData(9), { batchSize: 4, shuffle: key(2), epochs: 1, startEpoch: 2 }),
  );
  assert.deepEqual(resumed[2], full[2]);
});

test("batches: batches are copies; the dataset is never written", () => {
  const data = indexData(10);
  const before = Array.from(data.x.data);
  for (const b of batches(data, { batchSize: 10, epochs: 1 })) {
    assert.notEqual(b.x.data.buffer, data.x.data.buffer);
  }
  for (const _ of batches(data, { batchSize: 3, shuffle: key(0), epochs: 2 }));
  assert.deepEqual(Array.from(data.x.data), before);
});

test("batches: the source is lazy and endless by default", () => {
  const it = batches(indexData(3), { batchSize: 2 })[Symbol.iterator]();
  for (let i = 0; i < 100; i++) assert.equal(it.next().done, false);
});

test("batches: mismatched example counts are a TypeError naming both shapes", () => {
  assert.throws(() => batches({ x: tensor([[1], [2]]), y: tensor([1, 2, 3]) }, { batchSize: 1 }), {
    name: "TypeError",
    message: /batches: x and y disagree on the number of examples \(2 vs 3\).*\[2,1\] and \[3\]/,
  });
  assert.throws(() => datasetSize({ x: tensor(1), y: tensor(1) }), { name: "TypeError" });
});

test("batches: out-of-range options are RangeErrors", () => {
  const data = indexData(5);
  assert.throws(() => batches(data, { batchSize: 0 }), {
    name: "RangeError",
    message: /batchSize/,
  });
  assert.throws(() => batches(data, { batchSize: 2.5 }), { name: "RangeError" });
  assert.throws(() => batches(data, { batchSize: 2, epochs: -1 }), { name: "RangeError" });
  assert.throws(() => batches(data, { batchSize: 6, dropLast: true }), {
    name: "RangeError",
    message: /5 examples make no batch of 6 with dropLast/,
  });
});

test("takeRows: gathers the requested rows for short and long rows alike", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 0, max: 100 }),
      (n, row, seed) => {
        const t = fromTypedArray(Float64Array.from({ length: n * row }, (_, i) => i), [n, row]);
        const order = permutation(key(seed), n);
        const got = takeRows(t, 1, n, order);
        assert.deepEqual(got.shape, [n - 1, row]);
        for (let i = 1; i < n; i++) {
          for (let j = 0; j < row; j++) {
            assert.equal(got.data[(i - 1) * row + j], t.data[order[i] * row + j]);
          }
        }
        assert.equal(got.dtype, "float64");
      },
    ),
    { numRuns: 40 },
  );
});
