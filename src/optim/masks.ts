/**
 * Ready-made masks (see `Mask`): which parameter leaves weight decay and penalties touch.
 *
 * @module
 */

import { describeValue } from "../_checks.ts";
import { isTensor } from "../tensor.ts";
import type { Tensor } from "../tensor.ts";
import type { TreePath } from "../tree.ts";
import type { Mask } from "./transform.ts";

/**
 * Selects weight matrices and kernels, leaving out biases and normalisation scales: a leaf is
 * selected unless its rank is below 2 or its name (last path key) is `b` or `bias`. Decaying
 * biases only moves the decision boundary towards the origin, which is why AdamW and L2
 * penalties usually skip them.
 *
 * @example
 * ```ts
 * import { excludeBiases } from "./masks.ts";
 * import { zeros } from "../tensor.ts";
 * if (!excludeBiases(["0", "w"], zeros([3, 2]))) throw new Error("weights are selected");
 * if (excludeBiases(["0", "b"], zeros([2]))) throw new Error("biases are not");
 * ```
 */
export const excludeBiases: Mask = (path: TreePath, leaf: Tensor): boolean => {
  if (!Array.isArray(path) || !isTensor(leaf)) {
    throw new TypeError(
      `excludeBiases: a mask is called with a leaf's path (an array) and the leaf (a tensor), ` +
        `got ${describeValue(path)} and ${describeValue(leaf)}`,
    );
  }
  const name = path[path.length - 1];
  return leaf.shape.length >= 2 && name !== "b" && name !== "bias";
};
