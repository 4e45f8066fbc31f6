/**
 * Decoupled weight decay (the "W" of AdamW).
 *
 * @module
 */

import { astype } from "../tensor.ts";
import { treeLeaves } from "../tree.ts";
import { checkNonNegative, checkNullState, flattenAll, makeLink } from "./_leaves.ts";
import type { Mask, Transform } from "./transform.ts";

/**
 * Adds `λ·w` to the updates, `u ← g + λ·w`, on the leaves `mask` selects (all when omitted).
 * Placed before `scaleByLearningRate(η)` this gives `w ← w − η·(g + λ·w)`: the decay is
 * *decoupled* from the gradient statistics when `g` has already been rescaled (Loshchilov &
 * Hutter's AdamW: `chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(η))`),
 * unlike an L2 penalty, whose gradient Adam would divide by √v̂. Leaves the mask leaves out
 * are passed on as they came (tensors are values, never written into). Stateless (state
 * `null`); needs the params argument of `update`.
 *
 * @example
 * ```ts
 * import { addDecayedWeights, excludeBiases } from "./mod.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const link = addDecayedWeights(0.5, excludeBiases);
 * const params = { w: tensor([[2]]), b: tensor([2]) };
 * const [u] = link.update({ w: tensor([[1]]), b: tensor([1]) }, null, params);
 * const out = u as { w: Tensor; b: Tensor };
 * if (out.w.data[0] !== 2 || out.b.data[0] !== 1) throw new Error("unexpected");
 * ```
 */
export function addDecayedWeights(rate: number, mask?: Mask): Transform<null> {
  const op = "addDecayedWeights";
  checkNonNegative(op, "rate", rate);
  if (mask !== undefined && typeof mask !== "function") {
    throw new TypeError(`${op}: mask must be a function (path, leaf) => boolean`);
  }
  return makeLink(op, () => null, (grads, state, params, t) => {
    checkNullState(op, state);
    if (params === undefined) {
      throw new TypeError(`${op}: update needs the params (update(grads, state, params))`);
    }
    const [gs, [ws], unflatten] = flattenAll(`${op} (grads vs params)`, grads, [params]);
    const paths = mask === undefined ? null : treeLeaves(params).map((leaf) => leaf.path);
    return [
      unflatten(gs.map((g, l) => {
        const w = ws[l];
        if (paths !== null && !mask!(paths[l], w)) return g;
        return t.add(g, t.mulScalar(w.dtype === g.dtype ? w : astype(w, g.dtype), rate));
      })),
      null,
    ];
  });
}
