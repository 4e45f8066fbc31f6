/**
 * The gradstream side of `bench/compare.ts`: the MLP 784-256-128-10 trained the way a user
 * writes it, `fit(initTrain(...), batches(...), forward(model), backward(loss), step(adam))`,
 * with the backend passed as a value (`initTrain(..., { backend })`). `tap` operators between the stages time each stage, which is the
 * pipeline's own way of letting a user look inside a step.
 *
 * @module
 */

import { lastValueFrom, type MonoTypeOperatorFunction, take, tap } from "rxjs";
import { backend as backendNamed } from "../src/kernels/select.ts";
import type { Backend, BackendName } from "../src/kernels/kernels.ts";
import { dense } from "../src/layers/dense.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { serial } from "../src/layers/serial.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { adam } from "../src/optim/aliases.ts";
import { key } from "../src/random.ts";
import { fromTypedArray } from "../src/tensor.ts";
import { batches } from "../src/train/batches.ts";
import { fit } from "../src/train/fit.ts";
import { backward, forward, step } from "../src/train/stages.ts";
import { initTrain } from "../src/train/state.ts";
import {
  ADAM,
  BATCH_SIZE,
  type BenchData,
  LAYER_SIZES,
  LEARNING_RATE,
  PeakRss,
  type RunOptions,
  type RunResult,
  StepClock,
} from "./_common.ts";

/** The benchmark's model: dense layers with Glorot-uniform weights and zero biases, ReLU between. */
export function mlp() {
  return serial(dense(LAYER_SIZES[1]), reluLayer(), dense(LAYER_SIZES[2]), reluLayer(), dense(10));
}

/** Seconds spent per stage over the timed steps (the rest is batching and the loop). */
type StageTimes = { -readonly [K in keyof NonNullable<RunResult["stages"]>]: number };

/** Trains the MLP on `data` with gradstream's `backend`; samples per second after warm-up. */
export async function runGradstream(
  backend: BackendName | Backend,
  data: BenchData,
  options: RunOptions,
): Promise<RunResult> {
  if (!(options.warmup >= 1)) {
    // The clock starts when the last warm-up step ends.
    throw new RangeError(`runGradstream: needs at least one warm-up step, got ${options.warmup}`);
  }
  const peak = new PeakRss();
  // Throws, saying why, if this backend cannot run here.
  const be = typeof backend === "string" ? backendNamed(backend) : backend;
  const model = mlp();
  const optimizer = adam(LEARNING_RATE, ADAM);
  const features = LAYER_SIZES[0];
  const dataset = {
    x: fromTypedArray(data.x, [data.n, features]),
    y: fromTypedArray(Float32Array.from(data.labels), [data.n]),
  };
  const source = batches(dataset, { batchSize: BATCH_SIZE, dropLast: true });

  // Stage clocks: a tap before each stage notes the time; the next tap charges the difference.
  const stages: StageTimes = { forward: 0, backward: 0, step: 0 };
  let timing = false;
  let mark = 0;
  const stageClock = <T>(charge?: keyof StageTimes): MonoTypeOperatorFunction<T> =>
    tap<T>(() => {
      const now = performance.now();
      if (timing && charge !== undefined) stages[charge] += (now - mark) / 1000;
      mark = now;
    });

  const total = options.warmup + options.steps;
  const clock = new StepClock();
  let firstLoss = NaN, lastLoss = NaN;
  await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [features], { backend: be }),
      source,
      stageClock(),
      forward(model),
      stageClock("forward"),
      backward(softmaxCrossEntropy),
      stageClock("backward"),
      step(optimizer),
      stageClock("step"),
    ).pipe(
      take(total),
      tap((ctx) => {
        peak.sample();
        const n = ctx.state.step;
        if (n === options.warmup) { // the last warm-up step: the clock starts now
          timing = true;
          clock.start();
        } else if (timing) clock.lap();
        if (n === options.warmup + 1) firstLoss = ctx.loss!;
        if (n === total) lastLoss = ctx.loss!;
      }),
    ),
  );
  const summary = clock.summary();
  return {
    config: `gradstream-${be.name}`,
    detail: be.description,
    ...summary,
    peakRssBytes: peak.bytes(),
    firstLoss,
    lastLoss,
    stages,
  };
}
