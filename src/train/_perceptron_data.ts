/**
 * The data checks of the perceptron helpers (`trainPerceptron`, `novikoffBound`):
 * private to `src/train/`.
 *
 * @module
 */

import type { Ops } from "../autodiff/ops.ts";
import { formatShape, isTensor, item } from "../tensor.ts";
import { describeValue } from "../_checks.ts";

/** Checks `x: [n, d]` (finite, n, d >= 1) and labels `y: [n]` of ±1; returns their sizes. */
export function checkPerceptronData(op: string, t: Ops, x: unknown, y: unknown): [number, number] {
  if (!isTensor(x) || x.shape.length !== 2 || x.shape[0] < 1 || x.shape[1] < 1) {
    throw new TypeError(
      `${op}: x must be a tensor [n, features] with n, features >= 1, got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
  const [n, d] = x.shape;
  if (!isTensor(y) || y.shape.length !== 1 || y.shape[0] !== n) {
    throw new TypeError(
      `${op}: y must be a tensor of ${n} labels [${n}] for x of shape ${
        formatShape(x.shape)
      }, got ${isTensor(y) ? `shape ${formatShape(y.shape)}` : describeValue(y)}`,
    );
  }
  if (y.dtype !== x.dtype) {
    throw new TypeError(`${op}: y is ${y.dtype} but x is ${x.dtype} (give both one dtype)`);
  }
  for (let i = 0; i < n; i++) {
    const v = y.data[i];
    if (v !== 1 && v !== -1) {
      throw new RangeError(
        `${op}: label y[${i}] is ${v}; labels are -1 or +1 (from 0/1 classes: 2·y - 1)`,
      );
    }
  }
  // max |x| propagates a NaN and is infinite exactly when some element is.
  if (!Number.isFinite(item(t.max(t.abs(x))))) {
    throw new RangeError(`${op}: x holds a NaN or an infinity; inputs must be finite`);
  }
  return [n, d];
}
