/**
 * The history of a run: one row of numbers per epoch (loss and metrics, training and
 * validation, time), written as CSV or JSON for a plotting tool, from the epoch summaries.
 *
 * @module
 */

import { rename, rm, writeFile } from "node:fs/promises";
import { concatMap, defer, type MonoTypeOperatorFunction } from "rxjs";
import { checkOptions, rethrowAs } from "../_checks.ts";
import { fileError, filePath } from "../file_errors.ts";
import type { Tree } from "../tree.ts";
import type { EpochSummary } from "./epochs.ts";

/**
 * One epoch of a history: `epoch` (counted from 1, as the progress lines show it), `steps`,
 * `samples`, `seconds`, `samples_per_sec`, then the training values by name (`loss`,
 * `accuracy`) and the validation values prefixed `val_` (`val_loss`, `val_accuracy`), as
 * Keras's `CSVLogger` names them.
 */
export type HistoryRow = Readonly<Record<string, number>>;

/**
 * The history row of one epoch summary.
 *
 * @example
 * ```ts
 * import { historyRow } from "./history.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 4, epoch: 0, key: key(0) };
 * const row = historyRow({
 *   epoch: 0, steps: 4, samples: 100, trainLoss: 0.5, train: { loss: 0.5, accuracy: 0.8 },
 *   val: { loss: 0.25 }, valLoss: 0.25, samplesPerSec: 200, seconds: 0.5, state,
 * });
 * if (row.epoch !== 1 || row.accuracy !== 0.8 || row.val_loss !== 0.25) throw new Error("unexpected");
 * ```
 */
export function historyRow(summary: EpochSummary): HistoryRow {
  if (typeof summary !== "object" || summary === null || typeof summary.train !== "object") {
    throw new TypeError("historyRow: expected an epoch summary (from epochSummaries)");
  }
  const row: Record<string, number> = {
    epoch: summary.epoch + 1,
    steps: summary.steps,
    samples: summary.samples,
    seconds: summary.seconds,
    samples_per_sec: summary.samplesPerSec,
  };
  for (const [k, v] of Object.entries(summary.train)) row[k] = v;
  for (const [k, v] of Object.entries(summary.val ?? {})) row[`val_${k}`] = v;
  return row;
}

function toRows(op: string, rows: readonly (HistoryRow | EpochSummary)[]): HistoryRow[] {
  if (!Array.isArray(rows)) {
    throw new TypeError(`${op}: expected an array of history rows or epoch summaries`);
  }
  return rows.map((r, i) => {
    if (typeof r !== "object" || r === null) {
      throw new TypeError(`${op}: row ${i} is ${r === null ? "null" : typeof r}, not an object`);
    }
    if ("state" in r && "train" in r) return historyRow(r as EpochSummary);
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "number") {
        throw new TypeError(`${op}: row ${i} has ${k} = ${JSON.stringify(v)}, not a number`);
      }
    }
    return r as HistoryRow;
  });
}

/** Every column name, in the order first seen. */
function columns(rows: readonly HistoryRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * The rows as CSV: a header of every column (in the order first seen), then one line per
 * epoch. Numbers are written in full (JavaScript's shortest round-trip form, so they parse
 * back to the same doubles, `-0` included); `NaN` and `Infinity` as JavaScript spells them
 * (Python's `float` reads them); a column a row lacks is left empty.
 *
 * @example
 * ```ts
 * import { historyCsv } from "./history.ts";
 * const csv = historyCsv([{ epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.25, val_loss: 0.3 }]);
 * if (csv !== "epoch,loss,val_loss\n1,0.5,\n2,0.25,0.3\n") throw new Error(csv);
 * ```
 */
export function historyCsv(rows: readonly (HistoryRow | EpochSummary)[]): string {
  const table = toRows("historyCsv", rows);
  const names = columns(table);
  const lines = [names.map(csvField).join(",")];
  const cell = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
  for (const r of table) lines.push(names.map((k) => (k in r ? cell(r[k]) : "")).join(","));
  return `${lines.join("\n")}\n`;
}

/**
 * The rows as JSON: an array of objects, one per epoch. JSON has no `NaN` or `Infinity`;
 * they are written as `null`.
 *
 * @example
 * ```ts
 * import { historyJson } from "./history.ts";
 * const back = JSON.parse(historyJson([{ epoch: 1, loss: 0.5 }]));
 * if (back[0].loss !== 0.5) throw new Error("unexpected");
 * ```
 */
export function historyJson(rows: readonly (HistoryRow | EpochSummary)[]): string {
  return `${JSON.stringify(toRows("historyJson", rows), null, 2)}\n`;
}

/** Options of {@linkcode writeHistory} and {@linkcode saveHistory}. */
export interface HistoryFileOptions {
  /** `"csv"` or `"json"`; by default from the file name's extension (`.csv`, `.json`). */
  format?: "csv" | "json";
}

function formatOf(op: string, path: string | URL, options: HistoryFileOptions): "csv" | "json" {
  const { format } = checkOptions(op, options, ["format"]);
  if (format !== undefined) {
    if (format !== "csv" && format !== "json") {
      throw new RangeError(`${op}: format must be "csv" or "json", got ${JSON.stringify(format)}`);
    }
    return format;
  }
  const name = (path instanceof URL ? path.pathname : String(path)).toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".json")) return "json";
  throw new RangeError(
    `${op}: cannot tell the format of ${String(path)} from its name; end it in .csv or .json, ` +
      `or pass { format: "csv" | "json" }`,
  );
}

