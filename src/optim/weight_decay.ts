/**
 * Decoupled weight decay (the "W" of AdamW).
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { treeLeaves } from "../tree.ts";
import { checkNonNegative, checkNullState, flattenOnto, scalableLink } from "./_leaves.ts";
import type { Mask, Transform } from "./transform.ts";

/**
 * Adds `λ·w` to the updates, `u ← g + λ·w`, on the leaves `mask` selects (all when omitted).
 * Placed before `scaleByLearningRate(η)` this gives `w ← w − η·(g + λ·w)`: the decay is
 * *decoupled* from the gradient statistics when `g` has already been rescaled (Loshchilov &
 * Hutter's AdamW: `chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(η))`),
 * unlike an L2 penalty, whose gradient Adam would divide by √v̂. Stateless (state `null`);
 * needs the params argument of `update`.
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
  return scalableLink(op, () => null, (grads, state, params, post, onto) => {
    checkNullState(op, state);
    if (params === undefined) {
      throw new TypeError(`${op}: update needs the params (update(grads, state, params))`);
    }
    const [gs, ps, unflatten, [ws]] = flattenOnto(
      `${op} (grads vs params)`,
      grads,
      [params],
      onto,
      op,
    );
    const paths = mask === undefined ? null : treeLeaves(params).map((leaf) => leaf.path);
    const out: Tensor[] = new Array(gs.length);
    for (let l = 0; l < gs.length; l++) {
      const g = gs[l].data;
      const w = ws[l].data;
      const n = g.length;
      const decay = paths === null || mask!(paths[l], ws[l]);
      if (ps === undefined) {
        const u = allocate(gs[l].dtype, n);
        if (decay) { for (let i = 0; i < n; i++) u[i] = (g[i] + rate * w[i]) * post; }
        else for (let i = 0; i < n; i++) u[i] = g[i] * post;
        out[l] = fromTypedArray(u, gs[l].shape);
      } else {
        const p = ps[l].data;
        const o = allocate(ps[l].dtype, n);
        if (decay) { for (let i = 0; i < n; i++) o[i] = p[i] + (g[i] + rate * w[i]) * post; }
        else for (let i = 0; i < n; i++) o[i] = p[i] + g[i] * post;
        out[l] = fromTypedArray(o, ps[l].shape);
      }
    }
    return [unflatten(out), null];
  });
}
