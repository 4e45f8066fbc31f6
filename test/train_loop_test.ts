import { test } from "node:test";
import assert from "node:assert/strict";
import {
  concatMap,
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  take,
  takeWhile,
  tap,
  timer,
  toArray,
} from "rxjs";
import {
  accuracy,
  adam,
  astype,
  backward,
  type Batch,
  batches,
  dense,
  dropout,
  EVAL,
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
  meanSquaredError,
  NonFiniteLossError,
  regularize,
  reluLayer,
  scalar,
  serial,
  sgd,
  softmaxCrossEntropy,
  step,
  stepKey,
  type Tensor,
  tensor,
  train,
  type Tree,
  treeLeaves,
  treeMap,
  twoMoons,
} from "../mod.ts";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";
import { backend, defaultBackend } from "../src/kernels/select.ts";
import { indexData, lineData } from "./_train_fixtures.ts";

const model = dense(1);
const mse = meanSquaredError;
const data = lineData(64);

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

test("fit: takeWhile stops after N steps and the source is not pulled again", async () => {
  let pulled = 0, closed = false;
  const source = {
    *[Symbol.iterator]() {
      try {
        for (const b of batches(data, { batchSize: 4 })) {
          pulled++;
          yield b;
        }
      } finally {
        closed = true;
      }
    },
  };
  const optimizer = sgd(0.1);
  const steps = await lastValueFrom(
    fit(initTrain(model, optimizer, key(0), [2]), source, train({ model, loss: mse, optimizer }))
      .pipe(
        takeWhile((ctx) => ctx.state.step < 5),
        toArray(),
      ),
  );
  assert.equal(steps.length, 4);
  assert.equal(pulled, 5, "the fifth step was computed to find out, none after it");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(pulled, 5);
  assert.ok(closed, "unsubscribing closes the source");
});

test("fit: take(n) stops pulling, even from an iterator that cannot be closed", async () => {
  let pulled = 0;
  const inner = batches(data, { batchSize: 4 })[Symbol.iterator]();
  // No `return` method: only the loop itself can refuse to pull after unsubscribing.
  const source = {
    [Symbol.iterator]: () => ({
      next: () => {
        pulled++;
        return inner.next();
      },
    }),
  };
  const optimizer = sgd(0.1);
  await lastValueFrom(
    fit(initTrain(model, optimizer, key(0), [2]), source, train({ model, loss: mse, optimizer }))
      .pipe(take(3)),
  );
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(pulled, 3);
});

test("fit: a fast async source never runs more than one batch ahead of training", async () => {
  let produced = 0, consumed = 0, maxAhead = 0;
  async function* reader(): AsyncGenerator<Batch> {
    for (const b of batches(data, { batchSize: 4, epochs: 2 })) {
      produced++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      yield b;
    }
  }
  const optimizer = sgd(0.1);
  const out = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      reader(),
      forward(model),
      backward(mse),
      step(optimizer),
      // A slow asynchronous stage: the step is only done after a timer.
      concatMap((ctx) => timer(1).pipe(map(() => ctx))),
      tap(() => consumed++),
    ).pipe(toArray()),
  );
  assert.equal(out.length, 32);
  assert.equal(consumed, 32);
  assert.ok(maxAhead <= 1, `produced ${maxAhead} ahead`);
});

test("fit: a NaN loss stops the run with NonFiniteLossError naming step, epoch and batch", async () => {
  const optimizer = sgd(0.1);
  const poisoned = {
    *[Symbol.iterator]() {
      let n = 0;
      for (const b of batches(data, { batchSize: 16, epochs: 3 })) {
        yield n++ === 6 ? { ...b, y: fromTypedArray(b.y.data.map(() => NaN), b.y.shape) } : b;
      }
    },
  };
  await assert.rejects(
    lastValueFrom(
      fit(
        initTrain(model, optimizer, key(0), [2]),
        poisoned,
        train({ model, loss: mse, optimizer }),
      ),
    ),
    (e: unknown) => {
      assert.ok(e instanceof NonFiniteLossError);
      assert.equal(e.name, "NonFiniteLossError");
      assert.match(e.message, /Non-finite loss NaN at step 6 \(epoch 1, batch 2\)/);
      assert.deepEqual([e.step, e.epoch, e.batch], [6, 1, 2]);
      return true;
    },
  );
});

test("fit: a batch filtered out between stages leaves the state unchanged", async () => {
  const optimizer = sgd(0.1);
  const initial = initTrain(model, optimizer, key(0), [2]);
  const out = await lastValueFrom(
    fit(
      initial,
      batches(indexData(6), { batchSize: 2, epochs: 1 }),
      filter((ctx) => ctx.batch.index !== 1),
      map((ctx) => ({ ...ctx, state: { ...ctx.state, step: ctx.state.step + 1 } })),
    ).pipe(toArray()),
  );
  assert.deepEqual(out.map((c) => [c.batch.index, c.state.step]), [[0, 1], [2, 2]]);
});

test("stages: backward before forward is a TypeError naming the missing stage", async () => {
  const optimizer = sgd(0.1);
  await assert.rejects(
    firstValueFrom(
      fit(initTrain(model, optimizer, key(0), [2]), batches(data, { batchSize: 4 }), backward(mse)),
    ),
    { name: "TypeError", message: /backward: .*put forward\(model\) before backward/ },
  );
});

