/**
 * The type of a loss (its own module, so the files of `src/losses/` and `src/losses.ts` can all
 * name it without importing each other in a circle).
 *
 * @module
 */

import type { Ops } from "../autodiff/ops.ts";
import type { Tensor } from "../tensor.ts";

/**
 * A loss: forward code over the primitives of `t` from a prediction and a target to the mean
 * loss over the batch, a scalar tensor (one element). Its gradient comes from the trace `t`
 * belongs to; `valueAndGrad((t, p) => loss(t, p, target), prediction)` gives value and gradient.
 */
export type Loss = (t: Ops, prediction: Tensor, target: Tensor) => Tensor;
