import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, from, lastValueFrom, take, throwError, toArray } from "rxjs";
import { accuracy, epochSummaries, progress } from "../mod.ts";
import { backend } from "../src/kernels/select.ts";
import { ctx, FakeClock, state } from "./_train_progress_helpers.ts";

test("progress: plain output is one line per epoch with loss, metrics, samples/s and time", async () => {
  let out = "";
  const clock = new FakeClock();
  const steps = [ctx(0, 0, 10, 1.0, 10, 2), ctx(0, 1, 30, 0.2, 15, 2), ctx(1, 0, 40, 0.1, 40, 2)];
  const seen = await lastValueFrom(
    clock.steps(steps, 250).pipe(
      progress({
        write: (s) => (out += s),
        tty: false,
        backend: "ts (reference)",
        metrics: { accuracy },
        now: clock.now,
      }),
      toArray(),
    ),
  );
  assert.equal(seen.length, 3, "progress passes every step through");
  // Epoch 1: loss (10·1.0 + 30·0.2) / 40 = 0.4, accuracy 25/40; two steps of 0.25 s.
  // Epoch 2 (stopped after one of two batches): loss 0.1, accuracy 1; 40 samples in 0.25 s.
  assert.equal(
    out,
    "backend: ts (reference)\n" +
      "epoch 1 2/2 loss 0.4000 accuracy 0.6250 80 samples/s 0.50s\n" +
      "epoch 2 1/2 loss 0.1000 accuracy 1.0000 160 samples/s 0.25s\n",
  );
});

test("progress: backend: true heads the output with the training state's backend", async () => {
  let out = "";
  const clock = new FakeClock();
  const mine = { ...backend("ts"), description: "mine (a test backend)" };
  const steps = [0, 1].map((i) => ({
    ...ctx(0, i, 10, 0.5, 10, 2),
    state: { ...state, backend: mine },
  }));
  await lastValueFrom(
    clock.steps(steps, 250).pipe(
      progress({ write: (s) => (out += s), tty: false, backend: true, now: clock.now }),
    ),
  );
  assert.equal(out, "backend: mine (a test backend)\nepoch 1 2/2 loss 0.5000 40 samples/s 0.50s\n");
});

test("progress and epochSummaries: auxiliary losses are shown and summarised by name", async () => {
  let out = "";
  const clock = new FakeClock();
  // loss is the objective (data + kl); the display's loss is the data loss.
  const step = (i: number, kl: number) => ({
    ...ctx(0, i, 10, 0.5 + kl, 10, 2),
    dataLoss: 0.5,
    auxLosses: { kl },
  });
  const history = await lastValueFrom(
    clock.steps([step(0, 0.1), step(1, 0.3)], 250).pipe(
      epochSummaries({ progress: { write: (s) => (out += s), tty: false }, now: clock.now }),
      toArray(),
    ),
  );
  assert.equal(out, "epoch 1 2/2 loss 0.5000 kl 0.2000 40 samples/s 0.50s\n");
  assert.equal(history[0].trainLoss, 0.5);
  assert.ok(Math.abs(history[0].train.kl - 0.2) < 1e-12);
});

test("progress: on a terminal it redraws a bar with elapsed time and ETA, then the epoch's line", async () => {
  const writes: string[] = [];
  const clock = new FakeClock();
  const steps = [0, 1, 2, 3].map((i) => ctx(0, i, 5, 0.5, 5, 4));
  await lastValueFrom(
    clock.steps(steps, 200).pipe(
      progress({ write: (s) => writes.push(s), tty: true, width: 4, columns: 80, now: clock.now }),
    ),
  );
  // 5 samples every 0.2 s: 25 samples/s throughout, 0.8 s for the epoch; after k of 4 steps
  // (0.2·k s) the ETA is (4 - k) · 0.2 s.
  const clear = "\r\x1b[2K";
  assert.deepEqual(writes, [
    `${clear}epoch 1 [#---] 1/4 loss 0.5000 0.2s eta 0.6s 25 samples/s`,
    `${clear}epoch 1 [##--] 2/4 loss 0.5000 0.4s eta 0.4s 25 samples/s`,
    `${clear}epoch 1 [###-] 3/4 loss 0.5000 0.6s eta 0.2s 25 samples/s`,
    `${clear}epoch 1 4/4 loss 0.5000 25 samples/s 0.80s\n`,
  ]);
});

test("progress: the live bar is redrawn at most once per refreshMs", async () => {
  const writes: string[] = [];
  const clock = new FakeClock();
  const steps = [0, 1, 2, 3, 4].map((i) => ctx(0, i, 5, 0.5, 5, 5));
  await lastValueFrom(
    clock.steps(steps, 100).pipe(
      progress({ write: (s) => writes.push(s), tty: true, refreshMs: 250, now: clock.now }),
    ),
  );
  // Steps 1–4 arrive at 100, 200, 300, 400 ms: drawn at 100 and 400 (≥ 250 ms apart).
  assert.deepEqual(writes.map((w) => w.match(/\d\/5/)?.[0]), ["1/5", "4/5", "5/5"]);
});

test("progress: a source without batchCount shows step counts and ends epochs on change", async () => {
  let out = "";
  const clock = new FakeClock();
  await lastValueFrom(
    clock.steps([ctx(0, 0, 4, 2, 0), ctx(0, 1, 4, 4, 0), ctx(1, 0, 4, 1, 0)], 1000).pipe(
      progress({ write: (s) => (out += s), tty: false, now: clock.now }),
    ),
  );
  assert.equal(
    out,
    // One second a step; epoch 1 ends when epoch 2's first step arrives, which is not its.
    "epoch 1 2 steps loss 3.0000 4 samples/s 2.00s\n" +
      "epoch 2 1 step loss 1.0000 4 samples/s 1.00s\n",
  );
});

test("progress: unsubscribing mid-epoch reports the partial epoch", async () => {
  let out = "";
  await lastValueFrom(
    from([0, 1, 2].map((i) => ctx(0, i, 2, 1, 0, 10))).pipe(
      progress({ write: (s) => (out += s), tty: false }),
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
      failing.pipe(progress({ write: (s) => (out += s), tty: true })),
    ),
    /boom/,
  );
  assert.ok(out.endsWith("\n"), JSON.stringify(out));
});

test("progress and epochSummaries reject out-of-range display options with a RangeError", () => {
  assert.throws(() => progress({ width: 0 }), { name: "RangeError", message: /width.*0/ });
  assert.throws(() => progress({ epochs: 1.5 }), { name: "RangeError", message: /epochs.*1\.5/ });
  assert.throws(() => epochSummaries({ progress: { refreshMs: -1 } }), {
    name: "RangeError",
    message: /epochSummaries: refreshMs/,
  });
});

test("progress and epochSummaries reject options of the wrong kind with a TypeError", () => {
  assert.throws(() => progress({ metrics: { accuracy: 1 as never } }), {
    name: "TypeError",
    message: /^progress: metric accuracy must be a function/,
  });
  assert.throws(() => progress({ tty: "yes" as never }), /^TypeError: progress: tty/);
  assert.throws(() => progress({ columns: 0 }), /^RangeError: progress: columns .* 0/);
  assert.throws(
    () => epochSummaries({ validate: 3 as never }),
    /^TypeError: epochSummaries: validate/,
  );
  assert.throws(() => epochSummaries({ now: "clock" as never }), /^TypeError: epochSummaries: now/);
  assert.throws(() => epochSummaries(null as never), /^TypeError: epochSummaries: options/);
});
