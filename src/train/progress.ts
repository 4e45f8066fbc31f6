/**
 * A progress display for long runs: a live per-epoch bar on a terminal, one plain line per
 * epoch otherwise (logs, CI, pipes).
 *
 * @module
 */

import { type MonoTypeOperatorFunction, Observable } from "rxjs";
import type { Tree } from "../tree.ts";
import {
  checkDisplayOptions,
  checkMeterOptions,
  EpochDisplay,
  type ProgressDisplayOptions,
} from "./_epoch_display.ts";
import { defaultNow, watchEpochs } from "./_epoch_meter.ts";
import type { StepCtx } from "./context.ts";
import type { Metric } from "./metrics.ts";

export type { ProgressDisplayOptions } from "./_epoch_display.ts";
export { stdoutIsTerminal, terminalColumns } from "./_terminal.ts";

/** Options of {@linkcode progress}. */
export interface ProgressOptions extends ProgressDisplayOptions {
  /** Metrics averaged over the training batches, e.g. `{ accuracy }`. */
  metrics?: Readonly<Record<string, Metric>>;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * A pass-through operator that reports training progress: put it after `fit(...)` (before
 * any `take`/`takeWhile`, so a run cut short still gets its last line).
 *
 * On a terminal it redraws one line for the current epoch, in place: a bar, the steps, the
 * running mean loss, the training metrics, the time so far and the time left in the epoch
 * at the pace so far, and samples/s. The line always fits the terminal's width (read again
 * at each redraw): when it is narrow samples/s goes first (the finished line has it), then
 * the bar, the metrics, the elapsed time, the ETA; it never wraps, so a redraw never leaves
 * stale rows behind. The finished epoch's line replaces it, wrapped onto a second row when
 * it is wider than the terminal. From `examples/mnist_mlp.ts --quick` (which shows
 * validation through `epochSummaries({ progress })`) in a 120-column terminal, mid-epoch and
 * then at its end:
 *
 * ```text
 * epoch 1/2 [####################----] 67/79 loss 0.8484 accuracy 0.7399 1.5s eta 0.3s 5713 samples/s
 * epoch 1/2 79/79 loss 0.7750 accuracy 0.7643 val loss 0.2899 val accuracy 0.9158 5593 samples/s 1.79s
 * ```
 *
 * When standard output is not a terminal (a pipe, a CI log) it writes only the finished
 * epochs, one plain line each, with no carriage returns or escape codes:
 *
 * ```text
 * backend: ts (reference)
 * epoch 1 469/469 loss 0.3120 accuracy 0.9105 23410 samples/s 2.56s
 * ```
 *
 * Epochs are shown from 1. A run that stops mid-epoch (completes or is unsubscribed) gets
 * its partial line; an error ends the bar's line first so the message is not drawn over.
 *
 * The time and samples/s are training only: each step is charged from the moment the
 * previous step had been handled downstream to its own arrival, so whatever runs downstream
 * between steps (validation, checkpoints, logging) is not counted.
 *
 * To show validation results too, use `epochSummaries({ validate, progress: {...} })` instead
 * of this operator: it draws the same bar and ends each epoch with one line that includes
 * the validation loss and metrics (`... accuracy 0.9105 val loss 0.2010 val accuracy 0.9420
 * 23410 samples/s 2.56s`), where `progress` followed by `epochSummaries` would print the
 * epoch before validation ran.
 *
 * @example
 * ```ts
 * import { progress } from "./progress.ts";
 * import { from, lastValueFrom } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const steps = [0, 1].map((index) => ({
 *   state, loss: 0.5, batch: { x: tensor([[0]]), y: tensor([0]), epoch: 0, index, size: 10, batchCount: 2 },
 * }));
 * // A clock that reads 250 ms later each time: each step is charged 250 ms.
 * let out = "", t = 0;
 * await lastValueFrom(from(steps).pipe(progress({ write: (s) => (out += s), tty: false, now: () => (t += 250) })));
 * if (out !== "epoch 1 2/2 loss 0.5000 40 samples/s 0.50s\n") throw new Error(out);
 * ```
 */
export function progress<P extends Tree, S extends Tree>(
  options: ProgressOptions = {},
): MonoTypeOperatorFunction<StepCtx<P, S>> {
  checkDisplayOptions("progress", options, ["metrics", "now"]);
  const { metrics = {}, now = defaultNow } = options;
  checkMeterOptions("progress", metrics, now);
  return (source) =>
    new Observable<StepCtx<P, S>>((subscriber) => {
      const display = new EpochDisplay(options);
      return watchEpochs(source, subscriber, { metrics, now }, {
        first: (ctx) => display.begin(ctx.state.backend),
        step: (m, t) => display.update(m, t),
        end: (m) => display.end(m),
        pass: (ctx) => subscriber.next(ctx),
        // Stopped from downstream (take, takeWhile): report the partial epoch.
        stopped: (m) => display.end(m),
        failed: () => display.abort(),
      });
    });
}
