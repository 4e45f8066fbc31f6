/**
 * The declared fused step of `sgd`: `updateParams`, the new parameters from one `sgdApply` per
 * leaf instead of the learning-rate scale and `applyUpdates` as two passes. It reads and writes
 * exactly the state the chain does and gives the same bits, float32 included. Anything unusual
 * (a structure or dtype the fast path does not take, a malformed state, a bad rate) goes
 * through the chain itself, whose checks name the problem.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import { sgdApply } from "../ops/optim_rms.ts";
import type { Tensor } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";
import { countOf, leavesLike } from "./_fused_leaves.ts";
import { countTensor } from "./_leaves.ts";
import { applyUpdates } from "./chain.ts";
import type { CountState, Params, Schedule, Transform } from "./transform.ts";

type SgdChainState = [CountState];

/**
 * `updateParams` for `chain(scaleByLearningRate(lr))`, given that chain as `slow` (the
 * fallback). Measured on the MLP 784-256-128-10 (batch 128, blas, 2026-12-02, Intel Xeon
 * with AVX-512, load 2.3-2.5, a temporary copy of `bench/step_split.ts` with `sgd(0.01)`, chain
 * and fused interleaved, `OPENBLAS_NUM_THREADS=1 taskset -c 1`): the optimiser stage went from
 * 1.64-1.65 ms to 1.26-1.29 ms a step (median), the step from ~40,000 to ~46,000 samples/s.
 */
export function fusedSgdParams(
  lr: number | Schedule,
  slow: Transform<SgdChainState>,
): NonNullable<Transform<SgdChainState>["updateParams"]> {
  return (grads, state, params, t = untraced()) => {
    const fast = fastPath(lr, grads, state, params, t);
    if (fast !== undefined) return fast;
    const [updates, next] = slow.update(grads, state, params, t);
    return [applyUpdates(params, updates, t), next];
  };
}

function fastPath(
  lr: number | Schedule,
  grads: Params,
  state: unknown,
  params: Params,
  t: Ops,
): [Params, SgdChainState] | undefined {
  if (!Array.isArray(state) || state.length !== 1) return undefined;
  const lrStep = countOf(state[0]);
  if (lrStep === undefined) return undefined;
  // A traced Ops (someone differentiating through the step) keeps the chain's primitives,
  // whose pullbacks the trace records; sgdApply has none.
  if (typeof t !== "object" || t === null || t.tracing !== false) return undefined;
  let ps: Tensor[], rebuild: (leaves: readonly Tensor[]) => Tree;
  try {
    [ps, rebuild] = treeFlatten(params);
  } catch {
    return undefined;
  }
  const gs = leavesLike(grads, params);
  if (gs === undefined) return undefined;
  const rate = typeof lr === "number" ? lr : lr(lrStep);
  // A bad rate is the chain's to report, with its message.
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) return undefined;
  return [rebuild(ps.map((p, l) => sgdApply(p, gs[l], -rate))), [{
    count: countTensor(lrStep + 1),
  }]];
}
