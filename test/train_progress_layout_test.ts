import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { from, lastValueFrom, map } from "rxjs";
import {
  epochFields,
  epochLines,
  type EpochView,
  etaSeconds,
  fitLine,
  formatDuration,
  progressLine,
  wrapFields,
} from "../src/train/_progress_layout.ts";
import {
  type Batch,
  epochSummaries,
  progress,
  type StepCtx,
  tensor,
  terminalColumns,
} from "../mod.ts";
import { state } from "./_train_progress_helpers.ts";

/** Epochs with up to four metrics of any value, any size, any time, known length or not. */
const viewArb: fc.Arbitrary<EpochView> = fc.record({
  epoch: fc.nat({ max: 100_000 }),
  epochs: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  steps: fc.integer({ min: 1, max: 1_000_000 }),
  batchCount: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
  loss: fc.double(),
  metrics: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.double(), {
    maxKeys: 4,
  }),
  val: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.double()), {
    nil: undefined,
  }),
  samples: fc.nat({ max: 1e9 }),
  ms: fc.double({ min: 0, max: 1e9, noNaN: true }),
}, { requiredKeys: ["epoch", "steps", "loss", "metrics", "samples", "ms"] });

const mnistLike: EpochView = {
  epoch: 11,
  epochs: 15,
  steps: 234,
  batchCount: 469,
  loss: 0.123456,
  metrics: { accuracy: 0.9612 },
  samples: 234 * 128,
  ms: 2925,
};

test("progressLine: the live line is never longer than the width", () => {
  fc.assert(
    fc.property(viewArb, fc.integer({ min: 1, max: 200 }), (view, width) => {
      const line = progressLine(view, width);
      return line.length <= width && !line.includes("\n");
    }),
  );
});

