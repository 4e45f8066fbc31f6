/**
 * The target check of the fused cross-entropies (`cross_entropy.ts`,
 * `sigmoid_cross_entropy.ts`): a tensor of the logits' shape. Private to `src/ops/`.
 *
 * @module
 */

import { formatShape, shapesEqual, type Tensor } from "../tensor.ts";
import { assertTensor } from "./_checks.ts";

/** `t` is a tensor of `z`'s shape, else a TypeError naming `op` and both shapes. */
export function checkTargetShape(op: string, z: Tensor, t: Tensor): void {
  assertTensor(op, t, "the target");
  if (!shapesEqual(z.shape, t.shape)) {
    throw new TypeError(
      `Cannot ${op}: logits shape ${formatShape(z.shape)} differs from target shape ${
        formatShape(t.shape)
      }`,
    );
  }
}
