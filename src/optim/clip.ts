/**
 * Gradient clipping links: by global norm (keeps the direction) and by value (per element).
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import type { Tree } from "../tree.ts";
import { flattenTree } from "../_tree_walk.ts";
import { checkNonNegative, checkNullState, makeLink, mapLeaves } from "./_leaves.ts";
import type { Transform } from "./transform.ts";

/**
 * The Euclidean norm of all of a tree's elements together, `√(Σ g²)`: each leaf's `Σ g²` by
 * the primitives of `t` (in the leaf's dtype), the leaves' sums added in float64.
 *
 * @example
 * ```ts
 * import { globalNorm } from "./clip.ts";
 * import { tensor } from "../tensor.ts";
 * if (globalNorm({ a: tensor([3]), b: tensor([[4]]) }) !== 5) throw new Error("unexpected");
 * ```
 */
export function globalNorm(tree: Tree, t: Ops = untraced()): number {
  return normOf("globalNorm", tree, t);
}

function normOf(op: string, tree: Tree, t: Ops): number {
  let total = 0;
  for (const leaf of flattenTree(op, tree)[0]) total += t.sum(t.square(leaf)).data[0];
  return Math.sqrt(total);
}

/**
 * Rescales the whole gradient tree so that its global norm is at most `maxNorm`:
 * `u = g · min(1, maxNorm / ‖g‖)`. The direction is kept; only the length is capped, which
 * tames exploding gradients (RNNs). Stateless (state `null`). A non-finite norm is a
 * `RangeError`, so a NaN never turns silently into a step.
 *
 * @example
 * ```ts
 * import { clipByGlobalNorm, globalNorm } from "./clip.ts";
 * import { tensor } from "../tensor.ts";
 * const [u] = clipByGlobalNorm(1).update(tensor([3, 4]), null, null);
 * if (Math.abs(globalNorm(u) - 1) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): Transform<null> {
  const op = "clipByGlobalNorm";
  checkNonNegative(op, "maxNorm", maxNorm, true);
  return makeLink(op, () => null, (grads, state, _params, t) => {
    checkNullState(op, state);
    const norm = normOf(op, grads, t);
    if (!Number.isFinite(norm)) {
      throw new RangeError(`${op}: the gradient norm is ${norm}; gradients must be finite`);
    }
    const factor = norm > maxNorm ? maxNorm / norm : 1;
    return [mapLeaves(op, grads, (g) => t.mulScalar(g, factor)), null];
  });
}

/**
 * Clamps every element to `[−limit, limit]` (`t.clip`). Unlike {@linkcode clipByGlobalNorm}
 * this can change the direction. Stateless (state `null`).
 *
 * @example
 * ```ts
 * import { clipByValue } from "./clip.ts";
 * import { tensor } from "../tensor.ts";
 * const [u] = clipByValue(1).update(tensor([-3, 0.5, 2]), null, null);
 * if ((u as { data: Float32Array }).data.join() !== "-1,0.5,1") throw new Error("unexpected");
 * ```
 */
export function clipByValue(limit: number): Transform<null> {
  const op = "clipByValue";
  checkNonNegative(op, "limit", limit, true);
  return makeLink(op, () => null, (grads, state, _params, t) => {
    checkNullState(op, state);
    return [mapLeaves(op, grads, (g) => t.clip(g, -limit, limit)), null];
  });
}
