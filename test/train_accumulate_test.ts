import { test } from "node:test";
import assert from "node:assert/strict";
import { concatMap, lastValueFrom, map, tap, timer, toArray } from "rxjs";
import {
  accumulateGrads,
  astype,
  backward,
  type Batch,
  batches,
  dense,
  fit,
  forward,
  initTrain,
  key,
  meanSquaredError,
  mergeGrads,
  sgd,
  step,
  type StepCtx,
  type Tensor,
  type Transform,
  type Tree,
  treeMap,
} from "../mod.ts";
import { lineData } from "./_train_fixtures.ts";

const model = dense(1, { dtype: "float64" });
const line = lineData(48);
const data = { x: astype(line.x, "float64"), y: astype(line.y, "float64") };


test("accumulateGrads(k): the k forward passes of a group use the same parameters", async () => {
  const optimizer = sgd(0.1);
  const seen: Tree[] = [];
  const out = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      batches(data, { batchSize: 4, epochs: 1 }), // 12 batches
      forward(model),
      tap((ctx) => seen.push(ctx.state.params)),
      backward(meanSquaredError),
      accumulateGrads(3),
      step(optimizer),
    ).pipe(toArray()),
  );
  assert.equal(seen.length, 12, "every batch was forwarded");
  assert.deepEqual(out.map((c) => c.state.step), [1, 2, 3, 4]);
  for (let g = 0; g < 4; g++) {
    for (let i = 1; i < 3; i++) assert.equal(seen[3 * g + i], seen[3 * g], `group ${g}`);
    if (g > 0) {
      assert.equal(seen[3 * g], out[g - 1].state.params, "the group starts from the last step");
    }
  }
});

test("accumulateGrads: a partial last group is stepped when the source ends", async () => {
  const optimizer = sgd(0.1);
  const out = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      batches(data, { batchSize: 8, epochs: 1 }), // 6 batches
      forward(model),
      backward(meanSquaredError),
      accumulateGrads(4),
      step(optimizer),
    ).pipe(toArray()),
  );
  assert.deepEqual(out.map((c) => c.state.step), [1, 2]);
  assert.throws(() => accumulateGrads(0), { name: "RangeError", message: /accumulateGrads: k/ });
});

test("mergeGrads weights each context's gradients and losses by its batch size", () => {
  const [first] = batches(data, { batchSize: 1 });
  const state = initTrain(model, sgd(0.1), key(0), [2]);
  const ctx = (size: number, g: number): StepCtx => ({
    state,
    batch: { ...first, size },
    grads: { w: astype(first.x, "float64"), b: treeMap((t: Tensor) => t, { b: first.y }).b },
    loss: g,
    dataLoss: g,
  });
  const merged = mergeGrads([ctx(1, 2), ctx(3, 6)]);
  assert.equal(merged.loss, 5);
  assert.equal(merged.dataLoss, 5);
  assert.equal(merged.trace, undefined);
  assert.throws(() => mergeGrads([]), { name: "TypeError" });
  assert.throws(() => mergeGrads([{ ...ctx(1, 1), grads: undefined }, ctx(1, 1)]), {
    name: "TypeError",
    message: /mergeGrads: context 0 has no grads/,
  });
});

test("fit: a slow asynchronous stage before bufferCount neither deadlocks nor runs ahead", async () => {
  const optimizer = sgd(0.1);
  let pulled = 0, forwarded = 0, maxAhead = 0;
  const source = {
    *[Symbol.iterator]() {
      for (const b of batches(data, { batchSize: 8, epochs: 1 })) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - forwarded);
        yield b as Batch;
      }
    },
  };
  const out = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      source,
      concatMap((ctx) => timer(2).pipe(map(() => ctx))),
      forward(model),
      tap(() => forwarded++),
      backward(meanSquaredError),
      accumulateGrads(2),
      step(optimizer),
    ).pipe(toArray()),
  );
  assert.deepEqual(out.map((c) => c.state.step), [1, 2, 3]);
  // The stage's first answer (2 ms) comes after fit's timer turn, so one batch went in early,
  // once, before fit knew the stage was asynchronous; never more.
  assert.ok(maxAhead <= 2, `pulled ${maxAhead} batches ahead of the stages`);
});

test("step: an optimiser other than the state's is a type error", () => {
  const counting: Transform<{ count: Tensor }> = {
    init: () => ({ count: astype(data.y, "float64") }),
    update: (g, s) => [g, s],
  };
  const stateless: Transform<null> = { init: () => null, update: (g, s) => [g, s] };
  const initial = initTrain(model, counting, key(0), [2]);
  const run = () =>
    fit(
      initial,
      [],
      forward(model),
      backward(meanSquaredError),
      // @ts-expect-error: the state was made for `counting`, whose state is { count }
      step(stateless),
    );
  const ok = () => fit(initial, [], forward(model), backward(meanSquaredError), step(counting));
  assert.equal(typeof run, "function");
  assert.equal(typeof ok, "function");
});
