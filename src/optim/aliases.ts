/**
 * The optimisers of the lecture, each a short chain of links. Every one takes the learning
 * rate as a number or a `Schedule`; the state is the chain's array of link states (see
 * `transform.ts` for its shape).
 *
 * @module
 */

import { chainAs } from "./_chain.ts";
import { fusedAdamParams } from "./fused_adam.ts";
import { fusedMomentumParams } from "./fused_momentum.ts";
import { fusedRmspropParams } from "./fused_rmsprop.ts";
import { fusedSgdParams } from "./fused_sgd.ts";
import { checkFunction, checkOptions } from "../_checks.ts";
import { checkDecay, checkLearningRate, checkNonNegative } from "./_leaves.ts";
import { scaleByLearningRate } from "./scale.ts";
import { type AdamOptions, type AdamState, scaleByAdam } from "./scale_by_adam.ts";
import { scaleByRms, type ScaleByRmsOptions } from "./scale_by_rms.ts";
import { traceMomentum } from "./trace_momentum.ts";
import { addDecayedWeights } from "./weight_decay.ts";
import type { CountState, Mask, Schedule, Transform } from "./transform.ts";
import type { RmsState } from "./scale_by_rms.ts";
import type { TraceState } from "./trace_momentum.ts";

/** Options of {@linkcode momentum} and {@linkcode nesterov}. */
export interface MomentumOptions {
  /** The momentum coefficient μ, in [0, 1). Default 0.9. */
  decay?: number;
}

/** Options of {@linkcode adamw}: Adam's, plus the decoupled weight decay. */
export interface AdamWOptions extends AdamOptions {
  /** Decay rate λ. Default 1e-4 (as optax). */
  weightDecay?: number;
  /** Which leaves are decayed (all when omitted); `excludeBiases` is the usual choice. */
  mask?: Mask;
}

/**
 * Gradient descent, `w ← w − η·g`. Whether it is full-batch gradient descent, mini-batch SGD
 * or online SGD depends only on the gradients fed to it: mini-batch SGD is this rule applied to
 * the mean gradient of each mini-batch. State: `[{ count }]`.
 *
 * @example
 * ```ts
 * import { applyUpdates, sgd } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = sgd(0.1);
 * const w = tensor([1]);
 * const [u] = opt.update(tensor([2]), opt.init(w), w);
 * if (Math.abs(applyUpdates(w, u).data[0] - 0.8) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function sgd(lr: number | Schedule): Transform<[CountState]> {
  checkLearningRate("sgd", lr);
  const chained = chainAs("sgd", [scaleByLearningRate(lr)] as const);
  // The declared fused step (see Transform.updateParams): one sgdApply per leaf.
  return { ...chained, updateParams: fusedSgdParams(lr, chained) };
}

/**
 * Momentum (heavy ball): `v ← μ·v + g; w ← w − η·v`, with `v` starting at 0. Equals
 * `chain(traceMomentum({ decay }), scaleByLearningRate(lr))`. State: `[{ trace }, { count }]`.
 *
 * @example
 * ```ts
 * import { momentum } from "./aliases.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = momentum(1, { decay: 0.5 });
 * const [, s] = opt.update(tensor([1]), opt.init(tensor([0])), tensor([0]));
 * const [u] = opt.update(tensor([1]), s, tensor([0])); // v = 0.5·1 + 1
 * if ((u as { data: Float32Array }).data[0] !== -1.5) throw new Error("unexpected");
 * ```
 */
export function momentum(
  lr: number | Schedule,
  options: MomentumOptions = {},
): Transform<[TraceState, CountState]> {
  checkLearningRate("momentum", lr);
  const { decay = 0.9 } = checkOptions("momentum", options, ["decay"]);
  checkDecay("momentum", "decay", decay);
  const chained = chainAs("momentum", [traceMomentum({ decay }), scaleByLearningRate(lr)] as const);
  // The declared fused step (see Transform.updateParams): one momentumApply per leaf.
  return { ...chained, updateParams: fusedMomentumParams(decay, false, lr, chained) };
}

/**
 * Nesterov's accelerated gradient in the form optax and PyTorch use (Sutskever et al. 2013):
 * `v ← μ·v + g; w ← w − η·(g + μ·v)`, i.e. the step looks ahead along the new velocity.
 * State: `[{ trace }, { count }]`.
 *
 * @example
 * ```ts
 * import { nesterov } from "./aliases.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = nesterov(1, { decay: 0.5 });
 * const [u] = opt.update(tensor([1]), opt.init(tensor([0])), tensor([0])); // v = 1, u = −(1 + 0.5)
 * if ((u as { data: Float32Array }).data[0] !== -1.5) throw new Error("unexpected");
 * ```
 */
