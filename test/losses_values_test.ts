import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  binaryCrossEntropyWithLogits,
  huber,
  meanAbsoluteError,
  meanSquaredError,
  softmaxCrossEntropy,
  softmaxCrossEntropyOneHot,
} from "../src/losses.ts";
import { fromTypedArray, tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { labelledArb, oneHot, value, withGrad } from "./_losses_helpers.ts";

test("meanSquaredError() averages squared errors over every element (by hand)", () => {
  // Errors 1, 2, 3, 4: (1 + 4 + 9 + 16)/4 = 7.5; gradient 2r/4 = r/2.
  const [loss, grad] = withGrad(
    meanSquaredError,
    tensor([[1, 2], [3, 4]]),
    tensor([[0, 0], [0, 0]]),
  );
  assert.equal(loss, 7.5);
  assert.deepEqual([...grad.data], [0.5, 1, 1.5, 2]);
});

test("meanAbsoluteError() averages absolute errors over every element (by hand)", () => {
  // Errors −2, 0, 4: (2 + 0 + 4)/3 = 2; gradient sign(r)/3, 0 at r = 0.
  const [loss, grad] = withGrad(
    meanAbsoluteError,
    tensor([-1, 5, 6], [3], "float64"),
    tensor([1, 5, 2]),
  );
  assert.equal(loss, 2);
  assert.deepEqual([...grad.data], [-1 / 3, 0, 1 / 3]);
});

test("huber(1) by hand: ½r² inside, |r| − ½ outside, gradient r resp. sign(r), over N", () => {
  // (½·0.25 + (3 − ½) + (2 − ½) + 0)/4; gradients (0.5, 1, −1, 0)/4.
  const [loss, grad] = withGrad(
    huber(1),
    tensor([0.5, 3, -2, 0], [4], "float64"),
    tensor([0, 0, 0, 0], [4], "float64"),
  );
  assert.equal(loss, (0.125 + 2.5 + 1.5) / 4);
  assert.deepEqual([...grad.data], [0.125, 0.25, -0.25, 0]);
});

test("huber(δ) is half the squared error inside δ and δ·|r| − δ²/2 outside", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.1, max: 3, noNaN: true }),
      tensorArb([4], { min: 0.01, max: 0.99 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      (delta, u, negative) => {
        const zero = tensor([0, 0, 0, 0], [4], "float64");
        // Inside: |r| = u·δ < δ.
        const inside = fromTypedArray(
          u.data.map((v, i) => (negative[i] ? -1 : 1) * v * delta),
          [4],
        );
        const h1 = value(huber(delta), inside, zero);
        const mse = value(meanSquaredError, inside, zero);
        assert.ok(Math.abs(h1 - mse / 2) <= 1e-12 * (1 + mse));
        // Outside: |r| = δ(1 + u) > δ.
        const outside = fromTypedArray(inside.data.map((v) => v + Math.sign(v) * delta), [4]);
        const h2 = value(huber(delta), outside, zero);
        const mae = value(meanAbsoluteError, outside, zero);
        assert.ok(Math.abs(h2 - (delta * mae - delta * delta / 2)) <= 1e-12 * (1 + h2));
      },
    ),
    { numRuns: 50 },
  );
});

test("binaryCrossEntropyWithLogits() equals −t·log σ(z) − (1−t)·log(1−σ(z)) for moderate z", () => {
  fc.assert(
    fc.property(
      fc.tuple(tensorArb([6], { min: -10, max: 10 }), tensorArb([6], { min: 0, max: 1 })),
      ([z, y]) => {
        let naive = 0;
        for (let i = 0; i < 6; i++) {
          const s = 1 / (1 + Math.exp(-z.data[i]));
          naive -= y.data[i] * Math.log(s) + (1 - y.data[i]) * Math.log(1 - s);
        }
        const loss = value(binaryCrossEntropyWithLogits, z, y);
        assert.ok(Math.abs(loss - naive / 6) <= 1e-9 * (1 + loss), `${loss} vs ${naive / 6}`);
      },
    ),
    { numRuns: 50 },
  );
});

test("binaryCrossEntropyWithLogits() stays finite and exact at logits of ±1000", () => {
  // z = 1000, t = 0: ℓ = 1000 + log(1 + e⁻¹⁰⁰⁰) = 1000; z = −1000, t = 0: ℓ = log(1 + e⁻¹⁰⁰⁰) = 0.
  const [loss, grad] = withGrad(
    binaryCrossEntropyWithLogits,
    tensor([1000, -1000], [2], "float64"),
    tensor([0, 0]),
  );
  assert.equal(loss, 500);
  assert.deepEqual([...grad.data], [0.5, 0]);
});

