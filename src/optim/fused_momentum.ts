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

import { type Ops, untraced } from "../autodiff/ops.ts";
import { momentumApply } from "../ops/optim_momentum.ts";
import type { Tensor } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";
import { countOf, hasExactly, leavesLike } from "./_fused_leaves.ts";
import { countTensor } from "./_leaves.ts";
import { applyUpdates } from "./chain.ts";
import type { TraceState } from "./trace_momentum.ts";
import type { CountState, Params, Schedule, Transform } from "./transform.ts";

type MomentumChainState = [TraceState, CountState];

/**
 * `updateParams` for `chain(traceMomentum({ decay, nesterov }), scaleByLearningRate(lr))`,
 * given that chain as `slow` (the fallback). Measured on the MLP 784-256-128-10 (batch 128,
 * blas, 2026-12-02, Intel Xeon, `bench/step_split.ts` with `momentum(0.01)`): the optimiser
 * stage went from 2.9-3.2 ms to 0.94 ms a step, the step from ~25,000 to ~45,000 samples/s.
 */
export function fusedMomentumParams(
  decay: number,
  nesterov: boolean,
  lr: number | Schedule,
  slow: Transform<MomentumChainState>,
): NonNullable<Transform<MomentumChainState>["updateParams"]> {
  return (grads, state, params, t = untraced()) => {
    const fast = fastPath(decay, nesterov, lr, grads, state, params, t);
    if (fast !== undefined) return fast;
    const [updates, next] = slow.update(grads, state, params, t);
    return [applyUpdates(params, updates, t), next];
  };
}

function fastPath(
  decay: number,
  nesterov: boolean,
  lr: number | Schedule,
  grads: Params,
  state: unknown,
  params: Params,
  t: Ops,
): [Params, MomentumChainState] | undefined {
  if (!Array.isArray(state) || state.length !== 2) return undefined;
  const [traceState, lrState] = state as [TraceState, CountState];
  const lrStep = countOf(lrState);
  if (lrStep === undefined || !hasExactly(traceState, ["trace"])) return undefined;
  // A traced Ops (someone differentiating through the step) keeps the chain's primitives,
  // whose pullbacks the trace records; momentumApply has none.
  if (typeof t !== "object" || t === null || t.tracing !== false) return undefined;
  let ps: Tensor[], rebuild: (leaves: readonly Tensor[]) => Tree;
  try {
    [ps, rebuild] = treeFlatten(params);
  } catch {
    return undefined;
  }
  const gs = leavesLike(grads, params);
  const vs = leavesLike(traceState.trace, params);
  if (gs === undefined || vs === undefined) return undefined;
  const rate = typeof lr === "number" ? lr : lr(lrStep);
  // A bad rate is the chain's to report, with its message.
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) return undefined;
  const steps = ps.map((p, l) => momentumApply(p, gs[l], vs[l], decay, nesterov, -rate));
  return [
    rebuild(steps.map((s) => s.param)),
    [{ trace: rebuild(steps.map((s) => s.trace)) }, { count: countTensor(lrStep + 1) }],
  ];
}
