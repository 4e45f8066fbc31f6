/**
 * A progress display for long runs: a live per-epoch bar on a terminal, one plain line per
 * epoch otherwise (logs, CI, pipes).
 *
 * @module
 */

import { defer, type MonoTypeOperatorFunction, tap } from "rxjs";
import type { Tree } from "../tree.ts";
import { defaultNow, endsEpoch, EpochMeter } from "./_epoch_meter.ts";
import type { StepCtx } from "./context.ts";
import { formatValue } from "./epochs.ts";
import type { Metric } from "./metrics.ts";

/** Options of {@linkcode progress}. */
export interface ProgressOptions {
  /** Where text goes (default: standard output). */
  write?: (text: string) => void;
  /** Draw a live bar (default: whether standard output is a terminal). */
  tty?: boolean;
  /** A description of the compute backend for the header, e.g. `kernels().description`. */
  backend?: string;
  /** Metrics averaged over the training batches, e.g. `{ accuracy }`. */
  metrics?: Readonly<Record<string, Metric>>;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
  /** Minimum milliseconds between redraws of the live bar (default 100). */
  refreshMs?: number;
  /** Width of the bar in characters (default 24). */
  width?: number;
}

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
 * A pass-through operator that reports training progress. On a terminal it redraws a bar for
 * the current epoch with the running mean loss, the training metrics and samples/s, and ends
 * it with the epoch's time; elsewhere it writes one line per epoch:
 *
 * ```text
 * backend: ts (reference)
 * epoch 1 469/469 loss 0.3120 accuracy 0.9105 23410 samples/s 2.56s
 * ```
 *
 * Epochs are shown from 1. A run that stops mid-epoch (completes or is unsubscribed) gets
 * its partial line; an error ends the bar's line first so the message is not drawn over.
 *
 * @example
 * ```ts
 * import { progress } from "./progress.ts";
 * import { from, lastValueFrom } from "rxjs";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: null, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) };
 * const steps = [0, 1].map((index) => ({
 *   state, loss: 0.5, batch: { x: tensor([[0]]), y: tensor([0]), epoch: 0, index, size: 10, batchCount: 2 },
 * }));
 * let out = "", t = 0;
 * await lastValueFrom(from(steps).pipe(progress({ write: (s) => (out += s), tty: false, now: () => (t += 250) })));
 * if (out !== "epoch 1 2/2 loss 0.5000 80 samples/s 0.25s\n") throw new Error(out);
 * ```
 */
export function progress<P extends Tree, S extends Tree>(
  options: ProgressOptions = {},
): MonoTypeOperatorFunction<StepCtx<P, S>> {
  const {
    write = writeStdout,
    tty = stdoutIsTerminal(),
    backend,
    metrics = {},
    now = defaultNow,
    refreshMs = 100,
    width = 24,
  } = options;
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`progress: width must be a positive integer, got ${width}`);
  }
  return (source) =>
    defer(() => {
      if (backend !== undefined) write(`backend: ${backend}\n`);
      let start = now();
      let meter: EpochMeter | undefined;
      let lastDraw = -Infinity;
      let drawn = false; // a bar is on screen without its newline

      const line = (m: EpochMeter, t: number, done: boolean): string => {
        const parts = [`epoch ${m.epoch + 1}`];
        const total = m.batchCount;
        if (tty && total !== undefined) {
          const filled = Math.min(width, Math.round((width * m.steps) / total));
          parts.push(`[${"#".repeat(filled)}${"-".repeat(width - filled)}]`);
        }
        parts.push(
          total === undefined
            ? `${m.steps} step${m.steps === 1 ? "" : "s"}`
            : `${m.steps}/${total}`,
        );
        parts.push(`loss ${formatValue(m.loss)}`);
        for (const [k, v] of Object.entries(m.metrics())) parts.push(`${k} ${formatValue(v)}`);
        const seconds = (t - m.start) / 1000;
        parts.push(`${seconds > 0 ? Math.round(m.samples / seconds) : 0} samples/s`);
        if (done) parts.push(`${seconds.toFixed(2)}s`);
        return parts.join(" ");
      };
      const finish = () => {
        if (meter === undefined) return;
        const t = now();
        write(tty ? `\r\x1b[2K${line(meter, t, true)}\n` : `${line(meter, t, true)}\n`);
        drawn = false;
        meter = undefined;
        start = t;
      };
      const onStep = (ctx: StepCtx) => {
        if (meter !== undefined && ctx.batch.epoch !== meter.epoch) finish();
        meter ??= new EpochMeter(ctx.batch.epoch, start, metrics);
        meter.add(ctx);
        if (endsEpoch(ctx)) {
          finish();
        } else if (tty) {
          const t = now();
          if (t - lastDraw >= refreshMs) {
            write(`\r\x1b[2K${line(meter, t, false)}`);
            lastDraw = t;
            drawn = true;
          }
        }
      };
      return source.pipe(tap({
        next: (ctx) => onStep(ctx as StepCtx),
        error: () => {
          if (drawn) write("\n");
          drawn = false;
          meter = undefined;
        },
        complete: finish,
        // Stopped from downstream (take, takeWhile): report the partial epoch.
        unsubscribe: finish,
      }));
    });
}
