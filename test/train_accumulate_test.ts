import { test } from "node:test";
import assert from "node:assert/strict";
import { concatMap, lastValueFrom, map, type Observable, tap, timer, toArray } from "rxjs";
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

/** A source of 6 batches that records, at each pull, how many batches are ahead of forward. */
function countingSource(forwarded: () => number) {
  const ahead: { pulled: number; forwarded: number }[] = [];
  let pulled = 0;
  const source = {
    *[Symbol.iterator]() {
      for (const b of batches(data, { batchSize: 8, epochs: 1 })) {
        pulled++;
        ahead.push({ pulled, forwarded: forwarded() });
        yield b as Batch;
      }
    },
  };
  return { source, ahead };
}

async function runWithAsyncStage(stage: (ctx: StepCtx) => Promise<StepCtx> | Observable<StepCtx>) {
  const optimizer = sgd(0.1);
  let forwarded = 0;
  const { source, ahead } = countingSource(() => forwarded);
  const out = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      source,
      concatMap((ctx) => stage(ctx as StepCtx) as Observable<typeof ctx>),
      forward(model),
      tap(() => forwarded++),
      backward(meanSquaredError),
      accumulateGrads(2),
      step(optimizer),
    ).pipe(toArray()),
  );
  return { steps: out.map((c) => c.state.step), ahead };
}

test("fit: an asynchronous stage before bufferCount is waited for, one batch at a time", async () => {
  // Answers within a microtask: known to be asynchronous from its first answer.
  const { steps, ahead } = await runWithAsyncStage((ctx) => Promise.resolve(ctx));
  assert.deepEqual(steps, [1, 2, 3]);
  for (const a of ahead) assert.ok(a.pulled - a.forwarded <= 1, JSON.stringify(ahead));
});

test("fit: a slow asynchronous stage before bufferCount neither deadlocks nor runs ahead once it has answered", async () => {
  // Answers after 2 ms, later than fit's timer turn: a batch or two may go in before its first
  // answer (fit cannot tell it from a buffer until then); after it, one batch at a time.
  const { steps, ahead } = await runWithAsyncStage((ctx) => timer(2).pipe(map(() => ctx)));
  assert.deepEqual(steps, [1, 2, 3]);
  for (const a of ahead.filter((a) => a.forwarded > 0)) {
    assert.ok(a.pulled - a.forwarded <= 1, JSON.stringify(ahead));
  }
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
