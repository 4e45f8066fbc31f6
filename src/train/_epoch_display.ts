/**
 * The text display shared by `progress` and `epochSummaries({ progress })`: a live bar per
 * epoch on a terminal, one line per epoch. Internal.
 *
 * @module
 */

import type { EpochMeter } from "./_epoch_meter.ts";
import type { Evaluation } from "./evaluate.ts";
import type { ProgressDisplayOptions } from "./progress.ts";

interface Runtime {
  Deno?: { stdout: { isTerminal(): boolean; writeSync(b: Uint8Array): number } };
  process?: { stdout?: { isTTY?: boolean; write(s: string): boolean } };
}

/**
 * Whether standard output is a terminal: `Deno.stdout.isTerminal()` on Deno,
 * `process.stdout.isTTY` on Bun and Node.
 *
 * @example
 * ```ts
 * import { stdoutIsTerminal } from "./progress.ts";
 * if (typeof stdoutIsTerminal() !== "boolean") throw new Error("unexpected");
 * ```
 */
export function stdoutIsTerminal(): boolean {
  const rt = globalThis as Runtime;
  if (rt.Deno !== undefined) return rt.Deno.stdout.isTerminal();
  return rt.process?.stdout?.isTTY === true;
}

const encoder = new TextEncoder();

function writeStdout(text: string): void {
  const rt = globalThis as Runtime;
  if (rt.Deno !== undefined) {
    const bytes = encoder.encode(text);
    let off = 0;
    while (off < bytes.length) off += rt.Deno.stdout.writeSync(bytes.subarray(off));
  } else {
    rt.process?.stdout?.write(text);
  }
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

/** Checks the display options that have a range; `op` names the caller in the message. */
export function checkDisplayOptions(op: string, o: ProgressDisplayOptions): void {
  const { width = 24, epochs, refreshMs = 100 } = o;
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`${op}: width must be a positive integer, got ${width}`);
  }
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
    throw new RangeError(`${op}: epochs must be a positive integer, got ${epochs}`);
  }
  if (!(refreshMs >= 0)) {
    throw new RangeError(`${op}: refreshMs must be >= 0, got ${refreshMs}`);
  }
}

/**
 * Writes one epoch at a time. On a terminal `update` redraws the epoch's line in place (at
 * most once per `refreshMs`) and `end` replaces it with the final one; elsewhere only `end`
 * writes. Throughput is the meter's samples over its training milliseconds.
 */
export class EpochDisplay {
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #epochs: number | undefined;
  readonly #refreshMs: number;
  readonly #width: number;
  readonly #backend: string | undefined;
  #lastDraw = -Infinity;
  #drawn = false; // a bar is on screen without its newline

  constructor(o: ProgressDisplayOptions) {
    this.#write = o.write ?? writeStdout;
    this.#tty = o.tty ?? stdoutIsTerminal();
    this.#epochs = o.epochs;
    this.#refreshMs = o.refreshMs ?? 100;
    this.#width = o.width ?? 24;
    this.#backend = o.backend;
  }

  /** The header, written once when the run starts. */
  begin(): void {
    if (this.#backend !== undefined) this.#write(`backend: ${this.#backend}\n`);
  }

  /** Redraws the live bar (terminal only), when `t` is `refreshMs` past the last redraw. */
  update(m: EpochMeter, t: number): void {
    if (!this.#tty || t - this.#lastDraw < this.#refreshMs) return;
    this.#write(`\r\x1b[2K${this.#line(m, false)}`);
    this.#lastDraw = t;
    this.#drawn = true;
  }

  /** The epoch's final line, with the validation results when there are some. */
  end(m: EpochMeter, val?: Evaluation): void {
    const line = this.#line(m, true, val);
    this.#write(this.#tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    this.#drawn = false;
  }

  /** Ends a half-drawn bar's line, so an error message is not written over it. */
  abort(): void {
    if (this.#drawn) this.#write("\n");
    this.#drawn = false;
  }

  #line(m: EpochMeter, done: boolean, val?: Evaluation): string {
    const parts = [`epoch ${m.epoch + 1}${this.#epochs === undefined ? "" : `/${this.#epochs}`}`];
    const total = m.batchCount;
    if (this.#tty && total !== undefined) {
      const filled = Math.min(this.#width, Math.round((this.#width * m.steps) / total));
      parts.push(`[${"#".repeat(filled)}${"-".repeat(this.#width - filled)}]`);
    }
    parts.push(
      total === undefined ? `${m.steps} step${m.steps === 1 ? "" : "s"}` : `${m.steps}/${total}`,
    );
    parts.push(`loss ${formatValue(m.loss)}`);
    for (const [k, v] of Object.entries(m.metrics())) parts.push(`${k} ${formatValue(v)}`);
    for (const [k, v] of Object.entries(val ?? {})) parts.push(`val ${k} ${formatValue(v)}`);
    const seconds = m.ms / 1000;
    parts.push(`${seconds > 0 ? Math.round(m.samples / seconds) : 0} samples/s`);
    if (done) parts.push(`${seconds.toFixed(2)}s`);
    return parts.join(" ");
  }
}
