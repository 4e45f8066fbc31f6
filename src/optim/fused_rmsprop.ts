/**
 * The declared fused step of `rmsprop`: `updateParams`, the new parameters and running means
 * from one `rmspropApply` per leaf instead of `scaleByRms`'s six passes, the learning-rate scale
 * and `applyUpdates`. It reads and writes exactly the state the chain does and gives the same
 * bits, float32 included. Anything unusual (a structure or dtype the fast path does not take, a
 * malformed state, a bad rate) goes through the chain itself, whose checks name the problem.
 *
 * @module
 */

import { rmspropApply } from "../ops/optim_rms.ts";
import { leavesLike } from "./_fused_leaves.ts";
import { fusedInputs, withFallback } from "./_fused_step.ts";
import { countTensor } from "./_leaves.ts";
import type { RmsState } from "./scale_by_rms.ts";
import type { CountState, Schedule, Transform } from "./transform.ts";

type RmspropChainState = [RmsState, CountState];

/**
 * `updateParams` for `chain(scaleByRms({ decay, eps }), scaleByLearningRate(lr))`, given that
 * chain as `slow` (the fallback). Measured on the MLP 784-256-128-10 (batch
 * 128, blas, 2026-12-02 08:21 UTC, Intel Xeon, quiet), `OPENBLAS_NUM_THREADS=1 taskset -c 1
 * deno run -A bench/step_split.ts --backend blas --optimizer rmsprop [--chain]`: the optimiser
 * stage 2.06 ms a step fused against 4.45 ms for the chain (medians of 600 steps).
 */
export function fusedRmspropParams(
  decay: number,
  eps: number,
  lr: number | Schedule,
  slow: Transform<RmspropChainState>,
): NonNullable<Transform<RmspropChainState>["updateParams"]> {
  return withFallback(slow, (grads, state, params, t) => {
    const at = fusedInputs(grads, state, params, t, lr, ["nu"]);
    const ns = at && leavesLike(at.link!.nu, params);
    if (at === undefined || ns === undefined) return undefined;
    const steps = at.ps.map((p, l) => rmspropApply(p, at.gs[l], ns[l], decay, eps, -at.rate));
    return [
      at.rebuild(steps.map((s) => s.param)),
      [{ nu: at.rebuild(steps.map((s) => s.nu)) }, { count: countTensor(at.lrStep + 1) }],
    ];
  });
}
