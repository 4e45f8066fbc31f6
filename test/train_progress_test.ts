import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, from, lastValueFrom, take, throwError, toArray } from "rxjs";
import {
  accuracy,
  type Batch,
  batches,
  dense,
  epochSummaries,
  evaluate,
  fit,
  formatSummary,
  initTrain,
  key,
  meanSquaredError,
  progress,
  sgd,
  type StepCtx,
  tensor,
  train,
} from "../mod.ts";
import { lineData } from "./_train_fixtures.ts";

const state = { params: null, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) };

/** A step context with a loss and a two-class prediction that is right for `right` rows. */
function ctx(
  epoch: number,
  index: number,
  size: number,
  loss: number,
  right: number,
  batchCount?: number,
): StepCtx {
  const rows = Array.from({ length: size }, (_, i) => (i < right ? [1, 0] : [0, 1]));
  const batch: Batch = {
    x: tensor(rows),
    y: tensor(new Array(size).fill(0)),
    epoch,
    index,
    size,
    ...(batchCount === undefined ? {} : { batchCount }),
  };
  return { state: { ...state, step: 1 + index + 10 * epoch }, batch, loss, y: tensor(rows) };
}

/** A clock that advances by `stepMs` on every reading. */
function clock(stepMs: number) {
  let t = 0;
  return () => (t += stepMs);
}

test("progress: plain output is one line per epoch with loss, metrics, samples/s and time", async () => {
  let out = "";
  const steps = [ctx(0, 0, 10, 1.0, 10, 2), ctx(0, 1, 30, 0.2, 15, 2), ctx(1, 0, 40, 0.1, 40, 2)];
  const seen = await lastValueFrom(
    from(steps).pipe(
      progress({
        write: (s) => (out += s),
        tty: false,
        backend: "ts (reference)",
        metrics: { accuracy },
        now: clock(500),
      }),
      toArray(),
    ),
  );
  assert.equal(seen.length, 3, "progress passes every step through");
  // Epoch 1: loss (10·1.0 + 30·0.2) / 40 = 0.4, accuracy 25/40; clock 500 → 1000: 0.5 s.
  // Epoch 2 (stopped after one of two batches): loss 0.1, accuracy 1; 1000 → 1500.
  assert.equal(
    out,
    "backend: ts (reference)\n" +
      "epoch 1 2/2 loss 0.4000 accuracy 0.6250 80 samples/s 0.50s\n" +
      "epoch 2 1/2 loss 0.1000 accuracy 1.0000 80 samples/s 0.50s\n",
  );
});

test("progress: on a terminal it redraws a bar and ends each epoch with a newline", async () => {
  const writes: string[] = [];
  const steps = [0, 1, 2, 3].map((i) => ctx(0, i, 5, 0.5, 5, 4));
  await lastValueFrom(
    from(steps).pipe(
      progress({ write: (s) => writes.push(s), tty: true, width: 4, now: clock(200) }),
    ),
  );
  // Clock 200 at subscribe, then 400, 600, 800 at the redraws and 1000 at the end: 25 samples/s.
  const clear = "\r\x1b[2K";
  assert.deepEqual(writes, [
    `${clear}epoch 1 [#---] 1/4 loss 0.5000 25 samples/s`,
    `${clear}epoch 1 [##--] 2/4 loss 0.5000 25 samples/s`,
    `${clear}epoch 1 [###-] 3/4 loss 0.5000 25 samples/s`,
    `${clear}epoch 1 [####] 4/4 loss 0.5000 25 samples/s 0.80s\n`,
  ]);
});

test("progress: the live bar is redrawn at most once per refreshMs", async () => {
  const writes: string[] = [];
  const steps = [0, 1, 2, 3, 4].map((i) => ctx(0, i, 5, 0.5, 5, 5));
  await lastValueFrom(
    from(steps).pipe(
      progress({ write: (s) => writes.push(s), tty: true, refreshMs: 250, now: clock(100) }),
    ),
  );
  // Readings 200, 300, 400, 500 for steps 1–4: drawn at 200 and 500 (≥ 250 ms apart).
  assert.deepEqual(writes.map((w) => w.match(/\d\/5/)?.[0]), ["1/5", "4/5", "5/5"]);
});

test("progress: a source without batchCount shows step counts and ends epochs on change", async () => {
  let out = "";
  await lastValueFrom(
    from([ctx(0, 0, 4, 2, 0), ctx(0, 1, 4, 4, 0), ctx(1, 0, 4, 1, 0)]).pipe(
      progress({ write: (s) => (out += s), tty: false, now: clock(1000) }),
    ),
  );
  assert.equal(
    out,
    // Clock: 1000 at subscribe, 2000 when epoch 2 begins, 3000 at completion.
    "epoch 1 2 steps loss 3.0000 8 samples/s 1.00s\n" +
      "epoch 2 1 step loss 1.0000 4 samples/s 1.00s\n",
  );
});

