/**
 * One-hot encoding of class indices.
 *
 * @module
 */

import { allocate, type DType, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";

/**
 * Turns class indices of shape `[N]` into rows of shape `[N, classes]` with a single 1.
 * Throws a `TypeError` unless `labels` is rank 1 and a `RangeError` for a label that is not an
 * integer in `0 .. classes-1`.
 *
 * @example
 * ```ts
 * import { oneHot } from "./one_hot.ts";
 * import { tensor } from "../tensor.ts";
 * const y = oneHot(tensor([2, 0]), 3);
 * if (y.shape.join() !== "2,3" || y.data.join() !== "0,0,1,1,0,0") throw new Error("unexpected");
 * ```
 */
export function oneHot(labels: Tensor, classes: number, dtype: DType = labels.dtype): Tensor {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`oneHot: classes must be a positive integer, got ${classes}`);
  }
  if (labels.shape.length !== 1) {
    throw new TypeError(
      `oneHot: labels must have shape [N] (class indices), got ${formatShape(labels.shape)}`,
    );
  }
  const n = labels.shape[0], out = allocate(dtype, n * classes);
  for (let i = 0; i < n; i++) {
    const c = labels.data[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new RangeError(
        `oneHot: label ${c} at index ${i} is not an integer in 0..${classes - 1}`,
      );
    }
    out[i * classes + c] = 1;
  }
  return fromTypedArray(out, [n, classes]);
}
