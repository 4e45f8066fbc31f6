/**
 * What every stage operator shares: the stage types, the widening of a context function into a
 * stage, and the error for a stage placed before the one that fills its field.
 *
 * @module
 */

import { map, type Observable } from "rxjs";
import type { Tree } from "../tree.ts";
import type { StepCtx } from "./context.ts";

/**
 * A stage that works for any model and optimiser: maps each context to one of the same type.
 * (A generic function, so it fits wherever an `OperatorFunction<StepCtx<P, S, O>, ...>` is
 * expected.)
 */
export type Stage = <P extends Tree, S extends Tree, O>(
  source: Observable<StepCtx<P, S, O>>,
) => Observable<StepCtx<P, S, O>>;

/** A stage for one model's parameters and state, any optimiser. */
export type ModelStage<P extends Tree, S extends Tree> = <O>(
  source: Observable<StepCtx<P, S, O>>,
) => Observable<StepCtx<P, S, O>>;

/** A stage for one optimiser's state, any model. */
export type OptimizerStage<O> = <P extends Tree, S extends Tree>(
  source: Observable<StepCtx<P, S, O>>,
) => Observable<StepCtx<P, S, O>>;

/** A stage from a function of the context (the one place the types are widened). */
export function stage(fn: (ctx: StepCtx) => StepCtx): Stage {
  return map(fn) as unknown as Stage;
}

/** The error of a stage whose context lacks `field`: `before` must come first. */
export function missing(stage: string, field: string, before: string): TypeError {
  return new TypeError(
    `${stage}: the step context has no ${field}; put ${before} before ${stage} in the stages`,
  );
}
