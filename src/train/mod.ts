/**
 * Training as an RxJS pipeline.
 *
 * - {@linkcode batches} turns a {@linkcode Dataset} into a lazy source of {@linkcode Batch}es,
 *   reshuffled every epoch from a key.
 * - {@linkcode initTrain} builds the {@linkcode TrainState}: the one value that loops back
 *   from step to step (params, model state, optimiser state, step, epoch, key).
 * - The stage operators {@linkcode forward}, {@linkcode backward}, {@linkcode regularize} and
 *   {@linkcode step} each map a {@linkcode StepCtx} to the next; put any RxJS operator between
 *   them. {@linkcode train} composes the usual four.
 * - {@linkcode fit} pulls one batch per step, runs the stages and threads the state; it emits
 *   every step and stops pulling when you unsubscribe.
 * - {@linkcode evaluate}, the metrics, {@linkcode epochSummaries} and {@linkcode progress}
 *   measure and report.
 *
 * @example
 * ```ts
 * import { backward, batches, fit, forward, initTrain, step } from "./mod.ts";
 * import { sgd } from "../optim/mod.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import { key } from "../random.ts";
 * import { fromTypedArray, tensor, type Tensor } from "../tensor.ts";
 * import { lastValueFrom, map, takeWhile } from "rxjs";
 * // A one-weight model y = w·x, trained towards w = 2 until the loss is small.
 * const model: Layer<{ w: Tensor }, null> = {
 *   init: () => ({ outShape: [1], params: { w: tensor([0]) }, state: null }),
 *   apply: ({ w }, state, x) => ({
 *     y: fromTypedArray(x.data.map((v) => v * w.data[0]), x.shape),
 *     state,
 *     vjp: (dy) => ({
 *       params: { w: tensor([Array.from(dy.data).reduce((s, g, i) => s + g * x.data[i], 0)]) },
 *       x: fromTypedArray(dy.data.map((g) => g * w.data[0]), dy.shape),
 *     }),
 *   }),
 * };
 * const mse = (p: Tensor, t: Tensor): [number, Tensor] => {
 *   const d = Array.from(p.data, (v, i) => v - t.data[i]);
 *   return [d.reduce((s, v) => s + v * v, 0) / d.length, tensor(d.map((v) => (2 * v) / d.length), p.shape)];
 * };
 * const optimizer = sgd(0.1);
 * const data = { x: tensor([[1], [2], [-1], [0.5]]), y: tensor([[2], [4], [-2], [1]]) };
 * const losses = await lastValueFrom(
 *   fit(initTrain(model, optimizer, key(0), [1]), batches(data, { batchSize: 2, shuffle: key(1) }),
 *     forward(model), backward(mse), step(optimizer)).pipe(
 *     takeWhile((ctx) => ctx.loss! > 1e-6),
 *     map((ctx) => ctx.state.step),
 *   ),
 * );
 * if (losses > 1000) throw new Error("training did not converge");
 * ```
 *
 * @module
 */

export * from "./dataset.ts";
export * from "./batches.ts";
export * from "./source.ts";
export * from "./state.ts";
export * from "./context.ts";
export * from "./errors.ts";
export * from "./stages.ts";
export * from "./fit.ts";
export * from "./metrics.ts";
export * from "./evaluate.ts";
export * from "./epochs.ts";
export * from "./progress.ts";
