/**
 * Softmax layers: `softmax` and `logSoftmax` along an axis of each example, as parameter-free
 * stateless layers (the axis counts the example's axes, never the batch axis).
 *
 * @module
 */

import { normalizeAxis } from "../ops/_checks.ts";
import type { Ops } from "../autodiff/ops.ts";
import { checkInteger } from "../_checks.ts";
import { checkFreeApply as checkApply, checkInitArgs } from "./_layer_checks.ts";
import type { Shape, Tensor } from "../tensor.ts";
import type { Layer } from "./layer.ts";

/**
 * A softmax-like op along `axis` of each example as a layer. `axis` counts the example's axes
 * (no batch axis; negative from the end) and is checked against `inShape` at `init` and
 * against each batch at `apply` (RangeError), so it can never land on the batch axis.
 */
function alongAxis(
  name: string,
  op: (t: Ops, x: Tensor, axis: number) => Tensor,
  axis: number,
): Layer<null, null> {
  checkInteger(name, "axis", axis);
  const resolve = (example: Shape) => normalizeAxis(name, axis, example) + 1;
  return {
    name,
    init: (key, inShape) => {
      checkInitArgs(name, key, inShape);
      resolve(inShape);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkApply(name, t, params, state, x, ctx);
      return { y: op(t, x, resolve(x.shape.slice(1))), state };
    },
  };
}

/**
 * softmax along `axis` of each example (default -1, the last) as a layer.
 *
 * @example
 * ```ts
 * import { softmaxLayer } from "./softmax_layers.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = softmaxLayer().apply(untraced(), null, null, tensor([[0, 0], [1000, -1000]]), EVAL);
 * if (y.data.join() !== "0.5,0.5,1,0") throw new Error("unexpected");
 * ```
 */
export function softmaxLayer(axis = -1): Layer<null, null> {
  return alongAxis("softmaxLayer", (t, x, a) => t.softmax(x, a), axis);
}

/**
 * logSoftmax along `axis` of each example (default -1) as a layer.
 *
 * @example
 * ```ts
 * import { logSoftmaxLayer } from "./softmax_layers.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = logSoftmaxLayer().apply(untraced(), null, null, tensor([[1000, -1000]]), EVAL);
 * if (y.data.join() !== "0,-2000") throw new Error("unexpected");
 * ```
 */
export function logSoftmaxLayer(axis = -1): Layer<null, null> {
  return alongAxis("logSoftmaxLayer", (t, x, a) => t.logSoftmax(x, a), axis);
}
