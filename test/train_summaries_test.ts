import { test } from "node:test";
import assert from "node:assert/strict";
import { from, lastValueFrom, tap, toArray } from "rxjs";
import {
  accuracy,
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
  train,
} from "../mod.ts";
import { lineData } from "./_train_fixtures.ts";
import { ctx, FakeClock, state } from "./_train_progress_helpers.ts";

test("epochSummaries: batch-weighted train loss, timing and validation at each epoch's end", async () => {
  const validated: number[] = [];
  const clock = new FakeClock();
  const steps = [
    ctx(0, 0, 10, 1.0, 10, 2),
    ctx(0, 1, 30, 0.2, 15, 2),
    ctx(1, 0, 8, 0.5, 0, 2),
    ctx(1, 1, 8, 0.3, 8, 2),
  ];
  const history = await lastValueFrom(
    clock.steps(steps, 250).pipe(
      epochSummaries({
        metrics: { accuracy },
        validate: (s) => {
          validated.push(s.step);
          clock.advance(10_000);
          return { loss: s.step / 100, accuracy: 0.5 };
        },
        now: clock.now,
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
  // Two steps of 0.25 s an epoch; the 10 s validations are not counted.
  assert.deepEqual(history.map((h) => h.seconds), [0.5, 0.5]);
  assert.deepEqual(history.map((h) => h.samplesPerSec), [80, 32]);
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

test("progress: time and samples/s exclude validation run downstream by epochSummaries", async () => {
  let out = "";
  const clock = new FakeClock();
  const steps = [ctx(0, 0, 10, 1, 0, 2), ctx(0, 1, 10, 1, 0, 2), ctx(1, 0, 10, 1, 0, 2)];
  const history = await lastValueFrom(
    clock.steps([...steps, ctx(1, 1, 10, 1, 0, 2)], 100).pipe(
      progress({ write: (s) => (out += s), tty: false, now: clock.now }),
      epochSummaries({ validate: () => (clock.advance(5000), { loss: 0 }), now: clock.now }),
      toArray(),
    ),
  );
  // Each epoch: two 0.1 s steps of 10 samples. Epoch 2 began after a 5 s validation, which
  // would read 20 samples in 5.2 s (4 samples/s) if it were counted.
  assert.equal(
    out,
    "epoch 1 2/2 loss 1.0000 100 samples/s 0.20s\n" +
      "epoch 2 2/2 loss 1.0000 100 samples/s 0.20s\n",
  );
  assert.deepEqual(history.map((h) => h.seconds), [0.2, 0.2]);
});

test("epochSummaries: work downstream of the summaries is not counted in the next epoch", async () => {
  const clock = new FakeClock();
  const steps = [0, 1].flatMap((e) => [0, 1].map((i) => ctx(e, i, 4, 1, 0, 2)));
  const history = await lastValueFrom(
    clock.steps(steps, 50).pipe(
      epochSummaries({ now: clock.now }),
      tap(() => clock.advance(3000)), // e.g. writing a checkpoint
      toArray(),
    ),
  );
  assert.deepEqual(history.map((h) => h.seconds), [0.1, 0.1]);
});

test("epochSummaries: without batchCount, validation counts in neither epoch", async () => {
  const clock = new FakeClock();
  // Epoch 0 ends only when epoch 1's first step has arrived; validation runs after that.
  const steps = [ctx(0, 0, 2, 1, 0), ctx(0, 1, 2, 1, 0), ctx(1, 0, 2, 1, 0), ctx(1, 1, 2, 1, 0)];
  const history = await lastValueFrom(
    clock.steps(steps, 100).pipe(
      epochSummaries({ validate: () => (clock.advance(7000), { loss: 0 }), now: clock.now }),
      toArray(),
    ),
  );
  assert.deepEqual(history.map((h) => [h.steps, h.seconds]), [[2, 0.2], [2, 0.2]]);
});

test("epochSummaries({ progress }): one line per epoch with training and validation figures", async () => {
  let out = "";
  const clock = new FakeClock();
  const steps = [0, 1].flatMap((e) => [0, 1].map((i) => ctx(e, i, 10, 0.5, 5 * (e + 1), 2)));
  const history = await lastValueFrom(
    clock.steps(steps, 125).pipe(
      epochSummaries({
        metrics: { accuracy },
        validate: (s) => (clock.advance(1000), { loss: s.step / 100, accuracy: 0.75 }),
        progress: { write: (s) => (out += s), tty: false, backend: "ts (test)", epochs: 2 },
        now: clock.now,
      }),
      toArray(),
    ),
  );
  // 20 samples in 0.25 s an epoch; validation loss is the step after the epoch / 100.
  assert.equal(
    out,
    "backend: ts (test)\n" +
      "epoch 1/2 2/2 loss 0.5000 accuracy 0.5000 val loss 0.0200 val accuracy 0.7500 " +
      "80 samples/s 0.25s\n" +
      "epoch 2/2 2/2 loss 0.5000 accuracy 1.0000 val loss 0.1200 val accuracy 0.7500 " +
      "80 samples/s 0.25s\n",
  );
  assert.deepEqual(history.map((h) => [h.samplesPerSec, h.seconds]), [[80, 0.25], [80, 0.25]]);
});

test("epochSummaries({ progress }) on a terminal ends each epoch's bar with its one line", async () => {
  const writes: string[] = [];
  const clock = new FakeClock();
  const steps = [0, 1].flatMap((e) => [0, 1, 2].map((i) => ctx(e, i, 4, 1, 0, 3)));
  await lastValueFrom(
    clock.steps(steps, 200).pipe(
      epochSummaries({
        validate: () => ({ loss: 0.25 }),
        progress: { write: (s) => writes.push(s), tty: true, width: 3, columns: 80 },
        now: clock.now,
      }),
    ),
  );
  const text = writes.join("");
  const lines = text.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 2, JSON.stringify(text));
  // What is left on screen of each line: the text after its last carriage-return clear.
  const shown = lines.map((l) => l.slice(l.lastIndexOf("\r\x1b[2K") + 5));
  assert.deepEqual(shown, [
    "epoch 1 3/3 loss 1.0000 val loss 0.2500 20 samples/s 0.60s",
    "epoch 2 3/3 loss 1.0000 val loss 0.2500 20 samples/s 0.60s",
  ]);
  assert.ok(writes.some((w) => w.includes("[#--] 1/3")), "the bar was drawn mid-epoch");
});

test("epochSummaries: an error thrown by validate ends the stream with that error", async () => {
  await assert.rejects(
    lastValueFrom(
      from([ctx(0, 0, 1, 1, 0, 1)]).pipe(
        epochSummaries({
          validate: () => {
            throw new TypeError("validation failed");
          },
        }),
      ),
    ),
    { name: "TypeError", message: "validation failed" },
  );
});
