/**
 * The text display shared by `progress` and `epochSummaries({ progress })`: a live line per
 * epoch on a terminal, fitted to its width, and the finished epoch's line. Internal.
 *
 * @module
 */

import type { EpochMeter } from "./_epoch_meter.ts";
import { epochLines, type EpochView, progressLine, wrapFields } from "./_progress_layout.ts";
import { stdoutIsTerminal, terminalColumns, writeStdout } from "./_terminal.ts";
import type { Evaluation } from "./evaluate.ts";
import { checkOptions, describeValue } from "../_checks.ts";

export { formatValue } from "./_progress_layout.ts";

/**
 * How progress is shown; shared by `progress` and the `progress` option of
 * `epochSummaries`.
 */
export interface ProgressDisplayOptions {
  /** Where text goes (default: standard output). */
  write?: (text: string) => void;
  /**
   * Draw a live line that is redrawn in place (default: whether standard output is a
   * terminal). Without it only finished epochs are written, as plain lines: no carriage
   * returns, no escape codes.
   */
  tty?: boolean;
  /**
   * The width the text must fit in, in columns. Default: on a terminal its width, read again
   * at each redraw (`Deno.consoleSize()`, `process.stdout.columns`; 80 when it cannot be
   * read); elsewhere none, so a log gets one line per epoch.
   */
  columns?: number;
  /**
   * A header naming the compute backend, written before the first step: `true` for the
   * training state's `backend.description` (`backend: blas (OpenBLAS 0.3.21, 2 threads)`),
   * or a string to show instead. Default none.
   */
  backend?: boolean | string;
  /** The number of epochs in the run, shown as `epoch 3/20`. */
  epochs?: number;
  /** Minimum milliseconds between redraws of the live line (default 100). */
  refreshMs?: number;
  /** Largest width of the bar in cells (default 24); it shrinks, then goes, when narrow. */
  width?: number;
}

/**
 * Checks the options every meter takes: metrics an object of functions, `now` a function;
 * `op` names the caller in the message.
 */
export function checkMeterOptions(op: string, metrics: unknown, now: unknown): void {
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw new TypeError(
      `${op}: metrics must be an object of metric functions, such as { accuracy }`,
    );
  }
  for (const [name, m] of Object.entries(metrics)) {
    if (typeof m !== "function") {
      throw new TypeError(
        `${op}: metric ${name} must be a function (prediction, target) => number, got ${typeof m}`,
      );
    }
  }
  if (typeof now !== "function") {
    throw new TypeError(`${op}: now must be a function returning milliseconds, got ${typeof now}`);
  }
}

/** The option names of {@linkcode ProgressDisplayOptions}, for the unknown-option check. */
const DISPLAY_OPTIONS = [
  "write",
  "tty",
  "columns",
  "backend",
  "epochs",
  "refreshMs",
  "width",
] as const;

/** Checks the display options that have a range; `op` names the caller in the message. */
export function checkDisplayOptions(
  op: string,
  o: ProgressDisplayOptions,
  more: readonly string[] = [],
  name = "options",
): void {
  checkOptions(op, o, [...DISPLAY_OPTIONS, ...more], name);
  const { width = 24, epochs, refreshMs = 100, columns, write, tty } = o;
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`${op}: width must be a positive integer, got ${describeValue(width)}`);
  }
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
    throw new RangeError(`${op}: epochs must be a positive integer, got ${describeValue(epochs)}`);
  }
  if (typeof refreshMs !== "number" || !(refreshMs >= 0)) {
    throw new RangeError(`${op}: refreshMs must be a number >= 0, got ${describeValue(refreshMs)}`);
  }
  if (columns !== undefined && (!Number.isInteger(columns) || columns < 1)) {
    throw new RangeError(
      `${op}: columns must be a positive integer, got ${describeValue(columns)}`,
    );
  }
  if (write !== undefined && typeof write !== "function") {
    throw new TypeError(`${op}: write must be a function (text) => void, got ${typeof write}`);
  }
  if (tty !== undefined && typeof tty !== "boolean") {
    throw new TypeError(`${op}: tty must be a boolean, got ${typeof tty}`);
  }
  if (o.backend !== undefined && typeof o.backend !== "string" && typeof o.backend !== "boolean") {
    throw new TypeError(`${op}: backend must be a boolean or a string, got ${typeof o.backend}`);
  }
}

