/**
 * The text of the progress display, as pure functions of an epoch's figures and a width: the
 * live line (fitted to one row: the bar goes first, then the lesser fields) and the finished
 * epoch's line (wrapped onto more rows rather than cut). Internal; the tests call it directly.
 *
 * @module
 */

/** What the display shows of one epoch. */
export interface EpochView {
  /** The epoch, 0-based (shown from 1). */
  readonly epoch: number;
  /** Epochs in the run, when known (`epoch 3/20`). */
  readonly epochs?: number;
  /** Steps so far in the epoch. */
  readonly steps: number;
  /** Steps in the epoch, when the source says. */
  readonly batchCount?: number;
  /** Mean loss so far. */
  readonly loss: number;
  /** Training metrics so far, by name. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Validation results (finished epochs only). */
  readonly val?: Readonly<Record<string, number>>;
  /** Training examples so far. */
  readonly samples: number;
  /** Training milliseconds so far. */
  readonly ms: number;
}

/**
 * Formats a number for logs: four decimals in the usual range, exponent notation outside.
 *
 * @example
 * ```ts
 * import { formatValue } from "./epochs.ts";
 * if (formatValue(0.5) !== "0.5000" || formatValue(1.5e-6) !== "1.500e-6") throw new Error("unexpected");
 * ```
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  return a === 0 || (a >= 1e-3 && a < 1e5) ? v.toFixed(4) : v.toExponential(3);
}

/** A duration for people: `0.8s`, `42s`, `3:07`, `1:02:09`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 9.95) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const s = String(whole % 60).padStart(2, "0");
  const m = Math.floor(whole / 60) % 60;
  const h = Math.floor(whole / 3600);
  return h === 0 ? `${m}:${s}` : `${h}:${String(m).padStart(2, "0")}:${s}`;
}

/**
 * Seconds left in the epoch at the pace so far: the remaining steps times the mean time per
 * step. `undefined` when the epoch's length is unknown or no step has been timed yet.
 */
export function etaSeconds(
  steps: number,
  total: number | undefined,
  ms: number,
): number | undefined {
  if (total === undefined || steps <= 0 || !(ms > 0)) return undefined;
  return (Math.max(0, total - steps) * ms) / steps / 1000;
}

/** One field of a line; fields of higher `rank` are dropped first when the line is too long. */
export interface Field {
  readonly text: string;
  readonly rank: number;
}

/** Fewest cells a bar is drawn with; below that it is left out. */
const MIN_BAR_CELLS = 6;

/** A bar for {@linkcode fitLine}: where it goes, how full, how wide at most, when it drops. */
export interface BarSpec {
  /** It goes before this field. */
  readonly index: number;
  /** The part done, 0 to 1. */
  readonly fraction: number;
  /** Its width at most, in cells (it shrinks to the room left, down to six). */
  readonly cells: number;
  /** Its rank among the fields: it is dropped before every field of lower rank. */
  readonly rank: number;
}

/**
 * Joins `fields` (and a bar) into one line of at most `width` characters, in their order.
 * When everything does not fit, the items are taken by rank (the lowest first, the earlier
 * among equals), each one that still fits, the bar counted at its narrowest (six cells, or
 * `bar.cells` if fewer) and only if every field ranked before it fitted; the bar then grows
 * into the room left, up to `bar.cells`. The lowest-ranked field is always shown, cut when
 * it is too long alone.
 */
export function fitLine(fields: readonly Field[], width: number, bar?: BarSpec): string {
  const order = fields.map((f, i) => ({ f, i })).sort((a, b) => a.f.rank - b.f.rank || a.i - b.i);
  if (order.length === 0) return "";
  const first = order[0].f.text;
  if (first.length >= width) return first.slice(0, Math.max(0, width));
  const minCells = bar === undefined ? 0 : Math.min(MIN_BAR_CELLS, bar.cells);
  const keep = new Set<number>();
  let used = -1; // characters taken, counting a space before each item
  let withBar = false;
  let barDone = bar === undefined || minCells < 1;
  let skipped = false; // a field ranked above the bar did not fit: then neither does the bar
  const tryBar = () => {
    barDone = true;
    if (!skipped && used + 3 + minCells <= width) {
      withBar = true;
      used += 3 + minCells;
    }
  };
  for (const { f, i } of order) {
    if (!barDone && bar!.rank <= f.rank) tryBar();
    if (used + 1 + f.text.length <= width) {
      keep.add(i);
      used += 1 + f.text.length;
    } else if (!barDone) {
      skipped = true;
    }
  }
  if (!barDone) tryBar();
  const texts = fields.flatMap((f, i) => (keep.has(i) ? [{ text: f.text, i }] : []));
  if (withBar) {
    const cells = Math.min(bar!.cells, minCells + width - used);
    const filled = Math.min(cells, Math.max(0, Math.round(cells * bar!.fraction)));
    const at = texts.findIndex((t) => t.i >= bar!.index);
    texts.splice(at < 0 ? texts.length : at, 0, {
      text: `[${"#".repeat(filled)}${"-".repeat(cells - filled)}]`,
      i: -1,
    });
  }
  return texts.map((t) => t.text).join(" ");
}

