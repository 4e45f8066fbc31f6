/**
 * The training loop: the stages composed once over the stream of batches, the state looping
 * back from `step` to the next batch.
 *
 * @module
 */

import type { Observable, OperatorFunction } from "rxjs";
import type { Tree } from "../tree.ts";
import type { Batch } from "./batches.ts";
import type { StepCtx } from "./context.ts";
import { runLoop } from "./_loop.ts";
import type { Source } from "./source.ts";
import type { TrainState } from "./state.ts";
import { checkFunction, checkIterable, checkKey, describeValue } from "../_checks.ts";

/** The fields of a training state, as `initTrain` makes it (a `TypeError` naming `op`). */
function checkTrainState(op: string, s: unknown): void {
  const t = s as Partial<TrainState> | null;
  if (
    typeof t !== "object" || t === null || !("params" in t) || !("modelState" in t) ||
    !("optState" in t) || typeof t.backend !== "object" || t.backend === null ||
    typeof t.step !== "number" || typeof t.epoch !== "number"
  ) {
    throw new TypeError(
      `${op}: the initial state must be a training state { params, modelState, optState, ` +
        `backend, step, epoch, key } (from initTrain), got ${describeValue(s)}`,
    );
  }
  checkKey(op, t.key, "the state's key");
}

/** What goes into the stages: a batch with the latest state. */
type In<P extends Tree, S extends Tree, O> = StepCtx<NoInfer<P>, NoInfer<S>, NoInfer<O>>;

/** What the stages emit: anything carrying the state that loops back. */
type Looped<P extends Tree, S extends Tree, O> = {
  readonly state: TrainState<NoInfer<P>, NoInfer<S>, NoInfer<O>>;
};

/**
 * Trains: composes `stages` once over the stream of all batches pulled from `source` and
 * loops the state back. Each batch goes in as `{ state, batch }` with the latest state the
 * stages have emitted (the `state` of their last context: what `step` produced), `initial`
 * before the first; the returned observable emits every context the stages emit.
 *
 * Because the stages run over the whole stream, stateful operators between them keep their
 * state from batch to batch: `forward(model), backward(loss), bufferCount(4), map(mergeGrads),
 * step(optimizer)` (or {@linkcode accumulateGrads}`(4)`) computes four batches' gradients
 * from the same parameters and then steps once, and a `scan` after `step` (or
 * {@linkcode emaParams}) keeps a moving average of the parameters.
 *
 * **When the next batch is pulled.** fit pushes one batch's context into the stages and pulls
 * the next batch when the stages have finished reacting to it:
 *
 * - at once, if pushing it returns with the context through the stages (stepped and emitted),
 *   or stopped at a stage that holds or drops it (a `bufferCount` filling up, a `filter`);
 * - if a stage answers asynchronously (a `concatMap` over a promise or a timer), when that
 *   stage has answered and its answer has gone on through the stages the same way.
 *
 * From outside, a stage that holds a context cannot be told from one that will answer later,
 * until it answers: synchronously (during a push: `bufferCount` on its k-th context, `filter`
 * on one it lets through) or late. So while a context stops at a stage that has not answered
 * yet, fit waits a timer turn (`setTimeout(0)`) before pulling the next batch; a stage that
 * has answered synchronously holds or drops from then on, and one that has answered late is
 * asynchronous and owes one answer for every context it took (those before included). An
 * asynchronous stage slower than a timer turn thus lets a few batches in early, once, before
 * its first answer; after that, none. An asynchronous stage must answer every context it
 * receives with one context; one that drops contexts asynchronously would leave fit waiting.
 *
 * Outside that window, no batch starts from stale parameters and the source never runs ahead
 * of training (one batch is pulled at a time, even from a fast async source), so memory stays
 * bounded. The
 * observable is cold and lazy: nothing is pulled until you subscribe. Unsubscribing (`take`,
 * `takeWhile`, `takeUntil`) stops pulling and closes the source. An error thrown by a stage
 * (e.g. `NonFiniteLossError`) ends the run with that error and closes the source. A batch the
 * stages drop leaves the state unchanged. When the source is exhausted the stages complete,
 * so a `bufferCount` flushes its partial buffer (one last, shorter accumulation).
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
export function fit<P extends Tree, S extends Tree, O>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
): Observable<StepCtx<P, S, O>>;
/** `fit` with stages (overload 1; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, R>,
): Observable<R>;
/** `fit` with stages (overload 2; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, A, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, R>,
): Observable<R>;
/** `fit` with stages (overload 3; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, A, B, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, R>,
): Observable<R>;
/** `fit` with stages (overload 4; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, A, B, C, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, R>,
): Observable<R>;
/** `fit` with stages (overload 5; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, A, B, C, D, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, D>,
  s4: OperatorFunction<D, R>,
): Observable<R>;
/** `fit` with stages (overload 6; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, A, B, C, D, E, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, D>,
  s4: OperatorFunction<D, E>,
  s5: OperatorFunction<E, R>,
): Observable<R>;
/** `fit` with stages (overload 7; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O, A, B, C, D, E, F, R extends Looped<P, S, O>>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, D>,
  s4: OperatorFunction<D, E>,
  s5: OperatorFunction<E, F>,
  s6: OperatorFunction<F, R>,
): Observable<R>;
/** `fit` with stages (overload 8; see the first signature for the documentation). */
export function fit<
  P extends Tree,
  S extends Tree,
  O,
  A,
  B,
  C,
  D,
  E,
  F,
  G,
  R extends Looped<P, S, O>,
