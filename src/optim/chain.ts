/**
 * Composing transforms (`chain`) and applying their output to parameters (`applyUpdates`).
 *
 * @module
 */

import { checkOps, type Ops, untraced } from "../autodiff/ops.ts";
import { astype } from "../tensor.ts";
import { describeTree, type Tree } from "../tree.ts";
import { checkTransform, rethrowAs } from "../_checks.ts";
import { kindOf } from "../_tree_walk.ts";
import { chainAs, type ChainState } from "./_chain.ts";
import { flattenAll } from "./_leaves.ts";
import type { Params, Transform } from "./transform.ts";

export type { ChainState, StateOf } from "./_chain.ts";

/**
 * Chains transforms: the updates of each link are the gradients of the next, and the state is
 * the array of the links' states (typed: `chain(scaleByAdam(), scaleByLearningRate(lr))` is a
 * `Transform<[AdamState, CountState]>`). `chain(a, b)` is exactly "apply `a`, then `b`", with
 * the same `t` handed to every link, so every optimiser is a short chain, e.g. Adam is
 * `chain(scaleByAdam(), scaleByLearningRate(lr))`.
 *
 * @example
 * ```ts
 * import { applyUpdates, chain, clipByGlobalNorm, scaleByAdam, scaleByLearningRate } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(0.1));
 * const params = { w: tensor([1, 2]) };
 * const state = opt.init(params);
 * const [updates, next] = opt.update({ w: tensor([10, 0]) }, state, params);
 * const moved = applyUpdates(params, updates) as { w: { data: Float32Array } };
 * if (Math.abs(moved.w.data[0] - 0.9) > 1e-6 || next.length !== 3) throw new Error("unexpected");
 * ```
 */
export function chain<T extends readonly Transform<Tree>[]>(
  ...links: T
): Transform<ChainState<T>> {
  return chainAs("chain", links);
}

/**
 * Runs an optimiser and adds its updates to the parameters: `[params + updates, state]`,
 * exactly `optimizer.update` followed by {@linkcode applyUpdates}, with errors named
 * `updateAndApply: ...`. The inputs are untouched; the result is a new tree.
 *
 * @example
 * ```ts
 * import { adam, applyUpdates, updateAndApply } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * const opt = adam(0.1);
 * const w = tensor([1, 2], [2], "float64"), g = tensor([3, -4], [2], "float64");
 * const [next, state] = updateAndApply(opt, g, opt.init(w), w);
 * const [updates] = opt.update(g, opt.init(w), w);
 * if (next.data.join() !== applyUpdates(w, updates).data.join()) throw new Error("differs");
 * if (state[1].count.data[0] !== 1) throw new Error("unexpected");
 * ```
 */
export function updateAndApply<P extends Params, S>(
  optimizer: Transform<S>,
  grads: Params,
  state: S,
  params: P,
  t: Ops = untraced(),
): [P, S] {
  checkTransform("updateAndApply", optimizer);
  checkOps("updateAndApply", t);
  if (kindOf(params) === "invalid") {
    throw new TypeError(
      `updateAndApply: params must be a parameter tree, got ${describeTree(params as Tree)}`,
    );
  }
  return rethrowAs("updateAndApply", () => {
    if (typeof optimizer.updateParams === "function") {
      return optimizer.updateParams(grads, state, params, t) as [P, S];
    }
    const [updates, next] = optimizer.update(grads, state, params, t);
    return [applyUpdates(params, updates, t), next];
  });
}

/**
 * Adds updates to parameters, leaf by leaf with `t.add`, returning a new tree (the inputs are
 * untouched). The result keeps each parameter's dtype, so float32 parameters stay float32
 * whatever the updates' dtype (an update of another dtype is cast first). A `TypeError` names
 * both structures if they differ.
 *
 * @example
 * ```ts
 * import { applyUpdates } from "./chain.ts";
 * import { tensor } from "../tensor.ts";
 * const next = applyUpdates({ w: tensor([1, 2]) }, { w: tensor([0.5, -1]) }) as {
 *   w: { data: Float32Array };
 * };
 * if (next.w.data[0] !== 1.5 || next.w.data[1] !== 1) throw new Error("unexpected");
 * ```
 */
export function applyUpdates<P extends Params>(params: P, updates: Params, t: Ops = untraced()): P {
  checkOps("applyUpdates", t);
  const [ps, [us], unflatten] = flattenAll("applyUpdates", params, [updates]);
  return unflatten(ps.map((p, l) => {
    const u = us[l];
    return t.add(p, u.dtype === p.dtype ? u : astype(u, p.dtype));
  })) as P;
}
