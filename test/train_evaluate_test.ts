import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  accuracy,
  argmaxRows,
  binaryAccuracy,
  type Dataset,
  evaluate,
  fromTypedArray,
  key,
  type Layer,
  meanSquaredError,
  normal,
  predict,
  softmaxCrossEntropy,
  tensor,
} from "../mod.ts";
import { backend } from "../src/kernels/select.ts";

/** A model whose logits are its input. */
const identity: Layer<null, null> = {
  init: (_k, s) => ({ outShape: s, params: null, state: null }),
  apply: (_t, _p, state, x) => ({ y: x, state }),
};
const none = { params: null, modelState: null };

test("accuracy: counts rows whose largest logit is at the label", () => {
  // Row by row: argmax 0 (label 0, right), 2 (label 1, wrong), 1 (label 1, right),
  // 2 (label 2, right), 0 (label 2, wrong): 3 of 5.
  const logits = tensor([[3, 1, 2], [0, 1, 5], [-1, 4, 0], [0, 0, 1], [9, 8, 7]]);
  assert.equal(accuracy(logits, tensor([0, 1, 1, 2, 2])), 3 / 5);
});

test("accuracy: one-hot targets score the same as class indices", () => {
  const logits = tensor([[3, 1, 2], [0, 1, 5], [-1, 4, 0]]);
  const oneHot = tensor([[1, 0, 0], [0, 1, 0], [0, 1, 0]]);
  assert.equal(accuracy(logits, oneHot), accuracy(logits, tensor([0, 1, 1])));
});

test("accuracy: one score per example is a TypeError pointing to binaryAccuracy", () => {
  assert.throws(() => accuracy(tensor([[0.2], [0.9]]), tensor([0, 1])), {
    name: "TypeError",
    message: /accuracy: .*\[2,1\].*binaryAccuracy/,
  });
  assert.throws(() => accuracy(tensor([[1, 0]]), tensor([0, 1])), {
    name: "TypeError",
    message: /targets must be class indices \[1\] or one-hot \[1,2\], got shape \[2\]/,
  });
});

test("argmaxRows: picks the first maximum on ties", () => {
  assert.deepEqual([...argmaxRows(tensor([[1, 1, 0], [0, 2, 2], [-3, -1, -2]]))], [0, 1, 1]);
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

test("evaluate: reports loss and accuracy averaged over every example", () => {
  // Logits [a, 0] per row: softmax CE with label 0 is log(1 + e^-a), with label 1 log(1 + e^a).
  const a = [2, -1, 0.5];
  const data: Dataset = {
    x: tensor(a.map((v) => [v, 0]), undefined, "float64"),
    y: tensor([0, 0, 1], undefined, "float64"),
  };
  const expectedLoss = (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(1)) +
    Math.log1p(Math.exp(0.5))) / 3;
  const r = evaluate(identity, none, data, {
    batchSize: 2,
    loss: softmaxCrossEntropy,
    metrics: { accuracy },
  });
  assert.deepEqual(Object.keys(r).sort(), ["accuracy", "loss"]);
  assert.equal(r.accuracy, 1 / 3); // only row 0 (2 > 0, label 0) is right
  assert.ok(Math.abs(r.loss - expectedLoss) < 1e-12, `${r.loss} vs ${expectedLoss}`);
});

test("evaluate: the result does not depend on the batch size", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 35 }),
      fc.integer({ min: 0, max: 1000 }),
      (n, batchSize, seed) => {
        const x = normal(key(seed), [n, 3], { dtype: "float64" });
        const y = fromTypedArray(Float64Array.from({ length: n }, (_, i) => i % 3), [n]);
        const opts = { loss: softmaxCrossEntropy, metrics: { accuracy } };
        const whole = evaluate(identity, none, { x, y }, { ...opts, batchSize: n });
        const split = evaluate(identity, none, { x, y }, { ...opts, batchSize });
        assert.ok(Math.abs(whole.loss - split.loss) < 1e-9);
        assert.ok(Math.abs(whole.accuracy - split.accuracy) < 1e-12);
      },
    ),
    { numRuns: 40 },
  );
});

