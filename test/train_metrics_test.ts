import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { accuracy, argmaxRows, binaryAccuracy } from "../src/train/metrics.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import { type DType, fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";

const t = untraced(backend("ts"));

/** The definitions the metrics implement, as plain loops over the data. */
function argmaxByHand(x: Tensor): number[] {
  const [n, c] = x.shape;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (x.data[i * c + j] > x.data[i * c + best]) best = j;
    return best;
  });
}

const dtypeArb = fc.constantFrom<DType>("float32", "float64");
/** Scores [N, C] (C ≥ 2, small integers so ties occur), labels [N] and a label dtype. */
const classifiedArb = fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 5 }))
  .chain(([n, c]) =>
    fc.tuple(
      fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n * c, maxLength: n * c })
        .map((v) => tensor(v, [n, c])),
      fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
      dtypeArb,
    )
  );

test("accuracy is the fraction of rows whose first largest score is at the label", () => {
  fc.assert(
    fc.property(classifiedArb, ([scores, labels, dtype]) => {
      const predicted = argmaxByHand(scores);
      const expected = predicted.filter((p, i) => p === labels[i]).length / labels.length;
      assert.equal(accuracy(scores, tensor(labels, [labels.length], dtype), t), expected);
    }),
    { numRuns: 60 },
  );
});

test("accuracy: counts rows whose largest logit is at the label (by hand)", () => {
  // Row by row: argmax 0 (label 0, right), 2 (label 1, wrong), 1 (label 1, right),
  // 2 (label 2, right), 0 (label 2, wrong): 3 of 5.
  const logits = tensor([[3, 1, 2], [0, 1, 5], [-1, 4, 0], [0, 0, 1], [9, 8, 7]]);
  assert.equal(accuracy(logits, tensor([0, 1, 1, 2, 2])), 3 / 5);
});

test("accuracy: one-hot targets score the same as class indices", () => {
  fc.assert(
    fc.property(classifiedArb, ([scores, labels, dtype]) => {
      const c = scores.shape[1];
      const oneHot = new Float64Array(labels.length * c);
      labels.forEach((l, i) => (oneHot[i * c + l] = 1));
      const asOneHot = tensor(Array.from(oneHot), [labels.length, c], dtype);
      assert.equal(accuracy(scores, asOneHot), accuracy(scores, tensor(labels)));
    }),
    { numRuns: 40 },
  );
});

test("accuracy: one score per example is a TypeError pointing to binaryAccuracy", () => {
  assert.throws(() => accuracy(tensor([[0.2], [0.9]]), tensor([0, 1])), {
    name: "TypeError",
    message: /^accuracy: .*\[2,1\].*binaryAccuracy/,
  });
  assert.throws(() => accuracy(tensor([[1, 0]]), tensor([0, 1])), {
    name: "TypeError",
    message: /^accuracy: targets must be class indices \[1\] or one-hot \[1,2\], got shape \[2\]/,
  });
  assert.throws(() => accuracy([1] as never, tensor([0])), {
    name: "TypeError",
    message: /^accuracy: prediction and target must be tensors/,
  });
});

test("accuracy rejects out-of-range and fractional labels and an empty batch", () => {
  const scores = tensor([[0.2, 0.8], [0.9, 0.1]], [2, 2], "float64");
  for (const labels of [[2, 0], [0.5, 1], [-1, 0], [NaN, 0]]) {
    assert.throws(() => accuracy(scores, tensor(labels, [2], "float64")), {
      name: "RangeError",
      message: /^accuracy: label at row 0 is .*; labels are integer class indices in \[0, 2\)/,
    });
  }
  assert.throws(() => accuracy(tensor([], [0, 2]), tensor([], [0])), {
    name: "RangeError",
    message: /^accuracy: the batch has no examples/,
  });
});

test("argmaxRows: picks the first maximum on ties", () => {
  assert.deepEqual([...argmaxRows(tensor([[1, 1, 0], [0, 2, 2], [-3, -1, -2]]))], [0, 1, 1]);
});

