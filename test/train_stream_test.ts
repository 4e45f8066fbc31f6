import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { lastValueFrom, tap, toArray } from "rxjs";
import {
  type Dataset,
  dense,
  fit,
  fromTypedArray,
  initTrain,
  key,
  meanSquaredError,
  sgd,
  streamBatches,
  tensor,
  train,
} from "../mod.ts";

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
