import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bufferCount, concatMap, lastValueFrom, map, scan, tap, timer, toArray } from "rxjs";
import {
  accumulateGrads,
  astype,
  backward,
  type Batch,
  batches,
  dense,
  emaParams,
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
  treeLeaves,
  treeMap,
} from "../mod.ts";
import { lineData } from "./_train_fixtures.ts";

const model = dense(1, { dtype: "float64" });
const line = lineData(48);
const data = { x: astype(line.x, "float64"), y: astype(line.y, "float64") };

/** The leaves of a tree as plain numbers, for comparisons. */
const values = (tree: Tree) => treeLeaves(tree).flatMap((l) => Array.from(l.value.data));

test("accumulating k batches by bufferCount equals one step on the concatenated batch", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 6 }),
      async (k, size) => {
        const optimizer = sgd(0.1);
        const initial = initTrain(model, optimizer, key(k * 10 + size), [2]);
        const rows = k * size;
        const part = { x: data.x, y: data.y };
        const accumulated = await lastValueFrom(
          fit(
            initial,
            [...batches(part, { batchSize: size, epochs: 1 })].slice(0, k),
            forward(model),
            backward(meanSquaredError),
            bufferCount(k),
            map((group) => mergeGrads(group)),
            step(optimizer),
          ).pipe(toArray()),
        );
        const whole = await lastValueFrom(
          fit(
            initial,
            [...batches(part, { batchSize: rows, epochs: 1 })].slice(0, 1),
            forward(model),
            backward(meanSquaredError),
            step(optimizer),
          ),
        );
        assert.equal(accumulated.length, 1, "one step for k batches");
        assert.equal(accumulated[0].state.step, 1);
        const a = values(accumulated[0].state.params), b = values(whole.state.params);
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12, `${v} vs ${b[i]}`));
        assert.ok(Math.abs(accumulated[0].loss! - whole.loss!) < 1e-12);
      },
    ),
    { numRuns: 20 },
  );
});

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

test("emaParams after n steps equals the closed form d^(n-1)·p1 + (1-d)·Σ d^(n-t)·pt", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 12 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (n, decay) => {
        const optimizer = sgd(0.05);
        const out = await lastValueFrom(
          fit(
            initTrain(model, optimizer, key(n), [2]),
            [...batches(data, { batchSize: 4, epochs: 1 })].slice(0, n),
            forward(model),
            backward(meanSquaredError),
            step(optimizer),
            emaParams(decay),
          ).pipe(toArray()),
        );
        assert.equal(out.length, n);
        const p = out.map((c) => values(c.state.params));
        const expected = p[0].map((_, i) => {
          let e = decay ** (n - 1) * p[0][i];
          for (let t = 2; t <= n; t++) e += (1 - decay) * decay ** (n - t) * p[t - 1][i];
          return e;
        });
        const got = values(out[n - 1].ema);
        got.forEach((v, i) =>
          assert.ok(Math.abs(v - expected[i]) < 1e-12, `${v} vs ${expected[i]}`)
        );
      },
    ),
    { numRuns: 30 },
  );
  assert.throws(() => emaParams(1.5), { name: "RangeError", message: /emaParams: decay/ });
});

test("a scan between forward and backward sees every batch: stages are not reset per step", async () => {
  const optimizer = sgd(0.1);
  const initial = initTrain(model, optimizer, key(0), [2]);
  type Ctx = StepCtx<typeof initial.params, null, typeof initial.optState>;
  const counts: number[] = [];
  const out = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 8, epochs: 2 }), // 12 batches
      forward(model),
      scan((acc: { n: number; ctx?: Ctx }, ctx: Ctx) => ({ n: acc.n + 1, ctx }), { n: 0 }),
      tap(({ n }) => counts.push(n)),
      map(({ ctx }) => ctx!),
      backward(meanSquaredError),
      step(optimizer),
    ).pipe(toArray()),
  );
  assert.equal(out.length, 12);
  assert.deepEqual(counts, Array.from({ length: 12 }, (_, i) => i + 1));
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