test("progress: unsubscribing mid-epoch reports the partial epoch", async () => {
  let out = "";
  await lastValueFrom(
    from([0, 1, 2].map((i) => ctx(0, i, 2, 1, 0, 10))).pipe(
      progress({ write: (s) => (out += s), tty: false, now: clock(1000) }),
      take(2),
    ),
  );
  assert.match(out, /^epoch 1 2\/10 loss 1\.0000 /);
});

test("progress: an error ends the bar's line before it is reported", async () => {
  let out = "";
  const failing = concat(from([ctx(0, 0, 1, 1, 0, 3)]), throwError(() => new Error("boom")));
  await assert.rejects(
    lastValueFrom(
      failing.pipe(progress({ write: (s) => (out += s), tty: true, now: clock(1000) })),
    ),
    /boom/,
  );
  assert.ok(out.endsWith("\n"), JSON.stringify(out));
});

test("epochSummaries: batch-weighted train loss, timing and validation at each epoch's end", async () => {
  const validated: number[] = [];
  const history = await lastValueFrom(
    from([
      ctx(0, 0, 10, 1.0, 10, 2),
      ctx(0, 1, 30, 0.2, 15, 2),
      ctx(1, 0, 8, 0.5, 0, 2),
      ctx(1, 1, 8, 0.3, 8, 2),
    ]).pipe(
      epochSummaries({
        metrics: { accuracy },
        validate: (s) => {
          validated.push(s.step);
          return { loss: s.step / 100, accuracy: 0.5 };
        },
        now: clock(250),
      }),
      toArray(),
    ),
  );
  assert.deepEqual(validated, [2, 12], "validated on the state after each epoch's last step");
  assert.deepEqual(history.map((h) => h.epoch), [0, 1]);
  assert.deepEqual(history.map((h) => h.samples), [40, 16]);
  assert.equal(history[0].trainLoss, (10 * 1.0 + 30 * 0.2) / 40);
  assert.equal(history[1].trainLoss, 0.4);
  assert.equal(history[0].train.accuracy, 25 / 40);
  assert.equal(history[0].valLoss, 0.02);
  assert.equal(history[1].valAccuracy, 0.5);
  // Clock readings: 250 at subscribe, 500 at epoch 0's end, 750 after its validation,
  // 1000 at epoch 1's end.
  assert.deepEqual(history.map((h) => h.seconds), [0.25, 0.25]);
  assert.deepEqual(history.map((h) => h.samplesPerSec), [160, 64]);
  assert.equal(history[1].state.step, 12);
});

test("epochSummaries: without batchCount, epochs end on the next epoch or on completion", async () => {
  const history = await lastValueFrom(
    from([ctx(0, 0, 2, 1, 0), ctx(0, 1, 2, 3, 0), ctx(1, 0, 2, 5, 0)]).pipe(
      epochSummaries(),
      toArray(),
    ),
  );
  assert.deepEqual(history.map((h) => [h.epoch, h.steps, h.trainLoss]), [[0, 2, 2], [1, 1, 5]]);
  assert.equal(history[0].val, undefined);
});

test("formatSummary: one line with train and validation values, epochs from 1", () => {
  const line = formatSummary({
    epoch: 2,
    steps: 3,
    samples: 96,
    trainLoss: 0.123456,
    train: { loss: 0.123456, accuracy: 0.5 },
    val: { loss: 1.5e-6, accuracy: 0.75 },
    valLoss: 1.5e-6,
    valAccuracy: 0.75,
    samplesPerSec: 1234.4,
    seconds: 0.0777,
    state,
  });
  assert.equal(
    line,
    "epoch 3: loss 0.1235, accuracy 0.5000, val loss 1.500e-6, val accuracy 0.7500, 1234 samples/s, 0.08s",
  );
});

test("fit + epochSummaries: validation loss falls epoch after epoch on a learnable problem", async () => {
  const model = dense(1), optimizer = sgd(0.05), mse = meanSquaredError;
  const data = lineData(48), val = lineData(20);
  const history = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [2]),
      batches(data, { batchSize: 8, shuffle: key(1), epochs: 4 }),
      train({ model, loss: mse, optimizer }),
    ).pipe(
      epochSummaries({ validate: (s) => evaluate(model, s, val, { loss: mse }) }),
      toArray(),
    ),
  );
  assert.deepEqual(history.map((h) => h.steps), [6, 6, 6, 6]);
  assert.deepEqual(history.map((h) => h.state.step), [6, 12, 18, 24]);
  for (let e = 1; e < 4; e++) assert.ok(history[e].valLoss! < history[e - 1].valLoss!);
});