/**
 * Packs `texts` into lines of at most `width` characters, in order, a space between fields;
 * continuation lines start with two spaces. A field is never split across lines; one longer
 * than a whole line is cut.
 */
export function wrapFields(texts: readonly string[], width: number): string[] {
  const indent = width > 8 ? "  " : "";
  const lines: string[] = [];
  let line = "";
  for (const text of texts) {
    if (line === "") {
      line = text.slice(0, width);
    } else if (line.length + 1 + text.length <= width) {
      line += ` ${text}`;
    } else {
      lines.push(line);
      line = `${indent}${text}`.slice(0, width);
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}

function header(v: EpochView): string {
  return `epoch ${v.epoch + 1}${v.epochs === undefined ? "" : `/${v.epochs}`}`;
}

function stepsText(v: EpochView): string {
  return v.batchCount === undefined
    ? `${v.steps} step${v.steps === 1 ? "" : "s"}`
    : `${v.steps}/${v.batchCount}`;
}

function throughput(v: EpochView): string {
  const seconds = v.ms / 1000;
  return `${seconds > 0 ? Math.round(v.samples / seconds) : 0} samples/s`;
}

/**
 * The live line of an epoch under way, at most `width` characters: `epoch 3/20 [####----]
 * 120/469 loss 0.3120 accuracy 0.9105 2.6s eta 7.4s 23410 samples/s`. As the width shrinks
 * samples/s goes first, then the bar; then the fields are kept in the order epoch, loss, step
 * count, ETA, elapsed time, metrics, each while it still fits (`epoch 3/20` is cut only
 * below its own length).
 */
export function progressLine(v: EpochView, width: number, barCells = 24): string {
  const fields: Field[] = [
    { text: header(v), rank: 0 },
    { text: stepsText(v), rank: 2 },
    { text: `loss ${formatValue(v.loss)}`, rank: 1 },
  ];
  for (const [k, x] of Object.entries(v.metrics)) {
    fields.push({ text: `${k} ${formatValue(x)}`, rank: 5 });
  }
  fields.push({ text: formatDuration(v.ms / 1000), rank: 4 });
  const eta = etaSeconds(v.steps, v.batchCount, v.ms);
  if (eta !== undefined) fields.push({ text: `eta ${formatDuration(eta)}`, rank: 3 });
  fields.push({ text: throughput(v), rank: 7 });
  // The bar goes before any other field but samples/s, which the finished line shows anyway:
  // on 80 columns with a metric or two, that is the choice between a bar and a throughput.
  const bar = v.batchCount === undefined
    ? undefined
    : { index: 1, fraction: v.steps / v.batchCount, cells: barCells, rank: 6 };
  return fitLine(fields, width, bar);
}

/**
 * The fields of a finished epoch, in order: `epoch 1/20`, steps, loss, the training metrics,
 * the validation results (`val loss 0.2010`), samples/s and the epoch's time (`2.56s`).
 */
export function epochFields(v: EpochView): string[] {
  const parts = [header(v), stepsText(v), `loss ${formatValue(v.loss)}`];
  for (const [k, x] of Object.entries(v.metrics)) parts.push(`${k} ${formatValue(x)}`);
  for (const [k, x] of Object.entries(v.val ?? {})) parts.push(`val ${k} ${formatValue(x)}`);
  parts.push(throughput(v), `${(v.ms / 1000).toFixed(2)}s`);
  return parts;
}

/**
 * A finished epoch as text: one line of {@linkcode epochFields} when `width` is undefined
 * (logs and pipes), else wrapped onto as many lines of at most `width` characters as needed.
 */
export function epochLines(v: EpochView, width?: number): string[] {
  const fields = epochFields(v);
  return width === undefined ? [fields.join(" ")] : wrapFields(fields, width);
}
