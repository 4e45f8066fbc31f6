/**
 * The declared fused step of `sgd`: `updateParams`, the new parameters from one `sgdApply` per
 * leaf instead of the learning-rate scale and `applyUpdates` as two passes. It reads and writes
 * exactly the state the chain does and gives the same bits, float32 included. Anything unusual
 * (a structure or dtype the fast path does not take, a malformed state, a bad rate) goes
 * through the chain itself, whose checks name the problem.
 *
 * @module
 */

import { sgdApply } from "../ops/optim_rms.ts";
import { fusedInputs, withFallback } from "./_fused_step.ts";
import { countTensor } from "./_leaves.ts";
import type { CountState, Schedule, Transform } from "./transform.ts";

type SgdChainState = [CountState];

/**
 * `updateParams` for `chain(scaleByLearningRate(lr))`, given that chain as `slow` (the
 * fallback). Measured on the MLP 784-256-128-10 (batch
 * 128, blas, 2026-12-02 08:21 UTC, Intel Xeon, quiet), `OPENBLAS_NUM_THREADS=1 taskset -c 1
 * deno run -A bench/step_split.ts --backend blas --optimizer sgd [--chain]`: the optimiser
 * stage 1.29 ms a step fused against 1.60 ms for the chain (medians of 600 steps).
 */
export function fusedSgdParams(
  lr: number | Schedule,
  slow: Transform<SgdChainState>,
): NonNullable<Transform<SgdChainState>["updateParams"]> {
  return withFallback(slow, (grads, state, params, t) => {
    const at = fusedInputs(grads, state, params, t, lr, null);
    if (at === undefined) return undefined;
    const ps = at.ps.map((p, l) => sgdApply(p, at.gs[l], -at.rate));
    return [at.rebuild(ps), [{ count: countTensor(at.lrStep + 1) }]];
  });
}
