/**
 * RMSprop's scaling: divide by a running root-mean-square of the gradients.
 *
 * @module
 */

import { checkOptions } from "../_checks.ts";
import {
  checkDecay,
  checkNonNegative,
  flattenAll,
  makeLink,
  stateField,
  zerosTree,
} from "./_leaves.ts";
import type { Params, Transform } from "./transform.ts";

/** Options of {@linkcode scaleByRms}. */
export interface ScaleByRmsOptions {
  /** Decay ρ of the running mean of squared gradients, in [0, 1). Default 0.9. */
  decay?: number;
  /** Added to the root mean square to avoid dividing by zero; positive. Default 1e-8. */
  eps?: number;
}

/** State of {@linkcode scaleByRms}: the running mean of squared gradients, like the params. */
export type RmsState = { readonly nu: Params };

/**
 * RMSprop (Hinton's lecture 6e): keep a running mean of squared gradients and divide by its
 * root,
 *
 *     ν ← ρ·ν + (1 − ρ)·g²
 *     u = g / (√ν + ε)
 *
 * `ν` starts at zero (as in optax and PyTorch), so the first steps are larger than `η`. With
 * `scaleByLearningRate(η)`: `w ← w − η·g / (√ν + ε)`. State: `{ nu }`, like the parameters.
 *
 * @example
 * ```ts
 * import { scaleByRms } from "./scale_by_rms.ts";
 * import { tensor } from "../tensor.ts";
 * const link = scaleByRms({ decay: 0.75, eps: 1e-8 });
 * const [u] = link.update(tensor([2]), link.init(tensor([0])), tensor([0]));
 * // ν = 0.25·4 = 1, u = 2 / (1 + 1e-8)
 * if (Math.abs((u as { data: Float32Array }).data[0] - 2) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): Transform<RmsState> {
  const op = "scaleByRms";
  const { decay = 0.9, eps = 1e-8 } = checkOptions(op, options, ["decay", "eps"]);
  checkDecay(op, "decay", decay);
  checkNonNegative(op, "eps", eps, true);
  const keep = 1 - decay;
  return makeLink(
    op,
    (params) => ({ nu: zerosTree(op, params) }),
    (grads, state, _params, t) => {
      const [gs, [ns], unflatten] = flattenAll(
        `${op} (grads vs state.nu)`,
        grads,
        [stateField(op, state, "nu", ["nu"])],
        true,
      );
      const nus = gs.map((g, l) =>
        t.add(t.mulScalar(ns[l], decay), t.mulScalar(t.square(g), keep))
      );
      const updates = gs.map((g, l) => t.div(g, t.addScalar(t.sqrt(nus[l]), eps)));
      return [unflatten(updates), { nu: unflatten(nus) }];
    },
  );
}
