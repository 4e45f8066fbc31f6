import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatMap, from, lastValueFrom, toArray } from "rxjs";
import {
  type EpochSummary,
  historyCsv,
  historyJson,
  historyRow,
  saveHistory,
  writeHistory,
} from "../mod.ts";
import { state } from "./_train_progress_helpers.ts";

function summary(epoch: number, loss: number, val?: Record<string, number>): EpochSummary {
  return {
    epoch,
    steps: 10,
    samples: 80,
    trainLoss: loss,
    train: { loss, accuracy: 1 - loss / 4 },
    ...(val === undefined ? {} : { val, valLoss: val.loss, valAccuracy: val.accuracy }),
    samplesPerSec: 80 / 0.3,
    seconds: 0.3,
    state,
  };
}

/** A CSV parser for the files historyCsv writes (no quoted fields needed for these names). */
function parseCsv(text: string): Record<string, number | undefined>[] {
  const [head, ...lines] = text.trimEnd().split("\n");
  const names = head.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(
      names.map((n, i) => [n, cells[i] === "" ? undefined : Number(cells[i])]),
    );
  });
}

test("historyRow: epoch from 1, the time, training values by name and validation as val_", () => {
  const row = historyRow(summary(2, 0.5, { loss: 0.75, accuracy: 0.625 }));
  assert.deepEqual(row, {
    epoch: 3,
    steps: 10,
    samples: 80,
    seconds: 0.3,
    samples_per_sec: 80 / 0.3,
    loss: 0.5,
    accuracy: 0.875,
    val_loss: 0.75,
    val_accuracy: 0.625,
  });
});

test("historyCsv parses back to exactly the numbers of the rows", () => {
  const value = fc.oneof(fc.double(), fc.integer());
  fc.assert(
    fc.property(
      fc.array(fc.record({ epoch: fc.nat(), loss: value, val_loss: value, accuracy: value }), {
        minLength: 1,
        maxLength: 8,
      }),
      (rows) => {
        const back = parseCsv(historyCsv(rows));
        assert.equal(back.length, rows.length);
        rows.forEach((r, i) => {
          for (const k of Object.keys(r) as (keyof typeof r)[]) {
            assert.ok(Object.is(back[i][k], r[k]), `${k}: ${back[i][k]} vs ${r[k]}`);
          }
        });
      },
    ),
  );
});

test("historyCsv: a column missing from some rows (validation every other epoch) is left empty", () => {
  const csv = historyCsv([summary(0, 2), summary(1, 1, { loss: 1.5 })]);
  const back = parseCsv(csv);
  assert.deepEqual(csv.split("\n")[0].split(","), [
    "epoch",
    "steps",
    "samples",
    "seconds",
    "samples_per_sec",
    "loss",
    "accuracy",
    "val_loss",
  ]);
  assert.equal(back[0].val_loss, undefined);
  assert.equal(back[1].val_loss, 1.5);
  assert.deepEqual(back.map((r) => r.loss), [2, 1]);
});

test("historyJson: the rows as an array of objects; NaN becomes null", () => {
  const back = JSON.parse(historyJson([summary(0, 2), { epoch: 2, loss: NaN }]));
  assert.equal(back[0].loss, 2);
  assert.equal(back[0].accuracy, 0.5);
  assert.deepEqual(back[1], { epoch: 2, loss: null });
});

test("writeHistory and saveHistory write CSV or JSON by extension; saveHistory after every epoch", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-history-"));
  try {
    const rows = [summary(0, 2, { loss: 3 }), summary(1, 1, { loss: 2 })];
    await writeHistory(join(dir, "h.csv"), rows);
    assert.deepEqual(parseCsv(await readFile(join(dir, "h.csv"), "utf8")).map((r) => r.val_loss), [
      3,
      2,
    ]);
    await writeHistory(join(dir, "h.txt"), rows, { format: "json" });
    assert.equal(JSON.parse(await readFile(join(dir, "h.txt"), "utf8"))[1].epoch, 2);
    await assert.rejects(writeHistory(join(dir, "h.txt"), rows), {
      name: "RangeError",
      message: /^writeHistory: cannot tell the format .*h\.txt/,
    });
    const path = join(dir, "live.json");
    // What is on disk as each summary comes out: every epoch so far.
    const onDisk = await lastValueFrom(
      from(rows).pipe(
        saveHistory(path),
        concatMap(async (s) => [s.epoch, JSON.parse(await readFile(path, "utf8")).length]),
        toArray(),
      ),
    );
    assert.deepEqual(onDisk, [[0, 1], [1, 2]]);
    const saved = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(saved.map((r: { loss: number }) => r.loss), [2, 1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("history functions reject what is not a history", () => {
  assert.throws(() => historyCsv({} as never), { name: "TypeError", message: /^historyCsv: / });
  assert.throws(() => historyCsv([{ loss: "0.5" } as never]), {
    name: "TypeError",
    message: /^historyCsv: row 0 has loss = "0.5", not a number/,
  });
  assert.throws(() => saveHistory("h.csv", { format: "xml" as never }), {
    name: "RangeError",
    message: /^saveHistory: format/,
  });
});
