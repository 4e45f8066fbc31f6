/**
 * The training loop: the stages composed once over the stream of batches, the state looping
 * back from `step` to the next batch.
 *
 * @module
 */

import { Observable, type OperatorFunction, Subject } from "rxjs";
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

/** What fit knows about one stage from how it has answered so far. */
interface StageWatch {
  /** Depth of deliveries into the stage in progress (an emission during one is synchronous). */
  depth: number;
  /** Emitted during the current delivery. */
  answered: boolean;
  /** Has emitted outside any delivery: it works asynchronously, one context out per one in. */
  async: boolean;
  /** Has held a context for a timer turn without answering: it buffers or drops. */
  holds: boolean;
  /** Contexts an asynchronous stage has received and not yet answered. */
  owed: number;
}

const timerTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Trains: composes `stages` once over the stream of all batches pulled from `source` and
 * loops the state back. Each batch goes in as `{ state, batch }` with the latest state the
 * stages have emitted (the `state` of their last context: what `step` produced), `initial`
 * before the first; the returned observable emits every context the stages emit.
 *
 * Because the stages run over the whole stream, stateful operators between them keep their
 * state from batch to batch: `forward(model), backward(loss), bufferCount(4), map(sumGrads),
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
 * until one of them does: the first time a context stops at a stage, fit waits a timer turn
 * (`setTimeout(0)`), and a stage that has not answered by then counts as one that holds
 * (a stage that later answers asynchronously counts as asynchronous from then on). An
 * asynchronous stage must answer every context it receives with one context; one that drops
 * contexts asynchronously would leave fit waiting.
 *
 * So a step never starts from stale parameters, the source never runs ahead of training (one
 * batch is pulled at a time, even from a fast async source), and memory stays bounded. The
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
  ...stages: OperatorFunction<StepCtx<NoInfer<P>, NoInfer<S>, NoInfer<O>>, StepCtx<NoInfer<P>, NoInfer<S>, NoInfer<O>>>[]
): Observable<StepCtx<P, S, O>> {
  const op = "fit";
  checkTrainState(op, initial);
  checkIterable(op, "the source of batches", source);
  stages.forEach((s, i) => checkFunction(op, `stage ${i}`, s, "an RxJS operator"));
  return new Observable<StepCtx<P, S, O>>((subscriber) => {
    const puller = openSource(source);
    const input = new Subject<StepCtx<P, S, O>>();
    const watches: StageWatch[] = stages.map(() => ({
      depth: 0,
      answered: false,
      async: false,
      holds: false,
      owed: 0,
    }));
    let latest = initial;
    let closed = false;
    let wake: (() => void) | undefined;
    const probes: StageWatch[] = []; // stages a context stopped at for the first time
    const owed = () => watches.some((w) => w.owed > 0);

    // Into stage j: record whether it answers during the delivery.
    const into = (j: number) => (o: Observable<StepCtx<P, S, O>>) =>
      new Observable<StepCtx<P, S, O>>((sub) =>
        o.subscribe({
          next: (ctx) => {
            const w = watches[j];
            const outer = w.answered;
            w.depth++;
            w.answered = false;
            try {
              sub.next(ctx);
            } finally {
              w.depth--;
              if (!w.answered) {
                if (w.async) w.owed++;
                else if (!w.holds) probes.push(w);
              }
              w.answered = outer || w.answered;
            }
          },
          error: (e) => sub.error(e),
          complete: () => sub.complete(),
        })
      );
    // Out of stage j: an answer outside any delivery into it is asynchronous.
    const outOf = (j: number) => (o: Observable<StepCtx<P, S, O>>) =>
      new Observable<StepCtx<P, S, O>>((sub) =>
        o.subscribe({
          next: (ctx) => {
            const w = watches[j];
            if (w.depth > 0) w.answered = true;
            else {
              w.async = true;
              w.holds = false;
              w.owed = Math.max(0, w.owed - 1);
            }
            sub.next(ctx);
            if (w.depth === 0) wake?.();
          },
          error: (e) => sub.error(e),
          complete: () => sub.complete(),
        })
      );

    const out = stages.reduce<Observable<StepCtx<P, S, O>>>(
      (o, stage, j) => stage(o.pipe(into(j))).pipe(outOf(j)),
      input,
    );
    const finish = () => {
      closed = true;
      wake?.();
      puller.close();
    };
    const subscription = out.subscribe({
      next: (ctx) => {
        latest = ctx.state;
        subscriber.next(ctx);
      },
      error: (e) => {
        finish();
        subscriber.error(e);
      },
      complete: () => {
        finish();
        subscriber.complete();
      },
    });

    // Waits until no asynchronous stage owes an answer (or the run ended).
    const settle = async () => {
      while (!closed && (probes.length > 0 || owed())) {
        if (probes.length > 0) {
          const waiting = probes.splice(0);
          await timerTurn();
          for (const w of waiting) if (!w.async) w.holds = true;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      }
    };
    const pump = async () => {
      while (!closed) {
        const r = await puller.next();
        if (closed) return;
        if (r.done) return input.complete();
        input.next({ state: latest, batch: r.value });
        await settle();
      }
    };
    pump().catch((e) => {
      if (!closed) input.error(e);
    });
    return () => {
      finish();
      subscription.unsubscribe();
    };
  });
}
