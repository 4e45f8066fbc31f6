import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { zerosInit } from "../src/init.ts";
import { dense } from "../src/layers/dense.ts";
import { residual } from "../src/layers/residual.ts";
import { serial } from "../src/layers/serial.ts";
import { EVAL } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, tensor } from "../src/tensor.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";
import { layerVjp, localTanh } from "./_layer_fixtures.ts";
import { dimArb, f64, seedArb, snapshot, t } from "./_parallel_helpers.ts";

/** A float64 residual block around dense + tanh (width kept), and a batch. */
const residualArb = fc.record({ batch: dimArb, width: dimArb, seed: seedArb })
  .chain(({ batch, width, seed }) =>
    tensorArb([batch, width]).map((x) => {
      const model = residual(serial(dense(width, f64), localTanh()));
      return { model, ...model.init(key(seed), [width]), x };
    })
  );
test("residual() gradient matches central differences for the inner params and the input", () => {
  fc.assert(
    fc.property(residualArb, ({ model, params, state, x }) => {
      const report = checkLayerGradients(model, params, state, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 50 },
  );
});

test("residual(f) computes x + f(x) with the shape init reports", () => {
  fc.assert(
    fc.property(residualArb, ({ model, params, state, outShape, x }) => {
      const y = model.apply(t, params, state, x, EVAL).y;
      const inner = serial(dense(x.shape[1]), localTanh()).apply(t, params, state, x, EVAL).y;
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
      for (let i = 0; i < y.data.length; i++) {
        assert.equal(y.data[i], x.data[i] + inner.data[i]);
      }
    }),
    { numRuns: 30 },
  );
});

test("residual() never mutates its input, parameters or cotangent", () => {
  fc.assert(
    fc.property(residualArb, ({ model, params, state, x }) => {
      const before = snapshot(x, params);
      const { y, pullback } = layerVjp(model, params, state, x, EVAL);
      const dy = fromTypedArray(new Float64Array(y.data.length).fill(3), y.shape);
      const grads = pullback(dy);
      assert.deepEqual(snapshot(x, params), before);
      assert.ok(dy.data.every((v) => v === 3));
      assert.ok(y.data !== x.data && grads.x.data !== x.data && grads.x.data !== dy.data);
    }),
    { numRuns: 20 },
  );
});

test("residual() around a zero layer is the identity, forward and backward", () => {
  const block = residual(dense(3, { init: zerosInit }));
  const { params, state } = block.init(key(0), [3]);
  const x = tensor([[1, -2, 3]]);
  const { y, pullback } = layerVjp(block, params, state, x, EVAL);
  assert.deepEqual([...y.data], [1, -2, 3]);
  // dx = dy + dy·Wᵀ = dy when W = 0.
  assert.deepEqual([...pullback(tensor([[4, 5, 6]])).x.data], [4, 5, 6]);
});

test("residual() rejects an inner layer that changes the shape, with TypeError", () => {
  assert.throws(() => residual(dense(3)).init(key(0), [2]), {
    name: "TypeError",
    message: /residual: y = x \+ f\(x\) needs f to keep the shape, but it maps \[2\] to \[3\]/,
  });
  const { params } = dense(3).init(key(0), [2]);
  assert.throws(() => residual(dense(3)).apply(t, params, null, tensor([[1, 2]]), EVAL), {
    name: "TypeError",
    message: /maps \[1,2\] to \[1,3\]/,
  });
});