test("evaluate: runs the model in eval mode without a key", () => {
  const contexts: unknown[] = [];
  const spy: Layer<null, null> = {
    ...identity,
    apply: (t, p, s, x, ctx) => {
      contexts.push(ctx);
      return identity.apply(t, p, s, x, ctx);
    },
  };
  const data = { x: tensor([[1], [2], [3]]), y: tensor([[1], [2], [3]]) };
  assert.equal(evaluate(spy, none, data, { batchSize: 2, loss: meanSquaredError }).loss, 0);
  assert.deepEqual(contexts, [{ training: false }, { training: false }]);
});

test("evaluate: reports each auxiliary term by name, averaged over every example", () => {
  // aux "size" is the batch's mean of x; weighted by batch size it is the dataset's mean.
  const withAux: Layer<null, null> = {
    ...identity,
    apply: (t, _p, state, x) => ({ y: x, state, aux: { size: t.mean(x) } }),
  };
  const data = {
    x: tensor([[1], [2], [3], [6]], undefined, "float64"),
    y: tensor([[0], [0], [0], [0]], undefined, "float64"),
  };
  const r = evaluate(withAux, none, data, { batchSize: 3, metrics: {} });
  assert.deepEqual(Object.keys(r), ["size"]);
  assert.ok(Math.abs(r.size - 3) < 1e-12, `${r.size}`);
  assert.throws(
    () =>
      evaluate(
        { ...withAux, apply: (t, _p, s, x) => ({ y: x, state: s, aux: { loss: t.mean(x) } }) },
        none,
        data,
        {
          loss: meanSquaredError,
        },
      ),
    {
      name: "TypeError",
      message: /evaluate: the model's auxiliary term loss has the name of the loss/,
    },
  );
});

test("evaluate and predict run on the backend of the option, else of the state", () => {
  const seen: string[] = [];
  const spy: Layer<null, null> = {
    ...identity,
    apply: (t, p, s, x, ctx) => {
      seen.push(t.backend.name);
      assert.equal(t.tracing, false);
      return identity.apply(t, p, s, x, ctx);
    },
  };
  const ts = backend("ts");
  const mine = { ...ts, name: "mine", description: "mine (a copy of ts)" };
  const data = { x: tensor([[1], [2]]), y: tensor([0, 0]) };
  evaluate(spy, { ...none, backend: mine }, data);
  evaluate(spy, { ...none, backend: mine }, data, { backend: ts });
  predict(spy, { ...none, backend: mine }, data.x);
  predict(spy, none, data.x, { backend: mine });
  assert.deepEqual(seen, ["mine", "ts", "mine", "mine"]);
  assert.throws(() => evaluate(spy, none, data, { backend: {} as never }), {
    name: "TypeError",
    message: /evaluate: options.backend must be a backend/,
  });
});

test("evaluate: does not write into the dataset", () => {
  const data = { x: tensor([[1, 2], [3, 4]]), y: tensor([1, 0]) };
  const before = [Array.from(data.x.data), Array.from(data.y.data)];
  evaluate(identity, none, data, {
    batchSize: 1,
    loss: softmaxCrossEntropy,
    metrics: { accuracy },
  });
  assert.deepEqual([Array.from(data.x.data), Array.from(data.y.data)], before);
});

test("evaluate: bad options are RangeErrors, bad datasets TypeErrors", () => {
  const data = { x: tensor([[1]]), y: tensor([1]) };
  assert.throws(() => evaluate(identity, none, data, { batchSize: 0 }), {
    name: "RangeError",
    message: /evaluate: batchSize must be a positive integer, got 0/,
  });
  assert.throws(() => evaluate(identity, none, { x: tensor([[1]]), y: tensor([1, 2]) }), {
    name: "TypeError",
    message: /evaluate: x and y disagree/,
  });
});
