/**
 * The frame every declared fused step (`fused_adam.ts`, `fused_momentum.ts`,
 * `fused_rmsprop.ts`, `fused_sgd.ts`) shares: a chain `[link, scaleByLearningRate(lr)]` (or
 * the scale alone) whose state and arguments are read off once, the fast path taken where they
 * are exactly what the chain itself would accept, and the chain run otherwise, so that its
 * checks name whatever is wrong.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import type { Tensor } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";
import { countOf, hasExactly, leavesLike } from "./_fused_leaves.ts";
import { applyUpdates } from "./chain.ts";
import type { Params, Schedule, Transform } from "./transform.ts";

/** What a fused step's fast path works from. */
export interface FusedInputs {
  /** The parameters' leaves, and how to build a tree like the parameters from new ones. */
  readonly ps: readonly Tensor[];
  readonly rebuild: (leaves: readonly Tensor[]) => Tree;
  /** The gradients' leaves, in the parameters' order. */
  readonly gs: readonly Tensor[];
  /** The first link's state (exactly the keys asked for), or undefined for the scale alone. */
  readonly link: Record<string, unknown> | undefined;
  /** The learning-rate link's count, and the rate at that count (finite, non-negative). */
  readonly lrStep: number;
  readonly rate: number;
}

/**
 * The inputs of the fast path, or undefined where the chain should run instead: `keys` are the
 * first link's state keys (`null`: the chain is the learning-rate scale alone); a traced `t`
 * (someone differentiating through the step) goes to the chain unless `traceable` says the
 * fused form is what the chain runs anyway.
 */
export function fusedInputs(
  grads: Params,
  state: unknown,
  params: Params,
  t: Ops,
  lr: number | Schedule,
  keys: readonly string[] | null,
  traceable = false,
): FusedInputs | undefined {
  const links = keys === null ? 1 : 2;
  if (!Array.isArray(state) || state.length !== links) return undefined;
  const link = keys === null ? undefined : state[0] as Record<string, unknown>;
  if (keys !== null && !hasExactly(link, keys)) return undefined;
  const lrStep = countOf(state[links - 1]);
  if (lrStep === undefined) return undefined;
  if (typeof t !== "object" || t === null || typeof t.backend?.gemm !== "function") {
    return undefined;
  }
  if (t.tracing !== false && !traceable) return undefined;
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
  return { ps, rebuild, gs, link, lrStep, rate };
}

/**
 * `updateParams` that returns `fast`'s result where it gives one, and otherwise runs `slow`
 * (the chain) and applies its updates.
 */
export function withFallback<S>(
  slow: Transform<S>,
  fast: (grads: Params, state: unknown, params: Params, t: Ops) => [Params, S] | undefined,
): NonNullable<Transform<S>["updateParams"]> {
  return (grads, state, params, t = untraced()) => {
    const done = fast(grads, state, params, t);
    if (done !== undefined) return done;
    const [updates, next] = slow.update(grads, state, params, t);
    return [applyUpdates(params, updates, t), next];
  };
}
