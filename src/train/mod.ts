/**
 * Training as an RxJS pipeline.
 *
 * - {@linkcode batches} turns a `Dataset` into a lazy source of {@linkcode Batch}es,
 *   reshuffled every epoch from a key.
 * - {@linkcode initTrain} builds the {@linkcode TrainState}: the one value that loops back
 *   from step to step (params, model state, optimiser state, step, epoch, key).
 * - The stage operators {@linkcode forward}, {@linkcode backward}, {@linkcode regularize} and
 *   {@linkcode step} each map a {@linkcode StepCtx} to the next; put any RxJS operator between
 *   them. {@linkcode train} composes the usual four.
 * - {@linkcode fit} composes the stages once over the stream of batches and loops the state
 *   back from `step`; it pulls one batch at a time and stops pulling when you unsubscribe.
 *   Stateful operators between stages keep their state: {@linkcode accumulateGrads}
 *   (`bufferCount` + {@linkcode mergeGrads}) and {@linkcode emaParams} (a `scan`).
 * - {@linkcode evaluate}, the metrics, {@linkcode epochSummaries} and {@linkcode progress}
 *   measure and report.
 *
 * @example
 * ```ts
 * import {
 *   accuracy, adam, batches, dense, epochSummaries, evaluate, fit, formatSummary, initTrain, key,
 *   reluLayer, serial, softmaxCrossEntropy, train, twoMoons,
 * } from "../../mod.ts";
 * import { lastValueFrom, tap, toArray } from "rxjs";
 * const model = serial(dense(16), reluLayer(), dense(2));
 * const optimizer = adam(0.02);
 * const trainSet = twoMoons(key(1), 256), valSet = twoMoons(key(2), 128);
 * const history = await lastValueFrom(
 *   fit(
 *     initTrain(model, optimizer, key(0), [2]),
 *     batches(trainSet, { batchSize: 32, shuffle: key(3), epochs: 10 }),
 *     train({ model, loss: softmaxCrossEntropy, optimizer }),
 *   ).pipe(
 *     epochSummaries({
 *       validate: (s) => evaluate(model, s, valSet, { loss: softmaxCrossEntropy, metrics: { accuracy } }),
 *     }),
 *     tap((summary) => console.log(formatSummary(summary))),
 *     toArray(),
 *   ),
 * );
 * if (!(history[9].valAccuracy! > 0.8)) throw new Error("did not learn the moons");
 * ```
 *
 * @module
 */

export * from "./batches.ts";
export * from "./source.ts";
export * from "./state.ts";
export * from "./context.ts";
export * from "./errors.ts";
export * from "./stages.ts";
export * from "./train.ts";
export * from "./fit.ts";
export * from "./accumulate.ts";
export * from "./stream_batches.ts";
export * from "./metrics.ts";
export * from "./evaluate.ts";
export * from "./epochs.ts";
export * from "./progress.ts";
export * from "./predict.ts";
export * from "./model_file.ts";
export * from "./history.ts";
export * from "./perceptron.ts";
export * from "./novikoff.ts";
