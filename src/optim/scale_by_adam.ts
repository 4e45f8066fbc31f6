/**
 * Adam's scaling: bias-corrected first and second moments of the gradients.
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor, zerosLike } from "../tensor.ts";
import { treeMap } from "../tree.ts";
import {
  checkDecay,
  checkNonNegative,
  countTensor,
  flattenOnto,
  readCount,
  scalableLink,
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
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = options;
  checkDecay(op, "b1", b1);
  checkDecay(op, "b2", b2);
  checkNonNegative(op, "eps", eps, true);
  const init = (params: Params): AdamState => ({
    count: countTensor(0),
    mu: treeMap(zerosLike, params),
    nu: treeMap(zerosLike, params),
  });
  return scalableLink(init, (grads, state, _params, post, onto) => {
    const t = readCount(op, state) + 1;
    const [gs, ps, unflatten, [ms, vs]] = flattenOnto(
      `${op} (grads vs state.mu, state.nu)`,
      grads,
      [state.mu, state.nu],
      onto,
      op,
    );
    // m̂/(√v̂ + ε) with m̂ = m·c1 and v̂ = v·c2.
    const c1 = 1 / (1 - Math.pow(b1, t));
    const c2 = 1 / (1 - Math.pow(b2, t));
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
      if (ps === undefined) adamLeaf(g, m0, v0, m1, v1, u, b1, b2, c1, c2, eps, post);
      else adamLeafOnto(g, m0, v0, m1, v1, ps[l].data, u, b1, b2, c1, c2, eps, post);
      updates[l] = fromTypedArray(u, gs[l].shape);
      mus[l] = fromTypedArray(m1, ms[l].shape);
      nus[l] = fromTypedArray(v1, vs[l].shape);
    }
    const next: AdamState = { count: countTensor(t), mu: unflatten(mus), nu: unflatten(nus) };
    return [unflatten(updates), next];
  });
}

// The loops live in small functions of their own: an engine optimises such a function after a
// few calls and keeps it optimised, where a loop inside the tree-walking code above would be
// entered through on-stack replacement and fall back to the interpreter more than once in the
// first few dozen steps (measured under V8). Two functions rather than a test per element;
// without `onto` nothing is added (adding 0 would turn −0 into +0).

/** `m1`, `v1` ← the new moments; `u` ← m̂/(√v̂ + ε) · post, for one leaf. */
function adamLeaf(
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  m1: FloatArray,
  v1: FloatArray,
  u: FloatArray,
  b1: number,
  b2: number,
  c1: number,
  c2: number,
  eps: number,
  post: number,
): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const m = b1 * m0[i] + k1 * gi;
    const v = b2 * v0[i] + k2 * gi * gi;
    m1[i] = m;
    v1[i] = v;
    u[i] = (m * c1) / (Math.sqrt(v * c2) + eps) * post;
  }
}

/** As {@linkcode adamLeaf}, with `out` ← p + m̂/(√v̂ + ε) · post: the update applied. */
function adamLeafOnto(
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  m1: FloatArray,
  v1: FloatArray,
  p: FloatArray,
  out: FloatArray,
  b1: number,
  b2: number,
  c1: number,
  c2: number,
  eps: number,
  post: number,
): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const m = b1 * m0[i] + k1 * gi;
    const v = b2 * v0[i] + k2 * gi * gi;
    m1[i] = m;
    v1[i] = v;
    out[i] = p[i] + (m * c1) / (Math.sqrt(v * c2) + eps) * post;
  }
}
