/**
 * One-hot encoding of class indices.
 *
 * @module
 */

import {
  allocate,
  type DType,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
} from "../tensor.ts";
import { checkDType, checkInteger, checkShape, describeValue, MAX_ELEMENTS } from "../_checks.ts";

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
export function oneHot(labels: Tensor, classes: number, dtype?: DType): Tensor {
  const op = "oneHot";
  if (!isTensor(labels)) {
    throw new TypeError(
      `${op}: labels must be a tensor of class indices [N], got ${describeValue(labels)}`,
    );
  }
  checkInteger(op, "classes", classes, { min: 1, max: MAX_ELEMENTS });
  const dt = dtype === undefined ? labels.dtype : checkDType(op, dtype);
  if (labels.shape.length !== 1) {
    throw new TypeError(
      `oneHot: labels must have shape [N] (class indices), got ${formatShape(labels.shape)}`,
    );
  }
  const n = labels.shape[0];
  checkShape(op, [n, classes], "the one-hot shape");
  const out = allocate(dt, n * classes, op);
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