/**
 * Writes a history (rows, or the epoch summaries themselves) to `path` as CSV or JSON
 * (see {@linkcode historyCsv} and {@linkcode historyJson}). The file is written beside the
 * target and renamed into place, so it is never seen half-written.
 *
 * @example
 * ```ts
 * import { writeHistory } from "./history.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readFile, rm } from "node:fs/promises";
 * const path = join(tmpdir(), `gradstream-history-doc-${Date.now()}.csv`);
 * await writeHistory(path, [{ epoch: 1, loss: 0.5 }]);
 * const text = await readFile(path, "utf8");
 * await rm(path);
 * if (text !== "epoch,loss\n1,0.5\n") throw new Error(text);
 * ```
 */
export async function writeHistory(
  path: string | URL,
  rows: readonly (HistoryRow | EpochSummary)[],
  options: HistoryFileOptions = {},
): Promise<void> {
  const op = "writeHistory";
  const target = filePath(op, path);
  const format = formatOf(op, path, options);
  const text = rethrowAs(op, () => format === "csv" ? historyCsv(rows) : historyJson(rows));
  // Written beside the target and renamed into place, so a reader (a plot refreshing while
  // the run trains) never sees a half-written file.
  const partial = `${target}.partial`;
  try {
    await writeFile(partial, text);
    await rename(partial, target);
  } catch (e) {
    await rm(partial, { force: true }).catch(() => {});
    throw fileError(op, target, e, "write");
  }
}

/**
 * A pass-through operator for the stream of epoch summaries that rewrites the history file
 * at `path` after every epoch, so a long run's curve can be plotted while it trains and
 * survives a crash. Only the small rows are kept, never the summaries' states.
 *
 * @example
 * ```ts
 * import { saveHistory } from "./history.ts";
 * import { from, lastValueFrom } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readFile, rm } from "node:fs/promises";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const summary = (epoch: number, loss: number) => ({
 *   epoch, steps: 1, samples: 8, trainLoss: loss, train: { loss }, samplesPerSec: 16, seconds: 0.5, state,
 * });
 * const path = join(tmpdir(), `gradstream-save-history-doc-${Date.now()}.json`);
 * await lastValueFrom(from([summary(0, 2), summary(1, 1)]).pipe(saveHistory(path)));
 * const rows = JSON.parse(await readFile(path, "utf8"));
 * await rm(path);
 * if (rows.map((r: { loss: number }) => r.loss).join() !== "2,1") throw new Error("unexpected");
 * ```
 */
export function saveHistory<P extends Tree, S extends Tree>(
  path: string | URL,
  options: HistoryFileOptions = {},
): MonoTypeOperatorFunction<EpochSummary<P, S>> {
  filePath("saveHistory", path);
  const format = formatOf("saveHistory", path, options);
  return (source) =>
    defer(() => {
      const rows: HistoryRow[] = [];
      return source.pipe(
        concatMap(async (summary) => {
          rows.push(historyRow(summary as EpochSummary));
          await writeHistory(path, rows, { format });
          return summary;
        }),
      );
    });
}
