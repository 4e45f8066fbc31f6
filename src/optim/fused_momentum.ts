/**
 * The declared fused step of `momentum` and `nesterov`: `updateParams`, the new parameters and
 * velocities from one `momentumApply` per leaf instead of the velocity's two passes, the
 * learning-rate scale and `applyUpdates`. It reads and writes exactly the state the chain does
 * and gives the same bits, float32 included. Anything unusual (a structure or dtype the fast
 * path does not take, a malformed state, a bad rate) goes through the chain itself, whose checks
 * name the problem.
 *
 * @module
 */

import { momentumApply } from "../ops/optim_momentum.ts";
import { leavesLike } from "./_fused_leaves.ts";
import { fusedInputs, withFallback } from "./_fused_step.ts";
import { countTensor } from "./_leaves.ts";
import type { TraceState } from "./trace_momentum.ts";
import type { CountState, Schedule, Transform } from "./transform.ts";

type MomentumChainState = [TraceState, CountState];

/**
 * `updateParams` for `chain(traceMomentum({ decay, nesterov }), scaleByLearningRate(lr))`,
 * given that chain as `slow` (the fallback). Measured on the MLP 784-256-128-10 (batch
 * 128, blas, 2026-12-02 08:21 UTC, Intel Xeon, quiet), `OPENBLAS_NUM_THREADS=1 taskset -c 1
 * deno run -A bench/step_split.ts --backend blas --optimizer momentum [--chain]`: the optimiser
 * stage 0.95 ms a step fused against 3.21 ms for the chain (medians of 600 steps).
 */
export function fusedMomentumParams(
  decay: number,
  nesterov: boolean,
  lr: number | Schedule,
  slow: Transform<MomentumChainState>,
): NonNullable<Transform<MomentumChainState>["updateParams"]> {
  return withFallback(slow, (grads, state, params, t) => {
    const at = fusedInputs(grads, state, params, t, lr, ["trace"]);
    const vs = at && leavesLike(at.link!.trace, params);
    if (at === undefined || vs === undefined) return undefined;
    const steps = at.ps.map((p, l) => momentumApply(p, at.gs[l], vs[l], decay, nesterov, -at.rate));
    return [
      at.rebuild(steps.map((s) => s.param)),
      [{ trace: at.rebuild(steps.map((s) => s.trace)) }, { count: countTensor(at.lrStep + 1) }],
    ];
  });
}
