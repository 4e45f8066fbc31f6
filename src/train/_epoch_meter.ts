/**
 * Per-epoch running statistics shared by `epochSummaries` and `progress`. Internal.
 *
 * @module
 */

import type { StepCtx } from "./context.ts";
import type { Metric } from "./metrics.ts";

/** Running sums over one epoch's steps; every mean is weighted by batch size. */
export class EpochMeter {
  readonly epoch: number;
  readonly start: number;
  steps = 0;
  samples = 0;
  /** Batches in the epoch, when the source says. */
  batchCount: number | undefined;
  #lossSamples = 0;
  #lossSum = 0;
  readonly #names: string[];
  readonly #metrics: Readonly<Record<string, Metric>>;
  readonly #sums: Float64Array;
  #metricSamples = 0;

  constructor(epoch: number, start: number, metrics: Readonly<Record<string, Metric>>) {
    this.epoch = epoch;
    this.start = start;
    this.#metrics = metrics;
    this.#names = Object.keys(metrics);
    this.#sums = new Float64Array(this.#names.length);
  }

  add(ctx: StepCtx): void {
    const size = ctx.batch.size;
    this.steps++;
    this.samples += size;
    this.batchCount = ctx.batch.batchCount;
    if (ctx.loss !== undefined) {
      this.#lossSum += size * ctx.loss;
      this.#lossSamples += size;
    }
    if (this.#names.length > 0 && ctx.y !== undefined) {
      for (let m = 0; m < this.#names.length; m++) {
        this.#sums[m] += size * this.#metrics[this.#names[m]](ctx.y, ctx.batch.y);
      }
      this.#metricSamples += size;
    }
  }

  /** Mean data loss so far (NaN before any step reported one). */
  get loss(): number {
    return this.#lossSamples === 0 ? NaN : this.#lossSum / this.#lossSamples;
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
