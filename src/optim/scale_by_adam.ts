/**
 * Adam's scaling: bias-corrected first and second moments of the gradients.
 *
 * @module
 */

import { adamTs } from "../kernels/adam_ts.ts";
import { kernels } from "../kernels/select.ts";
import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkOptions } from "../_checks.ts";
import {
  checkDecay,
  checkNonNegative,
  countTensor,
  flattenOnto,
  readCount,
  scalableLink,
  stateField,
  zerosTree,
} from "./_leaves.ts";
import type { Params, Transform } from "./transform.ts";

/** Options of {@linkcode scaleByAdam} (and `adam`, `adamw`). */
export interface AdamOptions {
  /** Decay β₁ of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay β₂ of the second moment, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to √v̂ to avoid dividing by zero; positive. Default 1e-8. */
  eps?: number;
}

/**
 * State of {@linkcode scaleByAdam}: the number of updates so far (a float64 scalar tensor) and
 * the two moment trees, shaped like the parameters (same dtypes).
 */
export type AdamState = { readonly count: Tensor; readonly mu: Params; readonly nu: Params };

/**
 * Adam (Kingma & Ba 2015). At step `t = 1, 2, …`:
 *
 *     m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
 *     m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)
 *     u = m̂ / (√v̂ + ε)
 *
 * The bias corrections undo the pull towards the zero initial moments. With
 * `scaleByLearningRate(η)`: `w ← w − η·m̂ / (√v̂ + ε)`. One fused loop per leaf writes `u`, `m`
 * and `v`. State: `{ count, mu, nu }` (see {@linkcode AdamState}).
 *
 * @example
 * ```ts
 * import { scaleByAdam } from "./scale_by_adam.ts";
 * import { tensor } from "../tensor.ts";
 * const link = scaleByAdam();
 * // First step: m̂ = g and v̂ = g², so u = g / (|g| + ε) ≈ sign(g).
 * const [u] = link.update(tensor([-3]), link.init(tensor([0])), tensor([0]));
 * if (Math.abs((u as { data: Float32Array }).data[0] + 1) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function scaleByAdam(options: AdamOptions = {}): Transform<AdamState> {
  const op = "scaleByAdam";
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = checkOptions(op, options, ["b1", "b2", "eps"]);
  checkDecay(op, "b1", b1);
  checkDecay(op, "b2", b2);
  checkNonNegative(op, "eps", eps, true);
  const init = (params: Params): AdamState => ({
    count: countTensor(0),
    mu: zerosTree(op, params),
    nu: zerosTree(op, params),
  });
  return scalableLink(op, init, (grads, state, _params, post, onto) => {
    const t = readCount(op, state) + 1;
    const [gs, ps, unflatten, [ms, vs]] = flattenOnto(
      `${op} (grads vs state.mu, state.nu)`,
      grads,
      [
        stateField(op, state, "mu", ["count", "mu", "nu"]),
        stateField(op, state, "nu", ["count", "mu", "nu"]),
      ],
      onto,
      op,
      true,
    );
    // m̂/(√v̂ + ε) with m̂ = m·c1 and v̂ = v·c2.
    const c1 = 1 / (1 - Math.pow(b1, t));
    const c2 = 1 / (1 - Math.pow(b2, t));
    const scalars = { b1, b2, c1, c2, eps, post };
    // The backend's kernel where it has one (WebAssembly SIMD: a few times faster than the
    // JavaScript loop, whose square root and division per element dominate the optimiser).
    const k = kernels();
    const updates: Tensor[] = new Array(gs.length);
    const mus: Tensor[] = new Array(gs.length);
    const nus: Tensor[] = new Array(gs.length);
    for (let l = 0; l < gs.length; l++) {
      const g = gs[l].data;
      const m0 = ms[l].data;
      const v0 = vs[l].data;
      const n = g.length;
      const m1 = allocate(ms[l].dtype, n);
      const v1 = allocate(vs[l].dtype, n);
      const u = allocate(ps === undefined ? gs[l].dtype : ps[l].dtype, n);
      const p = ps === undefined ? undefined : ps[l].data;
      if (k.adam !== undefined) k.adam(g, m0, v0, p, m1, v1, u, scalars);
      else adamTs(g, m0, v0, p, m1, v1, u, scalars);
      updates[l] = fromTypedArray(u, gs[l].shape);
      mus[l] = fromTypedArray(m1, ms[l].shape);
      nus[l] = fromTypedArray(v1, vs[l].shape);
    }
    const next: AdamState = { count: countTensor(t), mu: unflatten(mus), nu: unflatten(nus) };
    return [unflatten(updates), next];
  });
}
