/**
 * The training loop: pull one batch, run the stages, loop the new state back.
 *
 * @module
 */

import {
  concatMap,
  defaultIfEmpty,
  defer,
  expand,
  filter,
  finalize,
  from,
  map,
  type Observable,
  of,
  type OperatorFunction,
  takeLast,
  takeWhile,
} from "rxjs";
import type { Tree } from "../tree.ts";
import type { Batch } from "./batches.ts";
import type { StepCtx } from "./context.ts";
import { openSource, type Source } from "./source.ts";
import type { TrainState } from "./state.ts";

/** One pass of the stages: the context they emitted last, or none (the batch was skipped). */
interface Outcome<P extends Tree, S extends Tree> {
  readonly state: TrainState<P, S>;
  readonly ctx?: StepCtx<P, S>;
}

/**
 * Trains: for each batch pulled from `source`, runs `of({ state, batch }).pipe(...stages)`
 * and feeds the state of the context it emitted into the next step. The state is the one
 * value that loops back, threaded by a single `expand`; everything else is in the stages.
 *
 * The returned observable emits each step's final context (loss, grads, the new `state`) and
 * completes when the source is exhausted. It is cold and lazy: nothing is pulled until you
 * subscribe, and the next batch is pulled only after the previous step finished, even when
 * stages are asynchronous. Unsubscribing (`take`, `takeWhile`, `takeUntil`) stops pulling
 * and closes the source. Errors thrown by a stage (e.g. `NonFiniteLossError`) end the run.
 *
 * If the stages emit nothing for a batch (a `filter` that skips it), the state carries over
 * unchanged; if they emit several contexts, the last one counts.
 *
 * @example
 * ```ts
 * import { fit } from "./fit.ts";
 * import { forward, backward, step } from "./stages.ts";
 * import { batches } from "./batches.ts";
 * import { initTrain } from "./state.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import type { Transform } from "../optim/transform.ts";
 * import { key } from "../random.ts";
 * import { fromTypedArray, tensor, type Tensor } from "../tensor.ts";
 * import { treeMap } from "../tree.ts";
 * import { lastValueFrom } from "rxjs";
 * // y = w * x with one weight, squared error, plain gradient descent.
 * const scaleLayer: Layer<{ w: Tensor }, null> = {
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
 * const sgd: Transform<null> = {
 *   init: () => null,
 *   update: (g, s) => [treeMap((t) => fromTypedArray(t.data.map((v) => -0.1 * v), t.shape), g), s],
 * };
 * const data = { x: tensor([[1], [2], [3]]), y: tensor([[3], [6], [9]]) };
 * const last = await lastValueFrom(
 *   fit(initTrain(scaleLayer, sgd, key(0), [1]), batches(data, { batchSize: 3, epochs: 50 }),
 *     forward(scaleLayer), backward(mse), step(sgd)),
 * );
 * if (Math.abs(last.state.params.w.data[0] - 3) > 1e-3) throw new Error("did not learn w = 3");
 * ```
 */
export function fit<P extends Tree, S extends Tree>(
  initial: TrainState<P, S>,
  source: Source<Batch>,
  ...stages: OperatorFunction<StepCtx<P, S>, StepCtx<P, S>>[]
): Observable<StepCtx<P, S>> {
  return defer(() => {
    const puller = openSource(source);
    const runStages = (state: TrainState<P, S>, batch: Batch): Observable<Outcome<P, S>> =>
      stages.reduce((o, op) => op(o), of<StepCtx<P, S>>({ state, batch })).pipe(
        takeLast(1),
        map((ctx): Outcome<P, S> => ({ state: ctx.state, ctx })),
        defaultIfEmpty<Outcome<P, S>, Outcome<P, S>>({ state }),
      );
    // One step: pull a batch (only now; a closed puller answers "done"), then run the stages.
    const next = (state: TrainState<P, S>): Observable<Outcome<P, S>> =>
      defer(() => from(puller.next())).pipe(
        takeWhile((r) => !r.done),
        concatMap((r) => runStages(state, r.value as Batch)),
      );
    return next(initial).pipe(
      expand((outcome) => next(outcome.state)),
      filter((outcome) => outcome.ctx !== undefined),
      map((outcome) => outcome.ctx as StepCtx<P, S>),
      finalize(() => puller.close()),
    );
  });
}
