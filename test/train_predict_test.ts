import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  batchNorm,
  dense,
  dropout,
  EVAL,
  fromTypedArray,
  initTrain,
  key,
  type Layer,
  predict,
  reluLayer,
  serial,
  sgd,
  tensor,
  uniform,
} from "../mod.ts";
import { untraced } from "../src/autodiff/ops.ts";

const model = serial(dense(6), batchNorm(), reluLayer(), dropout(0.5), dense(3));
const state = initTrain(model, sgd(0.1), key(0), [4]);

test("predict equals apply in eval mode on the whole batch, for any batch size", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 50 }),
      fc.nat(),
      (n, batchSize, seed) => {
        const x = uniform(key(seed), [n, 4]);
        const whole = model.apply(untraced(), state.params, state.modelState, x, EVAL).y;
        const y = predict(model, state, x, { batchSize });
        assert.deepEqual(y.shape, [n, 3]);
        // Rows never mix in eval mode (batch norm uses its running statistics), so batching
        // changes nothing, bit for bit.
        assert.deepEqual(Array.from(y.data), Array.from(whole.data));
      },
    ),
    { numRuns: 40 },
  );
});

test("predict takes a dataset's inputs and ignores its targets", () => {
  const x = uniform(key(3), [5, 4]);
  const fromDataset = predict(model, state, { x, y: tensor([0, 1, 2, 0, 1]) }, { batchSize: 2 });
  assert.deepEqual(Array.from(fromDataset.data), Array.from(predict(model, state, x).data));
});

test("predict runs in eval mode: dropout is off and the model state is not updated", () => {
  const contexts: boolean[] = [];
  const spy: Layer<null, null> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (_t, _p, s, x, ctx) => (contexts.push(ctx.training), { y: x, state: s }),
  };
  const x = fromTypedArray(new Float32Array([1, 2, 3, 4, 5]), [5, 1]);
  const y = predict(spy, { params: null, modelState: null }, x, { batchSize: 2 });
  assert.deepEqual(contexts, [false, false, false], "three batches of at most 2, all eval");
  assert.deepEqual(Array.from(y.data), [1, 2, 3, 4, 5]);
});

test("predict rejects bad input with errors that name it", () => {
  const x = uniform(key(1), [3, 4]);
  assert.throws(() => predict(model, state, x, { batchSize: 0 }), {
    name: "RangeError",
    message: /^predict: batchSize .* 0/,
  });
  assert.throws(() => predict(model, state, [1, 2] as never), {
    name: "TypeError",
    message: /^predict: x must be a tensor/,
  });
  assert.throws(() => predict(model, null as never, x), {
    name: "TypeError",
    message: /^predict: state/,
  });
  assert.throws(() => predict(model, state, uniform(key(1), [0, 4])), {
    name: "RangeError",
    message: /^predict: x has no examples/,
  });
  const dropsRows: Layer<null, null> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (_t, _p, state) => ({ y: tensor([[1]]), state }),
  };
  assert.throws(() => predict(dropsRows, { params: null, modelState: null }, x), {
    name: "TypeError",
    message: /^predict: the model returned shape \[1,1\] for a batch of 3 examples/,
  });
});
