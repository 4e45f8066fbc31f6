/**
 * The gradstream side of `bench/lstm_compare.ts`: the LSTM of the comparison written the way
 * a user writes it, `serial(lstm(128, { output: "last" }), dense(10))` over `[batch, 28, 28]`
 * batches, trained with `fit(initTrain(...), batches(...), forward, backward, step(adam))` on
 * the backend given as a value.
 *
 * @module
 */

import { lastValueFrom, take, tap } from "rxjs";
import { backend as backendNamed } from "../src/kernels/select.ts";
import type { BackendName } from "../src/kernels/kernels.ts";
import { dense } from "../src/layers/dense.ts";
import { lstm } from "../src/layers/lstm.ts";
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
  LEARNING_RATE,
  PeakRss,
  type RunOptions,
  type RunResult,
  StepClock,
} from "./_common.ts";
import { CLASSES, FEATURES, HIDDEN, TIME_STEPS } from "./_lstm_shape.ts";

/** Trains the LSTM on `data` with gradstream's `backend`; samples per second after warm-up. */
export async function runGradstreamLstm(
  backend: BackendName,
  data: BenchData,
  options: RunOptions,
): Promise<RunResult> {
  const peak = new PeakRss();
  const be = backendNamed(backend); // throws, saying why, if it cannot run here
  const model = serial(lstm(HIDDEN, { output: "last" }), dense(CLASSES));
  const optimizer = adam(LEARNING_RATE, ADAM);
  const dataset = {
    x: fromTypedArray(data.x, [data.n, TIME_STEPS, FEATURES]), // each image, row by row
    y: fromTypedArray(Float32Array.from(data.labels), [data.n]),
  };
  const total = options.warmup + options.steps;
  const clock = new StepClock();
  let firstLoss = NaN, lastLoss = NaN;
  await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [TIME_STEPS, FEATURES], { backend: be }),
      batches(dataset, { batchSize: BATCH_SIZE, dropLast: true }),
      forward(model),
      backward(softmaxCrossEntropy),
      step(optimizer),
    ).pipe(
      take(total),
      tap((ctx) => {
        peak.sample();
        const n = ctx.state.step;
        if (n === options.warmup) clock.start(); // the last warm-up step has ended
        else if (n > options.warmup) clock.lap();
        if (n === options.warmup + 1) firstLoss = ctx.loss!;
        if (n === total) lastLoss = ctx.loss!;
      }),
    ),
  );
  return {
    config: `gradstream-${be.name}`,
    detail: `${be.description}, lstm layer`,
    ...clock.summary(),
    peakRssBytes: peak.bytes(),
    firstLoss,
    lastLoss,
  };
}