export function nesterov(
  lr: number | Schedule,
  options: MomentumOptions = {},
): Transform<[TraceState, CountState]> {
  checkLearningRate("nesterov", lr);
  const { decay = 0.9 } = checkOptions("nesterov", options, ["decay"]);
  checkDecay("nesterov", "decay", decay);
  const chained = chainAs(
    "nesterov",
    [traceMomentum({ decay, nesterov: true }), scaleByLearningRate(lr)] as const,
  );
  return { ...chained, updateParams: fusedMomentumParams(decay, true, lr, chained) };
}

/**
 * RMSprop: `ν ← ρ·ν + (1 − ρ)·g²; w ← w − η·g / (√ν + ε)` (defaults ρ = 0.9, ε = 1e-8).
 * State: `[{ nu }, { count }]`.
 *
 * @example
 * ```ts
 * import { rmsprop } from "./aliases.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = rmsprop(0.1, { decay: 0.75 });
 * const [u] = opt.update(tensor([2]), opt.init(tensor([0])), tensor([0])); // ν = 1
 * if (Math.abs((u as { data: Float32Array }).data[0] + 0.2) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function rmsprop(
  lr: number | Schedule,
  options: ScaleByRmsOptions = {},
): Transform<[RmsState, CountState]> {
  checkLearningRate("rmsprop", lr);
  const { decay = 0.9, eps = 1e-8 } = checkOptions("rmsprop", options, ["decay", "eps"]);
  checkDecay("rmsprop", "decay", decay);
  checkNonNegative("rmsprop", "eps", eps, true);
  const chained = chainAs(
    "rmsprop",
    [scaleByRms({ decay, eps }), scaleByLearningRate(lr)] as const,
  );
  // The declared fused step (see Transform.updateParams): one rmspropApply per leaf.
  return { ...chained, updateParams: fusedRmspropParams(decay, eps, lr, chained) };
}

/**
 * Adam with bias correction (defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8):
 *
 *     m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²
 *     w ← w − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *
 * State: `[{ count, mu, nu }, { count }]`.
 *
 * @example
 * ```ts
 * import { adam } from "./aliases.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = adam(0.01);
 * const [u] = opt.update(tensor([5]), opt.init(tensor([0])), tensor([0])); // ≈ −η·sign(g)
 * if (Math.abs((u as { data: Float32Array }).data[0] + 0.01) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function adam(
  lr: number | Schedule,
  options: AdamOptions = {},
): Transform<[AdamState, CountState]> {
  checkLearningRate("adam", lr);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = checkAdamOptions("adam", options);
  const chained = chainAs("adam", [scaleByAdam({ b1, b2, eps }), scaleByLearningRate(lr)] as const);
  // The declared fused step (see Transform.updateParams): one adamApply per leaf.
  return { ...chained, updateParams: fusedAdamParams(b1, b2, eps, lr, chained) };
}

function checkAdamOptions(op: string, options: AdamOptions | undefined): AdamOptions {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = checkOptions(op, options, ["b1", "b2", "eps"]);
  checkDecay(op, "b1", b1);
  checkDecay(op, "b2", b2);
  checkNonNegative(op, "eps", eps, true);
  return { b1, b2, eps };
}

/**
 * AdamW: Adam with decoupled weight decay, `w ← w − η·(m̂ / (√v̂ + ε) + λ·w)` on the leaves
 * `mask` selects (`excludeBiases` is the usual mask). As in optax, the decay is scaled by the
 * learning rate (and its schedule). State: `[{ count, mu, nu }, null, { count }]`.
 *
 * @example
 * ```ts
 * import { adamw, excludeBiases } from "./mod.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const opt = adamw(0.1, { weightDecay: 0.5, mask: excludeBiases });
 * const params = { w: tensor([[2]]) };
 * const [u] = opt.update({ w: tensor([[0]]) }, opt.init(params), params); // zero gradient
 * if (Math.abs((u as { w: Tensor }).w.data[0] + 0.1) > 1e-6) throw new Error("!");
 * ```
 */
export function adamw(
  lr: number | Schedule,
  options: AdamWOptions = {},
): Transform<[AdamState, null, CountState]> {
  const op = "adamw";
  checkLearningRate(op, lr);
  const { weightDecay = 1e-4, mask, ...adamOptions } = checkOptions(op, options, [
    "b1",
    "b2",
    "eps",
    "weightDecay",
    "mask",
  ]);
  checkNonNegative(op, "weightDecay", weightDecay);
  if (mask !== undefined) checkFunction(op, "mask", mask, "a function (path, leaf) => boolean");
  return chainAs(
    op,
    [
      scaleByAdam(checkAdamOptions(op, adamOptions)),
      addDecayedWeights(weightDecay, mask),
      scaleByLearningRate(lr),
    ] as const,
  );
}
