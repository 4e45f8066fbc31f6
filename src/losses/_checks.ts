/**
 * The argument checks the losses share (`src/losses.ts`, `src/losses/`).
 *
 * @module
 */

import { describeValue } from "../_checks.ts";
import { formatShape, isTensor, type Tensor } from "../tensor.ts";

/** Both arguments are tensors, else a TypeError naming `op` and the one that is not. */
export function checkTensors(op: string, prediction: Tensor, target: Tensor): void {
  if (!isTensor(prediction)) {
    throw new TypeError(
      `Cannot ${op}: the prediction must be a tensor, got ${describeValue(prediction)}`,
    );
  }
  if (!isTensor(target)) {
    throw new TypeError(`Cannot ${op}: the target must be a tensor, got ${describeValue(target)}`);
  }
}

/** Checks an elementwise loss's arguments (same shape, at least one element). */
export function checkSameShape(op: string, prediction: Tensor, target: Tensor): void {
  checkTensors(op, prediction, target);
  const p = prediction.shape, t = target.shape;
  let same = p.length === t.length;
  for (let i = 0; same && i < p.length; i++) same = p[i] === t[i];
  if (!same) {
    throw new TypeError(
      `Cannot ${op}: prediction shape ${formatShape(p)} differs from target shape ${
        formatShape(t)
      }`,
    );
  }
  if (prediction.data.length === 0) {
    throw new TypeError(`Cannot ${op}: the prediction ${formatShape(p)} has no elements`);
  }
}