test("regularize: adds the penalty value and its gradient", async () => {
  const optimizer = sgd(0.1);
  const initial = initTrain(model, optimizer, key(0), [2]);
  const lambda = 0.5;
  // 0.5·λ·Σw² over w only, as forward code over t.
  const penalty = (t: Ops, p: Tree) => {
    const { w } = p as unknown as { w: Tensor };
    return t.mul(t.sum(t.mul(w, w)), scalar(0.5 * lambda));
  };
  const [plain, reg] = await Promise.all([
    firstValueFrom(fit(initial, batches(data, { batchSize: 64 }), forward(model), backward(mse))),
    firstValueFrom(
      fit(
        initial,
        batches(data, { batchSize: 64 }),
        forward(model),
        backward(mse),
        regularize(penalty),
      ),
    ),
  ]);
  const w = (initial.params as unknown as { w: Tensor }).w;
  const gPlain = (plain.grads as unknown as { w: Tensor }).w,
    gReg = (reg.grads as unknown as { w: Tensor }).w;
  assert.ok(Math.abs(reg.penalty! - 0.25 * (w.data[0] ** 2 + w.data[1] ** 2)) < 1e-7);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(gReg.data[i] - gPlain.data[i] - lambda * w.data[i]) < 1e-6);
  }
});

test("backward: the objective is the data loss plus every aux term, and grads are its gradient", async () => {
  // A dense layer that also reports 0.5·Σw² (an activity-like term) and 2·mean(y) as aux.
  const inner = dense(1, { dtype: "float64" });
  const withAux: Layer<{ w: Tensor; b?: Tensor }, null> = {
    init: (k, s) => inner.init(k, s),
    apply: (t, p, state, x, ctx) => {
      const { y } = inner.apply(t, p, state, x, ctx);
      const half = t.mul(t.sum(t.mul(p.w, p.w)), scalar(0.5, "float64"));
      return { y, state, aux: { half, twice: t.mul(t.mean(y), scalar(2, "float64")) } };
    },
  };
  const x = astype(data.x, "float64"), y = astype(data.y, "float64");
  const optimizer = sgd(0.1);
  const initial = initTrain(withAux, optimizer, key(0), [2]);
  const ctx = await firstValueFrom(
    fit(initial, [{ x, y, epoch: 0, index: 0, size: 64 }], forward(withAux), backward(mse)),
  );
  const objective = (t: Ops, p: { w: Tensor; b?: Tensor }) => {
    const out = withAux.apply(t, p, null, x, { training: true });
    return t.add(t.add(mse(t, out.y, y), out.aux!.half), out.aux!.twice);
  };
  const [value, grads] = valueAndGrad(objective, initial.params);
  const t = untraced();
  const { w } = initial.params;
  assert.ok(Math.abs(ctx.loss! - value) < 1e-12);
  assert.ok(
    Math.abs(ctx.dataLoss! - mse(t, inner.apply(t, initial.params, null, x, EVAL).y, y).data[0]) <
      1e-12,
  );
  assert.deepEqual(Object.keys(ctx.auxLosses!), ["half", "twice"]);
  assert.ok(Math.abs(ctx.auxLosses!.half - 0.5 * (w.data[0] ** 2 + w.data[1] ** 2)) < 1e-12);
  assert.ok(
    Math.abs(ctx.loss! - ctx.dataLoss! - ctx.auxLosses!.half - ctx.auxLosses!.twice) < 1e-12,
  );
  treeLeaves(ctx.grads!).forEach((leaf, i) => {
    const expected = treeLeaves(grads)[i].value.data;
    leaf.value.data.forEach((v, j) => assert.ok(Math.abs(v - expected[j]) < 1e-12));
  });
});

test("backward: a loss that is not a scalar tensor is a TypeError naming backward", async () => {
  const optimizer = sgd(0.1);
  await assert.rejects(
    firstValueFrom(
      fit(
        initTrain(model, optimizer, key(0), [2]),
        batches(data, { batchSize: 4 }),
        forward(model),
        backward((t, p, y) => t.sub(p, y)),
      ),
    ),
    {
      name: "TypeError",
      message: /backward: the loss must be a scalar tensor \(one element\), got shape \[4,1\]/,
    },
  );
});

test("initTrain: the state carries options.backend (the default backend otherwise), and step keeps it", async () => {
  const optimizer = sgd(0.1);
  const ts = backend("ts");
  const mine = { ...ts, name: "mine", description: "mine" };
  assert.equal(initTrain(model, optimizer, key(0), [2]).backend, defaultBackend());
  const initial = initTrain(model, optimizer, key(0), [2], { backend: mine });
  const seen: string[] = [];
  const spy: Layer<null, null> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (t, _p, state, x) => (seen.push(`${t.backend.name} ${t.tracing}`), { y: x, state }),
  };
  const last = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 32, epochs: 1 }),
      forward(model),
      tap((ctx) => spy.apply(ctx.trace!.ops, null, null, ctx.y!, EVAL)),
      backward(mse),
      step(optimizer),
    ),
  );
  assert.equal(last.state.backend, mine);
  assert.deepEqual(seen, ["mine true", "mine true"]);
  assert.throws(() => initTrain(model, optimizer, key(0), [2], { backend: "ts" as never }), {
    name: "TypeError",
    message: /initTrain: options.backend must be a backend/,
  });
});