>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, D>,
  s4: OperatorFunction<D, E>,
  s5: OperatorFunction<E, F>,
  s6: OperatorFunction<F, G>,
  s7: OperatorFunction<G, R>,
): Observable<R>;
/** `fit` with stages (overload 9; see the first signature for the documentation). */
export function fit<
  P extends Tree,
  S extends Tree,
  O,
  A,
  B,
  C,
  D,
  E,
  F,
  G,
  H,
  R extends Looped<P, S, O>,
>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, D>,
  s4: OperatorFunction<D, E>,
  s5: OperatorFunction<E, F>,
  s6: OperatorFunction<F, G>,
  s7: OperatorFunction<G, H>,
  s8: OperatorFunction<H, R>,
): Observable<R>;
/** `fit` with stages (overload 10; see the first signature for the documentation). */
export function fit<
  P extends Tree,
  S extends Tree,
  O,
  A,
  B,
  C,
  D,
  E,
  F,
  G,
  H,
  I,
  R extends Looped<P, S, O>,
>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  s0: OperatorFunction<In<P, S, O>, A>,
  s1: OperatorFunction<A, B>,
  s2: OperatorFunction<B, C>,
  s3: OperatorFunction<C, D>,
  s4: OperatorFunction<D, E>,
  s5: OperatorFunction<E, F>,
  s6: OperatorFunction<F, G>,
  s7: OperatorFunction<G, H>,
  s8: OperatorFunction<H, I>,
  s9: OperatorFunction<I, R>,
): Observable<R>;
/** `fit` with stages (overload 11; see the first signature for the documentation). */
export function fit<P extends Tree, S extends Tree, O>(
  initial: TrainState<P, S, O>,
  source: Source<Batch>,
  ...stages: OperatorFunction<In<P, S, O>, In<P, S, O>>[]
): Observable<StepCtx<P, S, O>>;
export function fit(
  initial: TrainState,
  source: Source<Batch>,
  ...stages: OperatorFunction<StepCtx, StepCtx>[]
): Observable<StepCtx> {
  const op = "fit";
  checkTrainState(op, initial);
  checkIterable(op, "the source of batches", source);
  stages.forEach((s, i) => checkFunction(op, `stage ${i}`, s, "an RxJS operator"));
  return runLoop(initial, source, stages);
}
