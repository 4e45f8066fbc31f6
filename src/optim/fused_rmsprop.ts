/**
 * The declared fused step of `rmsprop`: `updateParams`, the new parameters and running means
 * from one `rmspropApply` per leaf instead of `scaleByRms`'s six passes, the learning-rate scale
 * and `applyUpdates`. It reads and writes exactly the state the chain does and gives the same
 * bits, float32 included. Anything unusual (a structure or dtype the fast path does not take, a
 * malformed state, a bad rate) goes through the chain itself, whose checks name the problem.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import { rmspropApply } from "../ops/optim_rms.ts";
import type { Tensor } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";
import { countOf, hasExactly, leavesLike } from "./_fused_leaves.ts";
import { countTensor } from "./_leaves.ts";
import { applyUpdates } from "./chain.ts";
import type { RmsState } from "./scale_by_rms.ts";
import type { CountState, Params, Schedule, Transform } from "./transform.ts";

type RmspropChainState = [RmsState, CountState];

/**
 * `updateParams` for `chain(scaleByRms({ decay, eps }), scaleByLearningRate(lr))`, given that
 * chain as `slow` (the fallback). Measured on the MLP 784-256-128-10 (batch 128, blas,
 * 2026-12-02, Intel Xeon with AVX-512, load 2.3-2.5, a temporary copy of `bench/step_split.ts`
 * with `rmsprop(1e-3)`, chain and fused interleaved, `OPENBLAS_NUM_THREADS=1 taskset -c 1`): the
 * optimiser stage went from 4.3-4.7 ms to 2.0-2.1 ms a step (median), the step from ~21,000 to
 * ~35,000 samples/s. What is left is the float32 roundings' cost in V8 and sqrt and division.
 */
export function fusedRmspropParams(
  decay: number,
  eps: number,
  lr: number | Schedule,
  slow: Transform<RmspropChainState>,
): NonNullable<Transform<RmspropChainState>["updateParams"]> {
  return (grads, state, params, t = untraced()) => {
    const fast = fastPath(decay, eps, lr, grads, state, params, t);
    if (fast !== undefined) return fast;
    const [updates, next] = slow.update(grads, state, params, t);
    return [applyUpdates(params, updates, t), next];
  };
}

function fastPath(
  decay: number,
  eps: number,
  lr: number | Schedule,
  grads: Params,
  state: unknown,
  params: Params,
  t: Ops,
): [Params, RmspropChainState] | undefined {
  if (!Array.isArray(state) || state.length !== 2) return undefined;
  const [rmsState, lrState] = state as [RmsState, CountState];
  const lrStep = countOf(lrState);
  if (lrStep === undefined || !hasExactly(rmsState, ["nu"])) return undefined;
  // A traced Ops (someone differentiating through the step) keeps the chain's primitives,
  // whose pullbacks the trace records; rmspropApply has none.
  if (typeof t !== "object" || t === null || t.tracing !== false) return undefined;
  let ps: Tensor[], rebuild: (leaves: readonly Tensor[]) => Tree;
  try {
    [ps, rebuild] = treeFlatten(params);
  } catch {
    return undefined;
  }
  const gs = leavesLike(grads, params);
  const ns = leavesLike(rmsState.nu, params);
  if (gs === undefined || ns === undefined) return undefined;
  const rate = typeof lr === "number" ? lr : lr(lrStep);
  // A bad rate is the chain's to report, with its message.
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) return undefined;
  const steps = ps.map((p, l) => rmspropApply(p, gs[l], ns[l], decay, eps, -rate));
  return [
    rebuild(steps.map((s) => s.param)),
    [{ nu: rebuild(steps.map((s) => s.nu)) }, { count: countTensor(lrStep + 1) }],
  ];
}
