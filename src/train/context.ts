/**
 * The step context: what flows through the stage operators for one batch.
 *
 * @module
 */

import type { LayerGrads } from "../layers/layer.ts";
import type { Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import type { Vjp } from "../vjp.ts";
import type { Batch } from "./batches.ts";
import type { TrainState } from "./state.ts";

/**
 * One batch on its way through the stages. `fit` starts each step with `{ state, batch }`;
 * each stage returns a copy with its fields filled in:
 *
 * | stage        | reads                          | adds / replaces                    |
 * | ------------ | ------------------------------ | ---------------------------------- |
 * | `forward`    | `state`, `batch.x`             | `y`, `modelState`, `vjp`           |
 * | `backward`   | `y`, `vjp`, `batch.y`          | `loss`, `grads`                    |
 * | `regularize` | `state.params`, `grads`        | `penalty` (summed), `grads`        |
 * | `step`       | `grads`, `state`, `modelState` | `state` (next), clears `vjp`       |
 *
 * Your own operators between stages return `{ ...ctx, grads: ... }` and the like; `mapGrads`
 * is the shorthand for the common case.
 */
export interface StepCtx<P extends Tree = Tree, S extends Tree = Tree> {
  /** The state this step started from; after `step`, the state it produced. */
  readonly state: TrainState<P, S>;
  /** The batch being trained on. */
  readonly batch: Batch;
  /** The model's prediction for `batch.x` (after `forward`). */
  readonly y?: Tensor;
  /** The model state returned by `forward` (batch-norm statistics), adopted by `step`. */
  readonly modelState?: S;
  /** The model's pullback from `forward`, consumed by `backward`. */
  readonly vjp?: Vjp<Tensor, LayerGrads<P>>;
  /** The data loss on this batch (after `backward`), the batch mean. */
  readonly loss?: number;
  /** The summed value of the penalties added by `regularize`. */
  readonly penalty?: number;
  /** Gradients of loss (+ penalties) with respect to `state.params`. */
  readonly grads?: P;
}
