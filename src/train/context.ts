/**
 * The step context: what flows through the stage operators for one batch.
 *
 * @module
 */

import type { Trace } from "../autodiff/trace.ts";
import type { Aux } from "../layers/layer.ts";
import type { Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import type { Batch } from "./batches.ts";
import type { TrainState } from "./state.ts";

/**
 * One batch on its way through the stages. Each stage returns a copy with its fields filled in:
 *
 * | stage        | reads                                 | adds / replaces                                   |
 * | ------------ | ------------------------------------- | ------------------------------------------------- |
 * | `forward`    | `state`, `batch.x`                    | `trace` (params watched), `y`, `modelState`, `aux` |
 * | `backward`   | `trace`, `y`, `aux`, `batch.y`        | `loss`, `dataLoss`, `auxLosses`, `grads`          |
 * | `regularize` | `state.params`, `grads`               | `penalty` (summed), `grads`                       |
 * | `step`       | `grads`, `state`, `modelState`        | `state` (next), clears `trace`                    |
 *
 * Your own operators between stages return `{ ...ctx, grads: ... }` and the like; `mapGrads`
 * is the shorthand for the common case.
 */
export interface StepCtx<P extends Tree = Tree, S extends Tree = Tree, O = unknown> {
  /** The state this step started from; after `step`, the state it produced. */
  readonly state: TrainState<P, S, O>;
  /** The batch being trained on. */
  readonly batch: Batch;
  /** The trace `forward` ran the model in (the params watched), continued by `backward`. */
  readonly trace?: Trace;
  /** The model's prediction for `batch.x` (after `forward`). */
  readonly y?: Tensor;
  /** The model state returned by `forward` (batch-norm statistics), adopted by `step`. */
  readonly modelState?: S;
  /** The model's auxiliary loss terms (traced scalars) from `forward`. */
  readonly aux?: Aux;
  /** The objective `backward` differentiated: the data loss plus every auxiliary term. */
  readonly loss?: number;
  /** The data loss alone (the batch mean). */
  readonly dataLoss?: number;
  /** Each auxiliary term's value, by name. */
  readonly auxLosses?: { readonly [name: string]: number };
  /** The summed value of the penalties added by `regularize`. */
  readonly penalty?: number;
  /** Gradients of the objective (+ penalties) with respect to `state.params`. */
  readonly grads?: P;
}
