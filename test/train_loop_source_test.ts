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
  backward,
  type Batch,
  batches,
  fit,
  forward,
  fromTypedArray,
  initTrain,
  key,
  NonFiniteLossError,
  sgd,
  step,
  train,
} from "../mod.ts";
import { indexData } from "./_train_fixtures.ts";
import { data, model, mse } from "./_train_loop_helpers.ts";

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
