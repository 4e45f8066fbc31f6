/**
 * The declared fused step of `adam`: `updateParams`, the new parameters from one `adamApply`
 * per leaf instead of Adam's update, the learning-rate scale and `applyUpdates` as three
 * passes. It reads and writes exactly the state `adam`'s chain does, and gives the same
 * parameters (bitwise in float64). Anything unusual (a structure or dtype the fast path does
 * not take, a malformed state) goes through the chain itself, whose checks name the problem.
 *
 * @module
 */

import { adamApply } from "../ops/optim_steps.ts";
import { countOf, leavesLike } from "./_fused_leaves.ts";
import { fusedInputs, withFallback } from "./_fused_step.ts";
import { countTensor } from "./_leaves.ts";
import type { AdamState } from "./scale_by_adam.ts";
import type { CountState, Schedule, Transform } from "./transform.ts";

type AdamChainState = [AdamState, CountState];

/**
 * `updateParams` for `chain(scaleByAdam({ b1, b2, eps }), scaleByLearningRate(lr))`, given that
 * chain (`slow`) for everything the fast path does not take.
 */
export function fusedAdamParams(
  b1: number,
  b2: number,
  eps: number,
  lr: number | Schedule,
  slow: Transform<AdamChainState>,
): NonNullable<Transform<AdamChainState>["updateParams"]> {
  // adamApply under a trace is what the chain runs too (scaleByAdam's adamMoments has no
  // pullback either), hence `traceable`.
  return withFallback(slow, (grads, state, params, t) => {
    const at = fusedInputs(grads, state, params, t, lr, ["count", "mu", "nu"], true);
    if (at === undefined) return undefined;
    const step = countOf(at.link);
    const ms = leavesLike(at.link!.mu, params), vs = leavesLike(at.link!.nu, params);
    if (step === undefined || ms === undefined || vs === undefined) return undefined;
    const next = step + 1;
    const scalars = {
      b1,
      b2,
      c1: 1 / (1 - Math.pow(b1, next)),
      c2: 1 / (1 - Math.pow(b2, next)),
      eps,
    };
    const steps = at.ps.map((p, l) =>
      adamApply(t.backend, p, at.gs[l], ms[l], vs[l], scalars, -at.rate)
    );
    return [
      at.rebuild(steps.map((s) => s.param)),
      [
        {
          count: countTensor(next),
          mu: at.rebuild(steps.map((s) => s.mu)),
          nu: at.rebuild(steps.map((s) => s.nu)),
        },
        { count: countTensor(at.lrStep + 1) },
      ],
    ];
  });
}
