/**
 * Composing transforms (`chain`) and applying their output to parameters (`applyUpdates`).
 *
 * @module
 */

import { describeTree, type Tree } from "../tree.ts";
import { checkTransform, rethrowAs } from "../_checks.ts";
import { kindOf } from "../_tree_walk.ts";

import {
  addTrees,
  APPLY,
  checkParamsRoot,
  FACTOR,
  type Fusable,
  named,
  SCALED,
} from "./_leaves.ts";
import type { Params, Transform } from "./transform.ts";

/** The state type of a transform. */
export type StateOf<T> = T extends Transform<infer S> ? S : never;

/** The state of `chain(...links)`: the tuple of the links' states, in order. */
export type ChainState<T extends readonly Transform<Tree>[]> = {
  -readonly [K in keyof T]: StateOf<T[K]>;
};

/**
 * Chains transforms: the updates of each link are the gradients of the next, and the state is
 * the array of the links' states. `chain(a, b)` is exactly "apply `a`, then `b`", so every
 * optimiser is a short chain, e.g. Adam is `chain(scaleByAdam(), scaleByLearningRate(lr))`.
 *
 * For speed, a built-in link followed by `scale` or `scaleByLearningRate` runs as one loop per
 * leaf (the factor is multiplied in as the last operation, so the result is what the two links
 * give one after the other, up to the rounding of the intermediate to float32), and
 * {@linkcode updateAndApply} has the last pass write the new parameters directly.
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
  links.forEach((link, i) => checkTransform("chain", link, `link ${i}`));
  const last = links.length - 1;
  // One pass over the links; with `onto` (the params), the last pass adds its output to them.
  function run(grads: Params, state: ChainState<T>, params: Params, onto: boolean) {
    const states = state as readonly Tree[];
    // Messages here carry no name of their own: every chain is wrapped by `named`, which
    // prefixes the name the user called (`chain update:`, `adam update:`).
    // The update path: the links may not read the params, so their structure is checked here
    // (the apply path's last link checks them as it writes them).
    checkParamsRoot("the params", params, onto ? undefined : grads);
    if (!Array.isArray(states) || states.length !== links.length) {
      throw new TypeError(
        `expected a state array of ${links.length} link states (as init returned it), got ${
          describeTree(states as Tree)
        }`,
      );
    }
    const next: Tree[] = new Array(links.length);
    let updates = grads;
    let pending = onto; // the updates are still to be added to the params
    for (let i = 0; i < links.length; i++) {
      // A link that scales its own output, then a pure scaling (the learning rate): one pass.
      const scaled = (links[i] as Fusable<Tree>)[SCALED];
      const factor = (links[i + 1] as Fusable<Tree> | undefined)?.[FACTOR];
      if (scaled !== undefined && factor !== undefined) {
        const [f, after] = factor(states[i + 1]);
        const add = pending && i + 1 === last;
        [updates, next[i]] = scaled(updates, states[i], params, f, add ? params : undefined);
        next[++i] = after;
        if (add) pending = false;
      } else if (pending && i === last && scaled !== undefined) {
        [updates, next[i]] = scaled(updates, states[i], params, 1, params);
        pending = false;
      } else {
        [updates, next[i]] = links[i].update(updates, states[i], params);
      }
    }
    if (pending) updates = addTrees("applyUpdates", params, updates);
    return [updates, next as ChainState<T>] as [Params, ChainState<T>];
  }
  const chained: Transform<ChainState<T>> & Fusable<ChainState<T>> = {
    init(params: Params): ChainState<T> {
      return links.map((link) => link.init(params)) as ChainState<T>;
    },
    update: (grads, state, params) => run(grads, state, params, false),
    [APPLY]: (grads, state, params) => run(grads, state, params, true),
  };
  return named("chain", chained);
}

/**
 * Runs an optimiser and adds its updates to the parameters: `[params + updates, state]`, the
 * same as `optimizer.update` followed by {@linkcode applyUpdates} (as `step` in
 * `src/train/stages.ts` does). For chains of gradstream's links (every alias: `adam`, `sgd`,
 * ...) the last pass over each leaf writes the new parameters directly, so no updates tree
 * is allocated and swept: one loop per leaf reads the gradient, the moments and the
 * parameter, and writes new moments and a new parameter. Any other transform takes the
 * general path. The inputs are untouched either way, and the result is a new tree.
 *
 * It equals the general path bitwise in float64. In float32 the TypeScript loops compute in
 * double and round once, so the result differs at most by the rounding of the update to float32
 * before it is added; a backend's Adam kernel (`Backend.adam`) computes in float32, and then
 * the two paths agree bitwise.
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
): [P, S] {
  checkTransform("updateAndApply", optimizer);
  if (kindOf(params) === "invalid") {
    throw new TypeError(
      `updateAndApply: params must be a parameter tree, got ${describeTree(params as Tree)}`,
    );
  }
  const fused = (optimizer as Fusable<S>)[APPLY];
  return rethrowAs("updateAndApply", () => {
    if (fused !== undefined) return fused(grads, state, params) as [P, S];
    const [updates, next] = optimizer.update(grads, state, params);
    return [applyUpdates(params, updates), next];
  });
}

/**
 * Adds updates to parameters, leaf by leaf, returning a new tree (the inputs are untouched).
 * The result keeps each parameter's dtype, so float32 parameters stay float32 whatever the
 * updates' dtype. A `TypeError` names both structures if they differ.
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
export function applyUpdates<P extends Params>(params: P, updates: Params): P {
  return addTrees("applyUpdates", params, updates) as P;
}
