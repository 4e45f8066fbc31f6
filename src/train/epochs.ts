/**
 * Per-epoch summaries: the history of a run, with validation after every epoch.
 *
 * @module
 */

import { Observable, type OperatorFunction } from "rxjs";
import type { Tree } from "../tree.ts";
import {
  checkDisplayOptions,
  checkMeterOptions,
  EpochDisplay,
  formatValue,
  type ProgressDisplayOptions,
} from "./_epoch_display.ts";
import { defaultNow, watchEpochs } from "./_epoch_meter.ts";
import type { StepCtx } from "./context.ts";
import type { Evaluation } from "./evaluate.ts";
import type { Metric } from "./metrics.ts";
import type { TrainState } from "./state.ts";
import { checkOptions } from "../_checks.ts";

export { formatValue } from "./_epoch_display.ts";

/** What happened in one epoch. */
export interface EpochSummary<P extends Tree = Tree, S extends Tree = Tree> {
  /** The epoch (0-based, as in `Batch.epoch`). */
  readonly epoch: number;
  /** Steps taken in the epoch. */
  readonly steps: number;
  /** Training examples seen in the epoch. */
  readonly samples: number;
  /** Mean data loss over the epoch's training batches, weighted by batch size. */
  readonly trainLoss: number;
  /** The training metrics' means over the epoch (as measured during the steps). */
  readonly train: Evaluation;
  /** `validate(state)` at the end of the epoch, when a `validate` was given. */
  readonly val?: Evaluation;
  /** `val.loss`, if any. */
  readonly valLoss?: number;
  /** `val.accuracy`, if any. */
  readonly valAccuracy?: number;
  /** Training throughput: `samples / seconds`. */
  readonly samplesPerSec: number;
  /**
   * Seconds the epoch's training took: each step is charged from the moment the previous one
   * had been handled downstream to its own arrival, so validation, and whatever runs
   * downstream of the summaries, is excluded.
   */
  readonly seconds: number;
  /** The training state at the end of the epoch (for checkpoints or early stopping). */
  readonly state: TrainState<P, S>;
}

/** Options of {@linkcode epochSummaries}. */
export interface EpochSummaryOptions<P extends Tree, S extends Tree> {
  /** Called with the state at the end of each epoch, e.g. `(s) => evaluate(model, s, val, ...)`. */
  // `never` as the optimiser state: a function of any run's state (typed by its optimiser, as
  // `typeof initial` is) fits here.
  validate?: (state: TrainState<P, S, never>) => Evaluation;
  /** Metrics averaged over the training batches' predictions, e.g. `{ accuracy }`. */
  metrics?: Readonly<Record<string, Metric>>;
  /** Clock in milliseconds (default `performance.now`); tests inject a fake one. */
  now?: () => number;
  /**
   * Show progress as `progress` does (a live bar on a terminal), ending each epoch with one
   * line that includes the validation results: `epoch 3/20 157/157 loss 0.1380 accuracy
   * 0.9586 val loss 0.1402 val accuracy 0.9575 5768 samples/s 3.47s`. `true` for the
   * defaults; the line's figures are the summary's.
   */
  progress?: boolean | ProgressDisplayOptions;
}

/**
 * Turns the stream of steps from `fit` into one {@linkcode EpochSummary} per epoch. An epoch
 * ends after its last batch (when the source reports `batchCount`), when a batch of a later
 * epoch arrives, or when the run completes (a partial last epoch is summarised too).
 * Validation runs synchronously between steps, so training waits for it; it is not counted
 * in the epoch's `seconds`.
 *
 * With the `progress` option it also shows the run, as the `progress` operator does, but
 * writes each epoch's line after validation, so training and validation figures share one
 * line per epoch (use it instead of `progress`, not with it):
 *
 * ```text
 * backend: blas (OpenBLAS 0.3.21 Haswell, 2 threads, ...)
 * epoch 1/20 157/157 loss 0.9242 accuracy 0.7202 val loss 0.3345 val accuracy 0.9010 6026 samples/s 3.32s
 * ```
 *
 * @example
 * ```ts
 * import { epochSummaries } from "./epochs.ts";
 * import { from, lastValueFrom, toArray } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const ctx = (epoch: number, index: number, loss: number) => ({
 *   state, loss, batch: { x: tensor([[0]]), y: tensor([0]), epoch, index, size: 1, batchCount: 2 },
 * });
 * const history = await lastValueFrom(
 *   from([ctx(0, 0, 4), ctx(0, 1, 2), ctx(1, 0, 1), ctx(1, 1, 1)]).pipe(
 *     epochSummaries({ validate: () => ({ loss: 0.5 }) }), toArray(),
 *   ),
 * );
 * if (history.map((s) => s.trainLoss).join() !== "3,1" || history[0].valLoss !== 0.5) {
 *   throw new Error("unexpected");
 * }
 * ```
 *
 * @example One line per epoch, validation included
 * ```ts
 * import { epochSummaries } from "./epochs.ts";
 * import { from, lastValueFrom } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const ctx = (index: number) => ({
 *   state, loss: 0.5, batch: { x: tensor([[0]]), y: tensor([0]), epoch: 0, index, size: 10, batchCount: 2 },
 * });
 * let out = "", t = 0;
 * await lastValueFrom(from([ctx(0), ctx(1)]).pipe(epochSummaries({
 *   validate: () => ({ loss: 0.25 }),
 *   progress: { epochs: 5, tty: false, write: (s) => (out += s) },
 *   now: () => (t += 250), // each step is charged 250 ms
 * })));
 * if (out !== "epoch 1/5 2/2 loss 0.5000 val loss 0.2500 40 samples/s 0.50s\n") throw new Error(out);
 * ```
 */
