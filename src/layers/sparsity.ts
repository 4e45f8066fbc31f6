/**
 * The sparse autoencoder's penalty: a KL divergence between a target activation and each
 * unit's mean activation over the batch, added as an auxiliary loss term.
 *
 * @module
 */

import { checkNumber, checkOptions } from "../_checks.ts";
import { checkBatch, checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import type { Layer } from "./layer.ts";

/** Options of {@linkcode activitySparsity}. */
export interface ActivitySparsityOptions {
  /** The target mean activation ρ of every unit, in `[0, 1]`; default 0.05. */
  target?: number;
  /** The penalty's weight β, finite and `>= 0`; default 1. */
  weight?: number;
}

/**
 * How far a mean activation may come to 0 or 1 inside the KL: `log ρ̂` and `log(1 − ρ̂)` stay
 * finite (above log 1e-6 ≈ −13.8), also in float32, whose spacing just below 1 is 6e-8.
 */
const SPARSITY_CLIP = 1e-6;

/**
 * A sparsity penalty on the activations passing through (Ng's sparse autoencoder): the layer
 * returns its input unchanged and adds the auxiliary term `sparsity`,
 *
 * `β · Σ_j KL(ρ ‖ ρ̂_j)`, with `KL(ρ ‖ ρ̂) = ρ·log(ρ/ρ̂) + (1 − ρ)·log((1 − ρ)/(1 − ρ̂))`,
 *
 * where `ρ̂_j` is unit `j`'s mean activation over the batch (axis 0; every other axis indexes
 * units) and the sum runs over the units. Put it after a sigmoid: the activations are read as
 * firing probabilities in `(0, 1)`. Before the logs `ρ̂_j` is clipped to
 * `[1e-6, 1 − 1e-6]`, so a unit whose mean is 0 or 1 (or outside,
 * after an activation that is no probability) gives a large finite penalty instead of
 * Infinity or NaN, and no gradient while it stays there. With `ρ = 0` or `1` the term `0·log 0`
 * is taken as 0.
 *
 * The term is computed in training and evaluation alike, so `backward` adds it to the loss it
 * differentiates and `evaluate` reports it, both under the name `sparsity`; two such layers in
 * one model add up under that name.
 *
 * @example
 * ```ts
 * import { activitySparsity } from "./sparsity.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = activitySparsity({ target: 0.1, weight: 2 });
 * // One unit with mean activation 0.1 (no penalty), one with mean 0.5.
 * const x = tensor([[0.1, 0.4], [0.1, 0.6]], [2, 2], "float64");
 * const { y, aux } = layer.apply(untraced(), null, null, x, EVAL);
 * const kl = 0.1 * Math.log(0.1 / 0.5) + 0.9 * Math.log(0.9 / 0.5);
 * if (y.data[1] !== 0.4 || Math.abs(aux!.sparsity.data[0] - 2 * kl) > 1e-12) throw new Error();
 * ```
 */
export function activitySparsity(options: ActivitySparsityOptions = {}): Layer<null, null> {
  const op = "activitySparsity";
  const { target = 0.05, weight = 1 } = checkOptions(op, options, ["target", "weight"]);
  checkNumber(op, "target", target, { min: 0, max: 1 });
  checkNumber(op, "weight", weight, { min: 0 });
  // ρ log ρ + (1 − ρ) log(1 − ρ), the part of the KL that does not depend on ρ̂ (0 log 0 = 0).
  const xlogx = (v: number) => (v === 0 ? 0 : v * Math.log(v));
  const constant = xlogx(target) + xlogx(1 - target);
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkContext(op, ctx, t);
      checkBatch(op, x, 2);
      if (x.shape[0] === 0 || x.data.length === 0) {
        throw new TypeError(
          `Cannot ${op}: the batch [${x.shape.join(", ")}] has no activations to average`,
        );
      }
      const rho = t.clip(t.mean(x, { axis: 0 }), SPARSITY_CLIP, 1 - SPARSITY_CLIP);
      const units = rho.data.length;
      // Σ_j [c − ρ·log ρ̂_j − (1 − ρ)·log(1 − ρ̂_j)]: the logs are finite after the clip, so a
      // zero coefficient (ρ = 0 or 1) gives 0, not NaN.
      let kl = t.mulScalar(t.sum(t.log(rho)), -target);
      const off = t.log(t.addScalar(t.neg(rho), 1));
      kl = t.add(kl, t.mulScalar(t.sum(off), -(1 - target)));
      const sparsity = t.mulScalar(t.addScalar(kl, constant * units), weight);
      return { y: t.mulScalar(x, 1), state, aux: { sparsity } };
    },
  };
}
