/**
 * The machinery of `fit`: the stages composed once over a subject of contexts, a pump that
 * pulls one batch at a time and pushes it with the latest state, and the watch on each stage
 * that tells when the stages have finished reacting to a context (see `fit`'s doc). Internal.
 *
 * @module
 */

import { Observable, type OperatorFunction, Subject } from "rxjs";
import type { Batch } from "./batches.ts";
import type { StepCtx } from "./context.ts";
import { openSource, type Source } from "./source.ts";
import type { TrainState } from "./state.ts";
import { describeValue } from "../_checks.ts";

/** What fit knows about one stage from how it has answered so far. */
interface StageWatch {
  /** Depth of deliveries into the stage in progress (an emission during one is synchronous). */
  depth: number;
  /** Emitted during the current delivery. */
  answered: boolean;
  /** Has emitted outside any delivery: it works asynchronously, one context out per one in. */
  async: boolean;
  /** Has answered during a delivery: a synchronous stage (that may buffer or drop). */
  sync: boolean;
  /** Deliveries it did not answer during the delivery, counted from the start. */
  unanswered: number;
  /** Answers it gave outside any delivery. */
  late: number;
}

const timerTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Runs the loop `fit` describes; `fit` has checked the arguments. */
export function runLoop(
  initial: TrainState,
  source: Source<Batch>,
  stages: readonly OperatorFunction<StepCtx, StepCtx>[],
): Observable<StepCtx> {
  return new Observable<StepCtx>((subscriber) => {
    const puller = openSource(source);
    const input = new Subject<StepCtx>();
    const watches: StageWatch[] = stages.map(() => ({
      depth: 0,
      answered: false,
      async: false,
      sync: false,
      unanswered: 0,
      late: 0,
    }));
    let latest = initial;
    let closed = false;
    let wake: (() => void) | undefined;
    const probes: StageWatch[] = []; // stages a context stopped at for the first time
    // An asynchronous stage owes one answer per context it has not answered yet; counting
    // from the start covers contexts it took before it was known to be asynchronous.
    const owed = () => watches.some((w) => w.async && w.unanswered > w.late);

    // Into stage j: record whether it answers during the delivery.
    const into = (j: number) => (o: Observable<StepCtx>) =>
      new Observable<StepCtx>((sub) =>
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
                w.unanswered++;
                if (!w.async && !w.sync) probes.push(w);
              }
              w.answered = outer || w.answered;
            }
          },
          error: (e) => sub.error(e),
          complete: () => sub.complete(),
        })
      );
    // Out of stage j: an answer outside any delivery into it is asynchronous.
    const outOf = (j: number) => (o: Observable<StepCtx>) =>
      new Observable<StepCtx>((sub) =>
        o.subscribe({
          next: (ctx) => {
            const w = watches[j];
            if (w.depth > 0) {
              w.answered = true;
              w.sync = true;
            } else {
              w.async = true;
              w.late++;
            }
            sub.next(ctx);
            if (w.depth === 0) wake?.();
          },
          error: (e) => sub.error(e),
          complete: () => sub.complete(),
        })
      );

    const out = stages.reduce<Observable<StepCtx>>(
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
        if (typeof ctx !== "object" || ctx === null || typeof ctx.state !== "object") {
          finish();
          subscriber.error(
            new TypeError(
              `fit: the stages must emit step contexts { state, batch, ... } (the state loops ` +
                `back), got ${describeValue(ctx)}`,
            ),
          );
          return;
        }
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
          probes.length = 0;
          await timerTurn();
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