test("progressLine: samples/s goes first when narrow, then the bar, the metrics, the times", () => {
  const wide = progressLine(mnistLike, 200);
  assert.match(wide, /^epoch 12\/15 \[#{12}-{12}\] 234\/469 loss 0\.1235 accuracy 0\.9612 /);
  const fields = "epoch 12/15 234/469 loss 0.1235 accuracy 0.9612 2.9s eta 2.9s 10240 samples/s";
  assert.equal(wide.replace(/ \[[#-]+\]/, ""), fields, "the bar is the only extra field");
  // Everything with a bar of six cells: a space, two brackets and six cells more.
  assert.equal(progressLine(mnistLike, fields.length + 9).replace(/ \[[#-]{6}\]/, ""), fields);
  // One column less: samples/s goes, and the bar takes the room it leaves (61 + 3 + 21).
  const noThroughput = "epoch 12/15 234/469 loss 0.1235 accuracy 0.9612 2.9s eta 2.9s";
  const narrower = progressLine(mnistLike, fields.length + 8);
  assert.equal(narrower.replace(/ \[[#-]{21}\]/, ""), noThroughput);
  assert.equal(narrower.length, fields.length + 8);
  // 80 columns (79 for the live line): a bar of 79 - 61 - 3 = 15 cells, 7 filled (234/469).
  assert.match(progressLine(mnistLike, 79), /^epoch 12\/15 \[#{7}-{8}\] 234\/469 .* eta 2\.9s$/);
  // Too narrow for a six-cell bar: the bar goes before any field ranked above it.
  assert.equal(progressLine(mnistLike, noThroughput.length + 8), noThroughput);
  assert.equal(progressLine(mnistLike, noThroughput.length), noThroughput);
  assert.equal(
    progressLine(mnistLike, noThroughput.length - 1),
    "epoch 12/15 234/469 loss 0.1235 2.9s eta 2.9s",
    "the metric does not fit; the bar is not drawn in its place",
  );
  assert.equal(progressLine(mnistLike, 40), "epoch 12/15 234/469 loss 0.1235 eta 2.9s");
  // Too narrow for the ETA: the fields are kept by rank, each one that still fits.
  assert.equal(progressLine(mnistLike, 39), "epoch 12/15 234/469 loss 0.1235 2.9s");
  assert.equal(progressLine(mnistLike, 20), "epoch 12/15 234/469");
  assert.equal(progressLine(mnistLike, 5), "epoch");
});

test("progressLine: the bar fills in proportion to the steps done and takes the room left", () => {
  const half = { ...mnistLike, steps: 10, batchCount: 20, metrics: {} };
  const line = progressLine(half, 200, 10);
  assert.match(line, / \[#{5}-{5}\] /);
  // Without samples/s the fields take 43 characters; the bar gets the 8 cells left of 54.
  const narrow = progressLine(half, 54, 30);
  const bar = narrow.match(/\[[#-]+\]/)![0];
  assert.equal(narrow.length, 54, "the bar takes the room left when it is less than asked");
  assert.equal(bar, "[####----]", "8 cells, half filled");
});

test("epochLines: a finished epoch wraps onto lines no longer than the width, fields intact", () => {
  fc.assert(
    fc.property(viewArb, fc.integer({ min: 1, max: 200 }), (view, width) => {
      const lines = epochLines(view, width);
      const fields = epochFields(view);
      if (lines.some((l) => l.length > width)) return false;
      // When every field fits on a line of its own, no field is cut or lost.
      if (fields.every((f) => f.length + 2 <= width)) {
        const unwrapped = [lines[0], ...lines.slice(1).map((l) => l.slice(2))].join(" ");
        return lines.slice(1).every((l) => l.startsWith("  ")) && unwrapped === fields.join(" ");
      }
      return true;
    }),
  );
});

test("epochLines: without a width it is one line; at 40 columns continuation lines are indented", () => {
  const view = {
    ...mnistLike,
    steps: 469,
    samples: 469 * 128,
    val: { loss: 0.201, accuracy: 0.942 },
    ms: 6950,
  };
  assert.deepEqual(epochLines(view), [
    "epoch 12/15 469/469 loss 0.1235 accuracy 0.9612 val loss 0.2010 val accuracy 0.9420 " +
    "8638 samples/s 6.95s",
  ]);
  assert.deepEqual(epochLines(view, 40), [
    "epoch 12/15 469/469 loss 0.1235",
    "  accuracy 0.9612 val loss 0.2010",
    "  val accuracy 0.9420 8638 samples/s",
    "  6.95s",
  ]);
});

test("fitLine and wrapFields: a field longer than the width is cut, never exceeded", () => {
  assert.equal(fitLine([{ text: "abcdefgh", rank: 0 }], 3), "abc");
  assert.deepEqual(wrapFields(["ab", "abcdefghijkl", "c"], 10), ["ab", "  abcdefgh", "  c"]);
  assert.deepEqual(wrapFields([], 10), [""]);
});

test("etaSeconds: the remaining steps at the mean time per step so far", () => {
  assert.equal(etaSeconds(1, 4, 200), 0.6); // 3 steps left at 0.2 s
  assert.equal(etaSeconds(100, 469, 5000), (369 * 50) / 1000);
  assert.equal(etaSeconds(4, 4, 800), 0);
  assert.equal(etaSeconds(5, 4, 800), 0, "a source that overruns its count is not negative");
  assert.equal(etaSeconds(3, undefined, 800), undefined, "unknown length: no ETA");
  assert.equal(etaSeconds(0, 4, 0), undefined, "nothing timed yet: no ETA");
});

test("formatDuration: tenths under 10 s, whole seconds under a minute, then m:ss and h:mm:ss", () => {
  assert.deepEqual(
    [0, 0.04, 2.56, 9.94, 9.96, 42.4, 59.4, 59.6, 187, 3600, 3729.2].map(formatDuration),
    ["0.0s", "0.0s", "2.6s", "9.9s", "10s", "42s", "59s", "1:00", "3:07", "1:00:00", "1:02:09"],
  );
  assert.equal(formatDuration(Infinity), "?");
});

/** Steps of `epochs` epochs of `count` batches of 8, each taking 100 ms on a fake clock. */
function run(epochs: number, count: number) {
  const contexts: StepCtx[] = [];
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < count; i++) {
      const batch: Batch = {
        x: tensor([[0]]),
        y: tensor([0]),
        epoch: e,
        index: i,
        size: 8,
        batchCount: count,
      };
      contexts.push({ state, batch, loss: 1 / (1 + i), y: tensor([[1, 0]]) });
    }
  }
  let t = 0;
  return { now: () => t, steps: from(contexts).pipe(map((c) => ((t += 100), c))) };
}

test("progress: a non-terminal writer receives only whole plain lines", async () => {
  const writes: string[] = [];
  const { now, steps } = run(3, 50);
  await lastValueFrom(
    steps.pipe(progress({ write: (s) => writes.push(s), tty: false, backend: "ts", now })),
  );
  assert.equal(writes.length, 4, "the header and one line per epoch");
  for (const w of writes) {
    assert.ok(w.endsWith("\n") && w.indexOf("\n") === w.length - 1, JSON.stringify(w));
    assert.ok(!w.includes("\r") && !w.includes("\x1b"), "no carriage return or escape code");
  }
});

test("progress and epochSummaries: on a terminal no row is ever wider than its columns", async () => {
  for (const columns of [20, 40, 80]) {
    const writes: string[] = [];
    const { now, steps } = run(2, 30);
    await lastValueFrom(
      steps.pipe(
        epochSummaries({
          validate: () => ({ loss: 0.25, accuracy: 0.875 }),
          progress: {
            write: (s) => writes.push(s),
            tty: true,
            columns,
            epochs: 2,
            refreshMs: 0,
            backend: "blas (OpenBLAS 0.3.21 Haswell, 2 threads, a long description)",
          },
          now,
        }),
      ),
    );
    const screen = writes.join("");
    // Each redraw clears the row it starts on; that row must be all the line took.
    for (const w of writes.filter((w) => w.startsWith("\r\x1b[2K") && !w.endsWith("\n"))) {
      const shown = w.slice(5);
      assert.ok(!shown.includes("\n") && shown.length < columns, `${columns}: ${shown}`);
    }
    const rows = screen.split("\n").flatMap((l) => l.split("\r\x1b[2K")).filter((r) => r !== "");
    assert.ok(rows.every((r) => r.length <= columns), `${columns}:\n${rows.join("\n")}`);
    if (columns >= 40) assert.ok(rows.some((r) => r.includes("eta")), `${columns}: an ETA`);
  }
});

test("progress: a backend header wider than the terminal wraps without losing a character", async () => {
  let out = "";
  const backend =
    "blas (OpenBLAS 0.3.21 Zen, 1 thread, /usr/lib/x86_64-linux-gnu/openblas-pthread/" +
    "libopenblas.so.0); Adam: wasm SIMD";
  const { now, steps } = run(1, 2);
  await lastValueFrom(
    steps.pipe(progress({ write: (s) => (out += s), tty: true, columns: 40, backend, now })),
  );
  const header = out.slice(0, out.indexOf("\r"));
  const rows = header.split("\n").filter((r) => r !== "");
  assert.ok(rows.length > 1 && rows.every((r) => r.length <= 40), header);
  assert.equal(rows.join("").replaceAll(" ", ""), `backend: ${backend}`.replaceAll(" ", ""));
});

test("progress: on a terminal without a columns option the line fits terminalColumns()", async () => {
  // Under a test runner standard output is usually not a terminal: the width is then 80.
  const columns = terminalColumns();
  assert.ok(Number.isInteger(columns) && columns > 0);
  const writes: string[] = [];
  const { now, steps } = run(1, 40);
  await lastValueFrom(
    steps.pipe(
      progress({
        write: (s) => writes.push(s),
        tty: true,
        refreshMs: 0,
        epochs: 100,
        metrics: { a_long_metric_name: () => 0.5, another_metric: () => 0.25 },
        now,
      }),
    ),
  );
  const live = writes.filter((w) => !w.endsWith("\n")).map((w) => w.slice(5));
  assert.ok(live.length > 30);
  assert.ok(live.every((l) => l.length < columns), `${columns}: ${live[0]}`);
});
