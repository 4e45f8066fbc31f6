/**
 * The declared fused step of `adam`: `updateParams`, the new parameters from one `adamApply`
 * per leaf instead of Adam's update, the learning-rate scale and `applyUpdates` as three
 * passes. It reads and writes exactly the state `adam`'s chain does, and gives the same
 * parameters (bitwise in float64). Anything unusual (a structure or dtype the fast path does
 * not take, a malformed state) goes through the chain itself, whose checks name the problem.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import { adamApply } from "../ops/optim_steps.ts";
import type { Tensor } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";
import { countOf, hasExactly, leavesLike } from "./_fused_leaves.ts";
import { countTensor } from "./_leaves.ts";
import { applyUpdates } from "./chain.ts";
import type { AdamState } from "./scale_by_adam.ts";
import type { CountState, Params, Schedule, Transform } from "./transform.ts";

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
  return (grads, state, params, t = untraced()) => {
    const fallback = (): [Params, AdamChainState] => {
      const [updates, next] = slow.update(grads, state, params, t);
      return [applyUpdates(params, updates, t), next];
    };
    const fast = fastPath(b1, b2, eps, lr, grads, state, params, t);
    return fast ?? fallback();
  };
}

function fastPath(
  b1: number,
  b2: number,
  eps: number,
  lr: number | Schedule,
  grads: Params,
  state: unknown,
  params: Params,
  t: Ops,
): [Params, AdamChainState] | undefined {
  if (!Array.isArray(state) || state.length !== 2) return undefined;
  const [adamState, lrState] = state as [AdamState, CountState];
  const step = countOf(adamState), lrStep = countOf(lrState);
  if (step === undefined || lrStep === undefined) return undefined;
  if (!hasExactly(adamState, ["count", "mu", "nu"])) return undefined;
  if (typeof t !== "object" || t === null || typeof t.backend?.gemm !== "function") {
    return undefined;
  }
  let ps: Tensor[], rebuild: (leaves: readonly Tensor[]) => Tree;
  try {
    [ps, rebuild] = treeFlatten(params);
  } catch {
    return undefined;
  }
  const gs = leavesLike(grads, params);
  const ms = leavesLike(adamState.mu, params);
  const vs = leavesLike(adamState.nu, params);
  if (gs === undefined || ms === undefined || vs === undefined) return undefined;
  const rate = typeof lr === "number" ? lr : lr(lrStep);
  // A bad rate is the chain's to report, with its message.
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) return undefined;
  const next = step + 1;
  const scalars = {
    b1,
    b2,
    c1: 1 / (1 - Math.pow(b1, next)),
    c2: 1 / (1 - Math.pow(b2, next)),
    eps,
  };
  const steps = ps.map((p, l) => adamApply(t.backend, p, gs[l], ms[l], vs[l], scalars, -rate));
  const mu = rebuild(steps.map((s) => s.mu));
  const nu = rebuild(steps.map((s) => s.nu));
  return [
    rebuild(steps.map((s) => s.param)),
    [{ count: countTensor(next), mu, nu }, { count: countTensor(lrStep + 1) }],
  ];
}
