/**
 * Per-epoch summaries: the history of a run, with validation after every epoch.
 *
 * @module
 */

import { concat, concatMap, defer, type OperatorFunction } from "rxjs";
import type { Tree } from "../tree.ts";
import { defaultNow, endsEpoch, EpochMeter } from "./_epoch_meter.ts";
import type { StepCtx } from "./context.ts";
import type { Evaluation } from "./evaluate.ts";
import type { Metric } from "./metrics.ts";
import type { TrainState } from "./state.ts";

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
  /** Wall-clock seconds the epoch's training took (validation excluded). */
  readonly seconds: number;
  /** The training state at the end of the epoch (for checkpoints or early stopping). */
  readonly state: TrainState<P, S>;
}

/** Options of {@linkcode epochSummaries}. */
export interface EpochSummaryOptions<P extends Tree, S extends Tree> {
  /** Called with the state at the end of each epoch, e.g. `(s) => evaluate(model, s, val, ...)`. */
  validate?: (state: TrainState<P, S>) => Evaluation;
  /** Metrics averaged over the training batches' predictions, e.g. `{ accuracy }`. */
  metrics?: Readonly<Record<string, Metric>>;
  /** Clock in milliseconds (default `performance.now`); tests inject a fake one. */
  now?: () => number;
}

/**
 * Turns the stream of steps from `fit` into one {@linkcode EpochSummary} per epoch. An epoch
 * ends after its last batch (when the source reports `batchCount`), when a batch of a later
 * epoch arrives, or when the run completes (a partial last epoch is summarised too).
 * Validation runs synchronously between steps, so training waits for it.
 *
 * @example
 * ```ts
 * import { epochSummaries } from "./epochs.ts";
 * import { from, lastValueFrom, toArray } from "rxjs";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: null, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) };
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
 */
export function epochSummaries<P extends Tree, S extends Tree>(
  options: EpochSummaryOptions<P, S> = {},
): OperatorFunction<StepCtx<P, S>, EpochSummary<P, S>> {
  const { validate, metrics = {}, now = defaultNow } = options;
  return (source) =>
    defer(() => {
      let start = now();
      let meter: EpochMeter | undefined;
      let last: TrainState<P, S> | undefined;
      const close = (): EpochSummary<P, S>[] => {
        if (meter === undefined || last === undefined) return [];
        const m = meter;
        meter = undefined;
        const seconds = (now() - start) / 1000;
        const val = validate?.(last);
        const summary: EpochSummary<P, S> = {
          epoch: m.epoch,
          steps: m.steps,
          samples: m.samples,
          trainLoss: m.loss,
          train: { loss: m.loss, ...m.metrics() },
          ...(val === undefined ? {} : { val, valLoss: val.loss, valAccuracy: val.accuracy }),
          samplesPerSec: m.samples / seconds,
          seconds,
          state: last,
        };
        start = now();
        return [summary];
      };
      const onStep = (ctx: StepCtx<P, S>): EpochSummary<P, S>[] => {
        const out = meter !== undefined && ctx.batch.epoch !== meter.epoch ? close() : [];
        meter ??= new EpochMeter(ctx.batch.epoch, start, metrics);
        meter.add(ctx as StepCtx);
        last = ctx.state;
        return endsEpoch(ctx as StepCtx) ? [...out, ...close()] : out;
      };
      // The pending epoch is closed when the steps complete (not when they fail).
      return concat(source.pipe(concatMap(onStep)), defer(close));
    });
}

/** Formats a number for logs: four decimals in the usual range, exponent notation outside. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  return a === 0 || (a >= 1e-3 && a < 1e5) ? v.toFixed(4) : v.toExponential(3);
}

/**
 * One plain line for a summary: `epoch 1: loss 0.3120, val loss 0.2010, val accuracy 0.9420,
 * 23410 samples/s, 2.56s` (epochs counted from 1, as people do).
 *
 * @example
 * ```ts
 * import { formatSummary } from "./epochs.ts";
 * import { key } from "../random.ts";
 * const state = { params: null, modelState: null, optState: null, step: 4, epoch: 0, key: key(0) };
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
