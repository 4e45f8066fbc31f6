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
import { checkFunction, checkIterable, checkKey, describeValue } from "../_checks.ts";

/** The fields of a training state, as `initTrain` makes it (a `TypeError` naming `op`). */
function checkTrainState(op: string, s: unknown): void {
  const t = s as Partial<TrainState> | null;
  if (
    typeof t !== "object" || t === null || !("params" in t) || !("modelState" in t) ||
    !("optState" in t) || typeof t.step !== "number" || typeof t.epoch !== "number"
  ) {
    throw new TypeError(
      `${op}: the initial state must be a training state { params, modelState, optState, step, ` +
        `epoch, key } (from initTrain), got ${describeValue(s)}`,
    );
  }
  checkKey(op, t.key, "the state's key");
}

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
 * import { backward, batches, dense, fit, forward, initTrain, key, mapGrads, meanSquaredError, sgd, step, tensor } from "../../mod.ts";
 * import { lastValueFrom, tap } from "rxjs";
 * // Learn y = 3x with one dense unit, logging every loss on the way.
 * const model = dense(1), optimizer = sgd(0.1);
 * const data = { x: tensor([[1], [2], [3], [-1]]), y: tensor([[3], [6], [9], [-3]]) };
 * const losses: number[] = [];
 * const last = await lastValueFrom(
 *   fit(
 *     initTrain(model, optimizer, key(0), [1]),
 *     batches(data, { batchSize: 2, shuffle: key(1), epochs: 100 }),
 *     forward(model),
 *     backward(meanSquaredError),
 *     tap((ctx) => losses.push(ctx.loss!)),
 *     mapGrads((g) => g), // clip, mask or add noise here
 *     step(optimizer),
 *   ),
 * );
 * if (last.state.step !== 200 || !(losses[199] < 1e-6)) throw new Error("did not learn y = 3x");
 * if (Math.abs(last.state.params.w.data[0] - 3) > 1e-3) throw new Error("did not learn w = 3");
 * ```
 */
export function fit<P extends Tree, S extends Tree>(
  initial: TrainState<P, S>,
  source: Source<Batch>,
  ...stages: OperatorFunction<StepCtx<P, S>, StepCtx<P, S>>[]
): Observable<StepCtx<P, S>> {
  const op = "fit";
  checkTrainState(op, initial);
  checkIterable(op, "the source of batches", source);
  stages.forEach((s, i) => checkFunction(op, `stage ${i}`, s, "an RxJS operator"));
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
