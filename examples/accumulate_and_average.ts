/**
 * Gradient accumulation and a moving average of the parameters, with ordinary RxJS operators
 * between the training stages. `fit` composes the stages once over the whole stream, so
 * `bufferCount(k)` gathers k batches' gradients (all computed from the same parameters) and
 * `map(mergeGrads)` averages them before one `step`: the step of a batch k times larger, in
 * the memory of one. A `scan` after `step` keeps an exponential moving average (EMA) of the
 * parameters, which usually generalises a little better than the last parameters. Prints
 * (seed 0, Deno 2.9.6 and Bun 1.4.5 alike):
 *
 * ```text
 * batches 640, steps 160 (= batches / 4)
 * test accuracy: raw params 0.9434, EMA 0.9453
 * ```
 *
 * ```sh
 * deno run examples/accumulate_and_average.ts
 * bun examples/accumulate_and_average.ts
 * ```
 *
 * @module
 */

import { bufferCount, lastValueFrom, map, scan, toArray } from "rxjs";
import {
  accuracy,
  adam,
  backward,
  batches,
  dense,
  evaluate,
  fit,
  forward,
  initTrain,
  key,
  mergeGrads,
  reluLayer,
  scalar,
  serial,
  softmaxCrossEntropy,
  step,
  type StepCtx,
  type Tensor,
  type Tree,
  treeMap,
  twoMoons,
} from "../mod.ts";
import { untraced } from "../src/autodiff/ops.ts";

const k = 4; // batches per step
const decay = 0.95; // the EMA's weight on its previous value
const batchSize = 16, epochs = 20;

const trainSet = twoMoons(key(1), 512, { noise: 0.25 });
const testSet = twoMoons(key(2), 512, { noise: 0.25 });
const model = serial(dense(32), reluLayer(), dense(32), reluLayer(), dense(2));
const optimizer = adam(0.05);
const initial = initTrain(model, optimizer, key(0), [2]);
const t = untraced(initial.backend);

type Ctx = StepCtx<typeof initial.params, typeof initial.modelState, typeof initial.optState>;
type WithEma = Ctx & { readonly ema: typeof initial.params };

// ema ← decay·ema + (1 − decay)·params, leaf by leaf, on the state's backend.
const average = <P extends Tree>(ema: P, params: P): P =>
  treeMap(
    (e: Tensor, p: Tensor) =>
      t.add(t.mul(e, scalar(decay, e.dtype)), t.mul(p, scalar(1 - decay, p.dtype))),
    ema,
    params,
  );

const run = await lastValueFrom(
  fit(
    initial,
    batches(trainSet, { batchSize, shuffle: key(3), epochs }),
    forward(model),
    backward(softmaxCrossEntropy),
    bufferCount(k), // k contexts, all from the same parameters
    map((group) => mergeGrads(group)), // their gradients averaged: accumulateGrads(k) is these two
    step(optimizer),
    // The average starts at the first step's parameters: emaParams(decay) is this scan.
    scan<Ctx, WithEma, undefined>((prev, ctx) => ({
      ...ctx,
      ema: prev === undefined ? ctx.state.params : average(prev.ema, ctx.state.params),
    }), undefined),
  ).pipe(toArray()),
);

const last = run[run.length - 1];
const batchesSeen = epochs * Math.ceil(trainSet.x.shape[0] / batchSize);
const metrics = { accuracy };
const raw = evaluate(model, last.state, testSet, { metrics });
const ema = evaluate(model, { ...last.state, params: last.ema }, testSet, { metrics });

console.log(`batches ${batchesSeen}, steps ${last.state.step} (= batches / ${k})`);
console.log(`test accuracy: raw params ${raw.accuracy.toFixed(4)}, EMA ${ema.accuracy.toFixed(4)}`);
