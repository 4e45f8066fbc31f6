/**
 * Per-epoch running statistics shared by `epochSummaries` and `progress`, and the loop both
 * run over the steps. Internal.
 *
 * @module
 */

import type { Observable, Subscriber, TeardownLogic } from "rxjs";
import { untraced } from "../autodiff/ops.ts";
import type { Tree } from "../tree.ts";
import type { StepCtx } from "./context.ts";
import type { Metric } from "./metrics.ts";
import type { TrainState } from "./state.ts";

/** Running sums over one epoch's steps; every mean is weighted by batch size. */
export class EpochMeter {
  readonly epoch: number;
  steps = 0;
  samples = 0;
  /** Milliseconds spent training: the sum over steps of the time each took to arrive. */
  ms = 0;
  /** Batches in the epoch, when the source says. */
  batchCount: number | undefined;
  #lossSamples = 0;
  #lossSum = 0;
  readonly #names: string[];
  readonly #metrics: Readonly<Record<string, Metric>>;
  readonly #sums: Float64Array;
  #metricSamples = 0;
  readonly #aux = new Map<string, { sum: number; samples: number }>();

  constructor(epoch: number, metrics: Readonly<Record<string, Metric>>) {
    this.epoch = epoch;
    this.#metrics = metrics;
    this.#names = Object.keys(metrics);
    this.#sums = new Float64Array(this.#names.length);
  }

  add(ctx: StepCtx, ms: number): void {
    const size = ctx.batch.size;
    this.steps++;
    this.samples += size;
    this.ms += ms;
    this.batchCount = ctx.batch.batchCount;
    const loss = ctx.dataLoss ?? ctx.loss;
    if (loss !== undefined) {
      this.#lossSum += size * loss;
      this.#lossSamples += size;
    }
    for (const [name, value] of Object.entries(ctx.auxLosses ?? {})) {
      const a = this.#aux.get(name) ?? { sum: 0, samples: 0 };
      a.sum += size * value;
      a.samples += size;
      this.#aux.set(name, a);
    }
    if (this.#names.length > 0 && ctx.y !== undefined) {
      // Metrics compute on the run's backend, untraced (the step's trace is done with).
      const t = ctx.state.backend === undefined ? undefined : untraced(ctx.state.backend);
      for (let m = 0; m < this.#names.length; m++) {
        this.#sums[m] += size * this.#metrics[this.#names[m]](ctx.y, ctx.batch.y, t);
      }
      this.#metricSamples += size;
    }
  }

  /** Mean data loss so far (`dataLoss`, else `loss`; NaN before any step reported one). */
  get loss(): number {
    return this.#lossSamples === 0 ? NaN : this.#lossSum / this.#lossSamples;
  }

  /** Mean of each auxiliary loss term (a model's `aux`) so far, by name. */
  aux(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, a] of this.#aux) out[name] = a.sum / a.samples;
    return out;
  }

  /** Mean of each training metric so far, by name. */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let m = 0; m < this.#names.length; m++) {
      out[this.#names[m]] = this.#metricSamples === 0 ? NaN : this.#sums[m] / this.#metricSamples;
    }
    return out;
  }
}

/** True when the batch is known to be its epoch's last. */
export function endsEpoch(ctx: StepCtx): boolean {
  const { batchCount, index } = ctx.batch;
  return batchCount !== undefined && index === batchCount - 1;
}

/** Milliseconds from a monotonic clock. */
export function defaultNow(): number {
  return performance.now();
}

/** What {@linkcode watchEpochs} calls; each runs synchronously inside the step's delivery. */
export interface EpochHooks<P extends Tree, S extends Tree> {
  /** The first step arrived (before it is counted): the place for a header. */
  first?(ctx: StepCtx<P, S>): void;
  /** A step was counted and did not end its epoch; `t` is when it arrived. */
  step?(meter: EpochMeter, t: number): void;
  /** The step itself, after it was counted (and its epoch ended, if it was the last). */
  pass?(ctx: StepCtx<P, S>): void;
  /** An epoch ended (last batch, next epoch's first batch, or completion). */
  end(meter: EpochMeter, state: TrainState<P, S>): void;
  /** Unsubscribed from downstream with an epoch under way. */
  stopped?(meter: EpochMeter): void;
  /** The steps failed; the error goes on to `sink` after this. */
  failed?(): void;
}

/**
 * Subscribes to the steps and groups them into epochs, for an operator whose output goes to
 * `sink`. Time is charged to an epoch only from the moment the previous step was fully
 * handled (including whatever `end` and `pass` did downstream: validation, logging) to the
 * moment the next step arrives, so an epoch's `ms` is training alone. Errors thrown by a
 * hook or a metric go to `sink`, as RxJS's own operators do.
 */
export function watchEpochs<P extends Tree, S extends Tree>(
  source: Observable<StepCtx<P, S>>,
  sink: Subscriber<unknown>,
  options: { metrics: Readonly<Record<string, Metric>>; now: () => number },
  hooks: EpochHooks<P, S>,
): TeardownLogic {
  const { metrics, now } = options;
  let ready = now();
  let meter: EpochMeter | undefined;
  let last: TrainState<P, S> | undefined;
  let started = false;
  const close = () => {
    if (meter === undefined || last === undefined) return;
    const m = meter;
    meter = undefined;
    hooks.end(m, last);
  };
  const subscription = source.subscribe({
    next: (ctx) => {
      try {
        if (!started) {
          started = true;
          hooks.first?.(ctx);
        }
        const t = now();
        if (meter !== undefined && ctx.batch.epoch !== meter.epoch) close();
        if (sink.closed) return;
        meter ??= new EpochMeter(ctx.batch.epoch, metrics);
        meter.add(ctx as StepCtx, t - ready);
        last = ctx.state;
        if (endsEpoch(ctx as StepCtx)) close();
        else hooks.step?.(meter, t);
        if (sink.closed) return;
        hooks.pass?.(ctx);
        ready = now();
      } catch (e) {
        meter = undefined;
        hooks.failed?.();
        sink.error(e);
      }
    },
    error: (e) => {
      meter = undefined;
      hooks.failed?.();
      sink.error(e);
    },
    complete: () => {
      try {
        close();
      } catch (e) {
        hooks.failed?.();
        sink.error(e);
        return;
      }
      sink.complete();
    },
  });
  return () => {
    subscription.unsubscribe();
    if (meter !== undefined) hooks.stopped?.(meter);
    meter = undefined;
  };
}