export function epochSummaries<P extends Tree, S extends Tree>(
  options: EpochSummaryOptions<P, S> = {},
): OperatorFunction<StepCtx<P, S>, EpochSummary<P, S>> {
  const { validate, metrics = {}, now = defaultNow, progress = false } = checkOptions(
    "epochSummaries",
    options,
    ["validate", "metrics", "now", "progress"],
  );
  checkMeterOptions("epochSummaries", metrics, now);
  if (validate !== undefined && typeof validate !== "function") {
    throw new TypeError(
      `epochSummaries: validate must be a function (state) => evaluation, got ${typeof validate}`,
    );
  }
  const show = progress === false ? undefined : progress === true ? {} : progress;
  if (show !== undefined) checkDisplayOptions("epochSummaries", show, [], "progress");
  return (source) =>
    new Observable<EpochSummary<P, S>>((subscriber) => {
      const display = show === undefined ? undefined : new EpochDisplay(show);
      return watchEpochs(source, subscriber, { metrics, now }, {
        first: (ctx) => display?.begin(ctx.state.backend),
        step: (m, t) => display?.update(m, t),
        end: (m, state) => {
          const val = validate?.(state as TrainState<P, S, never>);
          display?.end(m, val);
          const seconds = m.ms / 1000;
          subscriber.next({
            epoch: m.epoch,
            steps: m.steps,
            samples: m.samples,
            trainLoss: m.loss,
            train: { loss: m.loss, ...m.aux(), ...m.metrics() },
            ...(val === undefined ? {} : { val, valLoss: val.loss, valAccuracy: val.accuracy }),
            samplesPerSec: m.samples / seconds,
            seconds,
            state,
          });
        },
        // An epoch cut short from downstream is not summarised (nothing could receive it),
        // but its line is finished.
        stopped: (m) => display?.end(m),
        failed: () => display?.abort(),
      });
    });
}

/**
 * One plain line for a summary: `epoch 1: loss 0.3120, val loss 0.2010, val accuracy 0.9420,
 * 23410 samples/s, 2.56s` (epochs counted from 1, as people do).
 *
 * @example
 * ```ts
 * import { formatSummary } from "./epochs.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 4, epoch: 0, key: key(0) };
 * const line = formatSummary({
 *   epoch: 0, steps: 4, samples: 100, trainLoss: 0.5, train: { loss: 0.5 },
 *   val: { loss: 0.25, accuracy: 0.9 }, samplesPerSec: 200, seconds: 0.5, state,
 * });
 * if (line !== "epoch 1: loss 0.5000, val loss 0.2500, val accuracy 0.9000, 200 samples/s, 0.50s") {
 *   throw new Error(line);
 * }
 * ```
 */
export function formatSummary(summary: EpochSummary): string {
  const parts = Object.entries(summary.train).map(([k, v]) => `${k} ${formatValue(v)}`);
  for (const [k, v] of Object.entries(summary.val ?? {})) parts.push(`val ${k} ${formatValue(v)}`);
  parts.push(`${Math.round(summary.samplesPerSec)} samples/s`, `${summary.seconds.toFixed(2)}s`);
  return `epoch ${summary.epoch + 1}: ${parts.join(", ")}`;
}
