import { test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, tap, toArray } from "rxjs";
import {
  accuracy,
  adam,
  backward,
  batches,
  dense,
  dropout,
  evaluate,
  fit,
  forward,
  fromTypedArray,
  globalNorm,
  initTrain,
  type Key,
  key,
  type Layer,
  mapGrads,
  reluLayer,
  serial,
  sgd,
  softmaxCrossEntropy,
  step,
  stepKey,
  type Tensor,
  train,
  type Tree,
  treeLeaves,
  treeMap,
  twoMoons,
} from "../mod.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { indexData } from "./_train_fixtures.ts";
import { data, model, mse } from "./_train_loop_helpers.ts";

function fullLoss(params: Tree): number {
  const t = untraced();
  const { y } = model.apply(t, params as never, null, data.x, { training: false });
  return mse(t, y, data.y).data[0];
}

test("fit: the loss on a linear regression falls by 100x within five epochs", async () => {
  const optimizer = sgd(0.1);
  const initial = initTrain(model, optimizer, key(0), [2]);
  const last = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 8, shuffle: key(1), epochs: 5 }),
      train({ model, loss: mse, optimizer }),
    ),
  );
  assert.equal(last.state.step, 40);
  assert.equal(last.state.epoch, 4);
  assert.ok(fullLoss(last.state.params) < fullLoss(initial.params) / 100);
});

test("fit: the same seed gives bitwise-identical parameters, dropout included", async () => {
  const net = serial(dense(8), reluLayer(), dropout(0.5), dense(1));
  const run = async (seed: number) => {
    const optimizer = adam(0.01);
    const s = initTrain(net, optimizer, key(seed), [2]);
    const last = await lastValueFrom(
      fit(
        s,
        batches(data, { batchSize: 5, shuffle: key(seed + 1), epochs: 3 }),
        train({ model: net, loss: mse, optimizer }),
      ),
    );
    return treeLeaves(last.state.params).map((l) => [...new Uint8Array(l.value.data.buffer)]);
  };
  const [a, b, c] = [await run(7), await run(7), await run(8)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test("forward: step t runs the model in training mode with stepKey(state.key, t)", async () => {
  const keys: (Key | undefined)[] = [];
  const spy: Layer<null, null> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (_t, _p, state, x, ctx) => {
      assert.equal(ctx.training, true);
      keys.push(ctx.key);
      return { y: x, state };
    },
  };
  const optimizer = sgd(0.1);
  const initial = initTrain(spy, optimizer, key(3), [1]);
  const { x } = indexData(6);
  await lastValueFrom(
    fit(
      initial,
      batches({ x, y: x }, { batchSize: 2, epochs: 1 }),
      train({ model: spy, loss: mse, optimizer }),
    ),
  );
  assert.deepEqual(keys, [0, 1, 2].map((t) => stepKey(initial.key, t)));
});

test("fit: a small classifier on two moons reaches 85% validation accuracy", async () => {
  const net = serial(dense(16), reluLayer(), dense(2));
  const optimizer = adam(0.02);
  const trainSet = twoMoons(key(10), 256), valSet = twoMoons(key(11), 128);
  const initial = initTrain(net, optimizer, key(0), [2]);
  const before = evaluate(net, initial, valSet, {
    loss: softmaxCrossEntropy,
    metrics: { accuracy },
  });
  const last = await lastValueFrom(
    fit(
      initial,
      batches(trainSet, { batchSize: 32, shuffle: key(1), epochs: 15 }),
      train({ model: net, loss: softmaxCrossEntropy, optimizer }),
    ),
  );
  const after = evaluate(net, last.state, valSet, {
    loss: softmaxCrossEntropy,
    metrics: { accuracy },
  });
  assert.ok(after.loss < before.loss / 2, `loss ${before.loss} -> ${after.loss}`);
  assert.ok(after.accuracy >= 0.85, `accuracy ${after.accuracy}`);
});

test("fit: gradient clipping inserted between backward and step bounds every update", async () => {
  const lr = 0.5, maxNorm = 0.01;
  const optimizer = sgd(lr);
  const initial = initTrain(model, optimizer, key(0), [2]);
  const norms: number[] = [];
  const steps = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 16, epochs: 1 }),
      forward(model),
      backward(mse),
      tap((ctx) => norms.push(globalNorm(ctx.grads!))),
      mapGrads((g) => {
        const n = globalNorm(g);
        const s = n > maxNorm ? maxNorm / n : 1;
        return treeMap((t) => fromTypedArray(t.data.map((v) => v * s), t.shape), g);
      }),
      step(optimizer),
    ).pipe(toArray()),
  );
  assert.equal(norms.length, 4);
  assert.ok(norms.every((n) => n > maxNorm), "the raw gradients are larger than the clip");
  let prev = initial.params as unknown as { w: Tensor; b: Tensor };
  for (const ctx of steps) {
    const p = ctx.state.params as unknown as { w: Tensor; b: Tensor };
    const delta = treeMap(
      (a, b) => fromTypedArray(a.data.map((v, i) => v - b.data[i]), a.shape),
      p,
      prev,
    );
    assert.ok(
      Math.abs(globalNorm(delta) - lr * maxNorm) < 1e-6,
      `update norm ${globalNorm(delta)}`,
    );
    prev = p;
  }
});

test("fit: a tap between stages sees each step's loss before the update", async () => {
  const optimizer = sgd(0.1);
  const initial = initTrain(model, optimizer, key(0), [2]);
  const seen: { step: number; loss: number }[] = [];
  const out = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 64, epochs: 3 }),
      forward(model),
      backward(mse),
      tap((ctx) => seen.push({ step: ctx.state.step, loss: ctx.loss! })),
      step(optimizer),
    ).pipe(toArray()),
  );
  assert.deepEqual(seen.map((s) => s.step), [0, 1, 2]);
  // Full batch: the logged loss is the loss of the parameters the step started from.
  assert.equal(seen[0].loss, fullLoss(initial.params));
  assert.equal(seen[2].loss, fullLoss(out[1].state.params));
});
