import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bufferCount, lastValueFrom, map, scan, tap, toArray } from "rxjs";
import {
  astype,
  backward,
  batches,
  type Dataset,
  dense,
  emaParams,
  fit,
  forward,
  fromTypedArray,
  initTrain,
  key,
  meanSquaredError,
  mergeGrads,
  sgd,
  step,
  type StepCtx,
  streamBatches,
  tensor,
  train,
  type Tree,
  treeLeaves,
} from "../mod.ts";
import { lineData } from "./_train_fixtures.ts";

/** Chunks of the given sizes whose rows are numbered consecutively (x = [i, -i], y = i). */
function chunksOf(sizes: number[]): Dataset[] {
  let next = 0;
  return sizes.map((n) => {
    const x = new Float32Array(2 * n), y = new Float32Array(n);
    for (let i = 0; i < n; i++, next++) {
      x[2 * i] = next;
      x[2 * i + 1] = -next;
      y[i] = next;
    }
    return { x: fromTypedArray(x, [n, 2]), y: fromTypedArray(y, [n, 1]) };
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

test("streamBatches: batches hold every streamed row once, in order, batchSize at a time", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 7 }),
      async (sizes, batchSize) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const out = await collect(streamBatches(chunksOf(sizes), { batchSize, epoch: 2 }));
        assert.deepEqual(
          out.flatMap((b) => Array.from(b.y.data)),
          Array.from({ length: total }, (_, i) => i),
        );
        assert.deepEqual(
          out.flatMap((b) => Array.from(b.x.data)),
          Array.from({ length: total }, (_, i) => [i, -i]).flat(),
        );
        out.forEach((b, i) => {
          assert.equal(b.index, i);
          assert.equal(b.epoch, 2);
          assert.equal(
            b.size,
            i < out.length - 1 ? batchSize : total - batchSize * (out.length - 1),
          );
          assert.deepEqual(b.x.shape, [b.size, 2]);
          assert.deepEqual(b.y.shape, [b.size, 1]);
        });
      },
    ),
    { numRuns: 40 },
  );
});

test("streamBatches: dropLast drops only the final short batch", async () => {
  const out = await collect(streamBatches(chunksOf([3, 4]), { batchSize: 3, dropLast: true }));
  assert.deepEqual(out.map((b) => Array.from(b.y.data)), [[0, 1, 2], [3, 4, 5]]);
});

test("streamBatches: a chunk is read only when the batch being built needs it", async () => {
  let read = 0;
  async function* reader() {
    for (const c of chunksOf([4, 4, 4, 4])) {
      read++;
      yield c;
    }
  }
  const it = streamBatches(reader(), { batchSize: 3 });
  const readAfter: number[] = [];
  for (let i = 0; i < 4; i++) {
    await it.next();
    readAfter.push(read);
  }
  // Batch rows 0-2 need chunk 1; 3-5 chunks 1-2; 6-8 chunks 2-3; 9-11 chunk 3.
  assert.deepEqual(readAfter, [1, 2, 3, 3]);
});

test("streamBatches: chunks whose example shape changes are a TypeError", async () => {
  const bad = [chunksOf([2])[0], { x: tensor([[1, 2, 3]]), y: tensor([[1]]) }];
  await assert.rejects(collect(streamBatches(bad, { batchSize: 2 })), {
    name: "TypeError",
    message:
      /streamBatches: chunk 1 has x of shape \[1,3\] \(float32\), unlike the first chunk's \[2,2\]/,
  });
  assert.throws(() => streamBatches([], { batchSize: 0 }), { name: "RangeError" });
});

test("streamBatches + fit: training on a chunked stream reads at most one chunk ahead", async () => {
  let read = 0, trained = 0, maxAhead = 0;
  const sizes = [5, 5, 5, 5, 5, 5];
  async function* reader() {
    for (const c of chunksOf(sizes)) {
      read++;
      // Rows read but not yet trained on, in chunks.
      maxAhead = Math.max(maxAhead, read * 5 - trained);
      yield c;
    }
  }
  const model = dense(1), optimizer = sgd(1e-4);
  const steps = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      streamBatches(reader(), { batchSize: 2 }),
      train({ model, loss: meanSquaredError, optimizer }),
      tap((ctx) => (trained += ctx.batch.size)),
    ).pipe(toArray()),
  );
  assert.equal(steps.length, 15);
  assert.ok(maxAhead <= 5 + 2, `held ${maxAhead} rows ahead of training`);
});

// The stages run once over the whole stream: stateful operators between them keep their state.

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
