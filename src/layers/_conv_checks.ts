/**
 * Checks shared by the convolution and pooling layers: a batch of a given rank and a parameter
 * tensor of a given shape and dtype, each named under the layer. Private to `src/layers/`.
 *
 * @module
 */

import { describeValue } from "../_checks.ts";
import { type DType, formatShape, isTensor, type Tensor } from "../tensor.ts";

/** A parameter `p` (`what` in messages) of the given shape and the input's dtype `dt`. */
export function checkParam(
  op: string,
  p: unknown,
  what: string,
  shape: readonly number[],
  dt: DType,
) {
  const ok = isTensor(p) && p.shape.length === shape.length &&
    p.shape.every((d, i) => d === shape[i]);
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: ${what} must be a tensor of shape ${formatShape(shape)}, got ${
        isTensor(p) ? `shape ${formatShape(p.shape)}` : describeValue(p)
      }`,
    );
  }
  if ((p as Tensor).dtype !== dt) {
    throw new TypeError(
      `Cannot ${op}: ${what} is ${(p as Tensor).dtype} but the input is ${dt} ` +
        `(parameters and inputs must share a dtype)`,
    );
  }
}

/** A batch `x` of the given rank (`layout` names its axes). */
export function checkRank(
  op: string,
  x: unknown,
  rank: number,
  layout: string,
): asserts x is Tensor {
  if (!isTensor(x) || x.shape.length !== rank) {
    throw new TypeError(
      `Cannot ${op}: expected a batch ${layout} of rank ${rank}, got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
}