test("softmaxCrossEntropy() equals softmaxCrossEntropyOneHot() on one-hot labels", () => {
  fc.assert(
    fc.property(labelledArb, ([z, labels]) => {
      const [a, ga] = withGrad(softmaxCrossEntropy, z, labels);
      const [b, gb] = withGrad(softmaxCrossEntropyOneHot, z, oneHot(labels, z.shape[1]));
      assert.ok(Math.abs(a - b) <= 1e-12 * (1 + Math.abs(a)));
      for (let i = 0; i < ga.data.length; i++) {
        assert.ok(Math.abs(ga.data[i] - gb.data[i]) <= 1e-15);
      }
    }),
    { numRuns: 50 },
  );
});

test("softmaxCrossEntropy() is unchanged by adding a constant to a row of logits", () => {
  fc.assert(
    fc.property(labelledArb, fc.double({ min: -500, max: 500, noNaN: true }), ([z, l], shift) => {
      const shifted = fromTypedArray(z.data.map((v) => v + shift), z.shape);
      const a = value(softmaxCrossEntropy, z, l);
      const b = value(softmaxCrossEntropy, shifted, l);
      assert.ok(Math.abs(a - b) <= 1e-9 * (1 + Math.abs(shift)), `${a} vs ${b}`);
    }),
    { numRuns: 50 },
  );
});

test("softmaxCrossEntropy() gradient is (softmax − onehot)/B, so each row sums to zero", () => {
  fc.assert(
    fc.property(labelledArb, ([z, l]) => {
      const [b, c] = z.shape;
      const [, grad] = withGrad(softmaxCrossEntropy, z, l);
      for (let i = 0; i < b; i++) {
        let s = 0;
        for (let j = 0; j < c; j++) s += grad.data[i * c + j];
        assert.ok(Math.abs(s) <= 1e-14 * c, `row ${i} sums to ${s}`);
        // Only the label's entry is negative: softmax − 1 < 0.
        assert.ok(grad.data[i * c + l.data[i]] <= 0);
      }
    }),
    { numRuns: 50 },
  );
});

test("softmaxCrossEntropy() of C equal logits is log C (by hand)", () => {
  // softmax = 1/C everywhere, so ℓ = −log(1/C) = log C for every row.
  const loss = value(
    softmaxCrossEntropy,
    tensor([[3, 3, 3, 3, 3], [0, 0, 0, 0, 0]]),
    tensor([4, 0]),
  );
  assert.ok(Math.abs(loss - Math.log(5)) < 1e-6);
});

test("softmax cross-entropies stay finite at logits of ±1000", () => {
  // Row [1000, −1000, 0] with label 1: logsumexp = 1000 (the rest underflow), ℓ = 2000.
  // Row [−1000, −1000, 1000] with label 2: ℓ = 1000 − 1000 = 0.
  const z = tensor([[1000, -1000, 0], [-1000, -1000, 1000]]);
  const [loss, grad] = withGrad(softmaxCrossEntropy, z, tensor([1, 2]));
  assert.equal(loss, 1000);
  assert.ok(grad.data.every(Number.isFinite));
  const [loss2, grad2] = withGrad(softmaxCrossEntropyOneHot, z, tensor([[0, 1, 0], [0, 0, 1]]));
  assert.equal(loss2, 1000);
  assert.ok(grad2.data.every(Number.isFinite));
});

test("softmax cross-entropies take their limits at a +Infinity logit instead of NaN", () => {
  const logits = tensor([[Infinity, 0], [Infinity, Infinity]], [2, 2], "float64");
  const [loss, grad] = withGrad(softmaxCrossEntropy, logits, tensor([0, 1], [2], "float64"));
  // Row 0: all mass on the label, loss 0; row 1: half of it, loss log 2.
  assert.equal(loss, Math.LN2 / 2);
  assert.deepEqual(Array.from(grad.data), [0, 0, 0.25, -0.25]);
  const oneHotTargets = tensor([[1, 0], [0, 1]], [2, 2], "float64");
  const [oneHotLoss, oneHotGrad] = withGrad(softmaxCrossEntropyOneHot, logits, oneHotTargets);
  assert.equal(oneHotLoss, Math.LN2 / 2);
  assert.deepEqual(Array.from(oneHotGrad.data), [0, 0, 0.25, -0.25]);
});

test("binaryCrossEntropyWithLogits takes its limits at ±Infinity logits instead of NaN", () => {
  const z = tensor([Infinity, -Infinity, Infinity, -Infinity], [4], "float64");
  const [agree, grad] = withGrad(
    binaryCrossEntropyWithLogits,
    z,
    tensor([1, 0, 1, 0], [4], "float64"),
  );
  assert.equal(agree, 0);
  assert.deepEqual(Array.from(grad.data), [0, 0, 0, 0]);
  const disagree = value(binaryCrossEntropyWithLogits, z, tensor([0, 1, 0, 1], [4], "float64"));
  assert.equal(disagree, Infinity);
});
