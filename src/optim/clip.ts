/**
 * Gradient clipping links: by global norm (keeps the direction) and by value (per element).
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import { flattenTree } from "../_tree_walk.ts";
import { addTrees, checkNonNegative, checkNullState, scalableLink, scaleTree } from "./_leaves.ts";
import type { Transform } from "./transform.ts";

/**
 * The Euclidean norm of all of a tree's elements together, `√(Σ g²)`, accumulated in float64.
 *
 * @example
 * ```ts
 * import { globalNorm } from "./clip.ts";
 * import { tensor } from "../tensor.ts";
 * if (globalNorm({ a: tensor([3]), b: tensor([[4]]) }) !== 5) throw new Error("unexpected");
 * ```
 */
export function globalNorm(tree: Tree): number {
  return normOf("globalNorm", tree);
}

function normOf(op: string, tree: Tree): number {
  let sum = 0;
  for (const leaf of flattenTree(op, tree)[0]) {
    const g = leaf.data;
    for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  }
  return Math.sqrt(sum);
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
  return scalableLink(op, () => null, (grads, state, _params, post, onto) => {
    checkNullState(op, state);
    const norm = normOf(op, grads);
    if (!Number.isFinite(norm)) {
      throw new RangeError(`${op}: the gradient norm is ${norm}; gradients must be finite`);
    }
    return [scaleTree(op, grads, norm > maxNorm ? maxNorm / norm : 1, post, onto), null];
  });
}

/**
 * Clamps every element to `[−limit, limit]`. Unlike {@linkcode clipByGlobalNorm} this can
 * change the direction. Stateless (state `null`).
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
  return scalableLink(op, () => null, (grads, state, _params, post, onto) => {
    checkNullState(op, state);
    const [leaves, unflatten] = flattenTree(op, grads);
    const out: Tensor[] = new Array(leaves.length);
    for (let l = 0; l < leaves.length; l++) {
      const g = leaves[l].data;
      const n = g.length;
      const u = allocate(leaves[l].dtype, n);
      for (let i = 0; i < n; i++) {
        const v = g[i];
        u[i] = (v > limit ? limit : v < -limit ? -limit : v) * post;
      }
      out[l] = fromTypedArray(u, leaves[l].shape);
    }
    // Clipping is rarely the last link, so applying is a second pass rather than a second loop.
    const updates = unflatten(out);
    return [
      onto === undefined ? updates : addTrees(`${op} (params vs grads)`, onto, updates),
      null,
    ];
  });
}