test("argmaxRows agrees with the loop over each row", () => {
  fc.assert(
    fc.property(classifiedArb, ([scores]) => {
      assert.deepEqual([...argmaxRows(scores, t)], argmaxByHand(scores));
    }),
    { numRuns: 40 },
  );
});

test("argmaxRows rejects anything but a [N, C] tensor with C >= 1", () => {
  for (const bad of [tensor([1, 2]), tensor([], [2, 0]), "x"]) {
    assert.throws(() => argmaxRows(bad as Tensor), {
      name: "TypeError",
      message: /^argmaxRows: expected a \[N, C\] tensor with C >= 1/,
    });
  }
});

test("binaryAccuracy: thresholds the score, 0 for logits and 0.5 for probabilities", () => {
  const scores = tensor([[-0.2], [0.3], [0.7], [2]]);
  const labels = tensor([[0], [1], [0], [1]]);
  // threshold 0:   -0.2→0 right, 0.3→1 right, 0.7→1 wrong, 2→1 right.
  assert.equal(binaryAccuracy(0)(scores, labels), 3 / 4);
  // threshold 0.5: -0.2→0 right, 0.3→0 wrong, 0.7→1 wrong, 2→1 right.
  assert.equal(binaryAccuracy()(scores, labels), 2 / 4);
  assert.throws(() => binaryAccuracy(NaN), { name: "RangeError" });
});

test("binaryAccuracy counts rows where (score > threshold) matches the 0/1 target", () => {
  const arb = fc.integer({ min: 1, max: 10 }).chain((n) =>
    fc.tuple(
      tensorArb([n], { min: -2, max: 2 }),
      fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }),
      fc.constantFrom(-0.5, 0, 0.3, 1),
      dtypeArb,
      fc.boolean(),
    )
  );
  fc.assert(
    fc.property(arb, ([p64, labels, threshold, dtype, column]) => {
      const n = labels.length;
      const p = fromTypedArray(
        dtype === "float32" ? Float32Array.from(p64.data) : p64.data,
        column ? [n, 1] : [n],
      );
      const expected = labels.filter((y, i) => (p.data[i] > threshold) === (y === 1)).length / n;
      assert.equal(binaryAccuracy(threshold)(p, tensor(labels, [n], "float64"), t), expected);
    }),
    { numRuns: 60 },
  );
});

test("binaryAccuracy: a score equal to the threshold or NaN is predicted negative", () => {
  const scores = tensor([0.5, NaN, 0.5, NaN], [4], "float64");
  assert.equal(binaryAccuracy()(scores, tensor([0, 0, 1, 1])), 2 / 4);
});

test("binaryAccuracy rejects non-0/1 targets, mismatched shapes and an empty batch", () => {
  assert.throws(() => binaryAccuracy()(tensor([0.2, 0.7]), tensor([0, 0.5])), {
    name: "RangeError",
    message: "binaryAccuracy: target at row 1 is 0.5; targets are 0 or 1",
  });
  assert.throws(() => binaryAccuracy()(tensor([[0.2, 0.7]]), tensor([0])), {
    name: "TypeError",
    message: /^binaryAccuracy: predictions and targets must be \[N\] or \[N,1\]/,
  });
  assert.throws(() => binaryAccuracy()(tensor([], [0]), tensor([], [0])), {
    name: "RangeError",
    message: /^binaryAccuracy: the batch has no examples/,
  });
});

test("metrics never write into their inputs", () => {
  fc.assert(
    fc.property(classifiedArb, ([scores, labels, dtype]) => {
      const y = tensor(labels, [labels.length], dtype);
      const before = [[...scores.data], [...y.data]];
      accuracy(scores, y);
      argmaxRows(scores);
      assert.deepEqual([[...scores.data], [...y.data]], before);
    }),
    { numRuns: 20 },
  );
});
