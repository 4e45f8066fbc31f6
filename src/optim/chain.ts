/**
 * Composing transforms (`chain`) and applying their output to parameters (`applyUpdates`).
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { describeTree, type Tree } from "../tree.ts";
import { FACTOR, flattenAll, type Fusable, SCALED } from "./_leaves.ts";
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
 * give one after the other, up to the rounding of the intermediate to float32).
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
  return {
    init(params: Params): ChainState<T> {
      return links.map((link) => link.init(params)) as ChainState<T>;
    },
    update(grads: Params, state: ChainState<T>, params: Params): [Params, ChainState<T>] {
      const states = state as readonly Tree[];
      if (!Array.isArray(states) || states.length !== links.length) {
        throw new TypeError(
          `chain: expected a state array of ${links.length} link states, got ${
            describeTree(states as Tree)
          }`,
        );
      }
      const next: Tree[] = new Array(links.length);
      let updates = grads;
      for (let i = 0; i < links.length; i++) {
        // A link that scales its own output, then a pure scaling (the learning rate): one pass.
        const scaled = (links[i] as Fusable<Tree>)[SCALED];
        const factor = (links[i + 1] as Fusable<Tree> | undefined)?.[FACTOR];
        if (scaled !== undefined && factor !== undefined) {
          const [f, after] = factor(states[i + 1]);
          [updates, next[i]] = scaled(updates, states[i], params, f);
          next[++i] = after;
        } else {
          [updates, next[i]] = links[i].update(updates, states[i], params);
        }
      }
      return [updates, next as ChainState<T>];
    },
  };
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
  const [leaves, [deltas], unflatten] = flattenAll("applyUpdates", params, [updates]);
  const out: Tensor[] = new Array(leaves.length);
  for (let l = 0; l < leaves.length; l++) {
    const p = leaves[l].data;
    const u = deltas[l].data;
    const n = p.length;
    const o = allocate(leaves[l].dtype, n);
    for (let i = 0; i < n; i++) o[i] = p[i] + u[i];
    out[l] = fromTypedArray(o, leaves[l].shape);
  }
  return unflatten(out) as P;
}