/** The figures of a meter (and validation results) as the layout functions take them. */
function view(m: EpochMeter, epochs: number | undefined, val?: Evaluation): EpochView {
  return {
    epoch: m.epoch,
    ...(epochs === undefined ? {} : { epochs }),
    steps: m.steps,
    ...(m.batchCount === undefined ? {} : { batchCount: m.batchCount }),
    loss: m.loss,
    metrics: { ...m.aux(), ...m.metrics() },
    ...(val === undefined ? {} : { val }),
    samples: m.samples,
    ms: m.ms,
  };
}

const CLEAR_LINE = "\r\x1b[2K";

/** `text` in pieces of at most `size` characters. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length === 0 ? [text] : out;
}

/**
 * Writes one epoch at a time. On a terminal `update` redraws the epoch's line in place (at
 * most once per `refreshMs`), one row that never reaches the last column (a terminal that
 * wraps there would leave the old row behind), and `end` replaces it with the finished
 * epoch, wrapped onto more rows when it is wider than the terminal; elsewhere only `end`
 * writes, plain lines. Throughput is the meter's samples over its training milliseconds.
 */
export class EpochDisplay {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #columns: number | undefined;
  readonly #epochs: number | undefined;
  readonly #refreshMs: number;
  readonly #barCells: number;
  readonly #backend: boolean | string;
  #lastDraw = -Infinity;
  #drawn = false; // a live line is on screen without its newline

  constructor(o: ProgressDisplayOptions) {
    this.#write = o.write ?? writeStdout;
    this.#tty = o.tty ?? stdoutIsTerminal();
    this.#columns = o.columns;
    this.#epochs = o.epochs;
    this.#refreshMs = o.refreshMs ?? 100;
    this.#barCells = o.width ?? 24;
    this.#backend = o.backend ?? false;
  }

  /** The width to fit: the option, else the terminal's (live), else none. */
  #width(): number | undefined {
    return this.#columns ?? (this.#tty ? terminalColumns() : undefined);
  }

  /** The header, written once before the first step, for a state on `backend` (if known). */
  begin(backend: { readonly description?: unknown } | undefined): void {
    if (this.#backend === false) return;
    const described = typeof this.#backend === "string"
      ? this.#backend
      : typeof backend?.description === "string"
      ? backend.description
      : "unknown";
    const text = `backend: ${described}`;
    const width = this.#width();
    if (width === undefined) return this.#write(`${text}\n`);
    // A word too long for a row (a library's path) is broken across rows, not cut.
    const room = width > 8 ? width - 2 : width;
    const words = text.split(" ").flatMap((w) => chunks(w, room));
    this.#write(`${wrapFields(words, width).join("\n")}\n`);
  }

  /** Redraws the live line (terminal only), when `t` is `refreshMs` past the last redraw. */
  update(m: EpochMeter, t: number): void {
    if (!this.#tty || t - this.#lastDraw < this.#refreshMs) return;
    const width = Math.max(1, (this.#width() ?? Infinity) - 1);
    this.#write(`${CLEAR_LINE}${progressLine(view(m, this.#epochs), width, this.#barCells)}`);
    this.#lastDraw = t;
    this.#drawn = true;
  }

  /** The epoch's finished line(s), with the validation results when there are some. */
  end(m: EpochMeter, val?: Evaluation): void {
    const text = epochLines(view(m, this.#epochs, val), this.#width()).join("\n");
    this.#write(this.#tty ? `${CLEAR_LINE}${text}\n` : `${text}\n`);
    this.#drawn = false;
  }

  /** Ends a half-drawn line, so an error message is not written over it. */
  abort(): void {
    if (this.#drawn) this.#write("\n");
    this.#drawn = false;
  }
}
