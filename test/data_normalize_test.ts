import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { featureRange, featureStats, minMaxScale, standardize } from "../src/data/normalize.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";

/** A float64 batch [N, F] with N >= 2 whose every column takes at least two distinct values. */
const matrixArb = fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 5 }))
  .chain(([n, f]) => tensorArb([n, f], { dtype: "float64" }))
  .filter((x) => {
    const [n, f] = x.shape;
    for (let j = 0; j < f; j++) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, x.data[i * f + j]);
        hi = Math.max(hi, x.data[i * f + j]);
      }
      if (!(hi - lo > 1e-3 * Math.max(1, Math.abs(hi), Math.abs(lo)))) return false;
    }
    return true;
  });

/** Column means and population variances, computed here from their definitions. */
function columnMoments(x: Tensor): { mean: number[]; variance: number[] } {
  const [n, f] = x.shape;
  const mean: number[] = [], variance: number[] = [];
  for (let j = 0; j < f; j++) {
    const col = Array.from({ length: n }, (_, i) => x.data[i * f + j]);
    const m = col.reduce((a, b) => a + b, 0) / n;
    mean.push(m);
    variance.push(col.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  }
  return { mean, variance };
}

test("standardize() gives each training feature zero mean and unit variance", () => {
  fc.assert(
    fc.property(matrixArb, (x) => {
      const { mean, variance } = columnMoments(standardize(x));
      for (const m of mean) assert.ok(Math.abs(m) < 1e-9, `mean ${m}`);
      for (const v of variance) assert.ok(Math.abs(v - 1) < 1e-9, `variance ${v}`);
    }),
    { numRuns: 100 },
  );
});

test("standardize() applies the training statistics, unchanged, to other data", () => {
  fc.assert(
    fc.property(matrixArb, (train) => {
      const f = train.shape[1];
      const { mean, variance } = columnMoments(train);
      const other = tensor(Array.from({ length: f }, (_, j) => 3 * j - 1), [1, f], "float64");
      const out = standardize(other, featureStats(train));
      for (let j = 0; j < f; j++) {
        const expected = (other.data[j] - mean[j]) / Math.sqrt(variance[j]);
        assert.ok(Math.abs(out.data[j] - expected) <= 1e-9 * Math.max(1, Math.abs(expected)));
      }
    }),
    { numRuns: 100 },
  );
});

test("standardize() maps a constant feature to 0, not NaN", () => {
  const out = standardize(tensor([[1, 4], [3, 4], [5, 4]], undefined, "float64"));
  for (let i = 0; i < 3; i++) assert.equal(out.data[2 * i + 1], 0);
  assert.ok(out.data.every(Number.isFinite));
});

test("standardize() and minMaxScale() leave their input untouched", () => {
  fc.assert(
    fc.property(matrixArb, (x) => {
      const snapshot = x.data.slice();
      const stats = featureStats(x), range = featureRange(x);
      const a = standardize(x, stats), b = minMaxScale(x, range);
      assert.deepEqual(x.data, snapshot);
      assert.notEqual(a.data, x.data);
      assert.notEqual(b.data, x.data);
    }),
    { numRuns: 30 },
  );
});

test("featureStats() keeps the per-example shape of rank-3 inputs", () => {
  const x = tensor([[[1, 2], [3, 4]], [[3, 2], [1, 0]]]);
  const { mean, std } = featureStats(x);
  assert.deepEqual([...mean.shape], [2, 2]);
  assert.deepEqual([...mean.data], [2, 2, 2, 2]);
  assert.deepEqual([...std.data], [1, 0, 1, 2]);
});

test("standardize() rejects statistics whose shape differs from the features", () => {
  const stats = featureStats(tensor([[1, 2, 3], [4, 5, 6]]));
  assert.throws(() => standardize(tensor([[1, 2]]), stats), {
    name: "TypeError",
    message: /standardize: mean has shape \[3\] but the features of x of shape \[1,2\]/,
  });
});

test("minMaxScale() maps each training feature onto exactly [min, max]", () => {
  fc.assert(
    fc.property(
      matrixArb,
      fc.double({ min: -5, max: 5, noNaN: true }),
      fc.double({ min: 0.1, max: 5, noNaN: true }),
      (x, min, width) => {
        const max = min + width;
        const out = minMaxScale(x, undefined, { min, max });
        const { min: lo, max: hi } = featureRange(out);
        const tol = 1e-9 * Math.max(1, Math.abs(min), Math.abs(max));
        for (const v of lo.data) assert.ok(Math.abs(v - min) <= tol, `low ${v} vs ${min}`);
        for (const v of hi.data) assert.ok(Math.abs(v - max) <= tol, `high ${v} vs ${max}`);
      },
    ),
    { numRuns: 100 },
  );
});

test("minMaxScale() maps a constant feature to the lower bound", () => {
  const out = minMaxScale(tensor([[2, 9], [2, 11]]), undefined, { min: -1, max: 1 });
  assert.deepEqual([...out.data], [-1, -1, -1, 1]);
});

test("minMaxScale() rejects an empty or inverted target interval", () => {
  const x = tensor([[0], [1]]);
  for (const [min, max] of [[1, 1], [2, 1], [0, Infinity], [NaN, 1]]) {
    assert.throws(() => minMaxScale(x, undefined, { min, max }), {
      name: "RangeError",
      message: /minMaxScale: (need finite min < max|(min|max) must be a finite number)/,
    });
  }
});

test("featureStats() rejects a batch of no examples", () => {
  assert.throws(() => featureStats(tensor(new Float32Array(0), [0, 3])), {
    name: "TypeError",
    message: /featureStats: need a batch of at least one example, got shape \[0,3\]/,
  });
});
