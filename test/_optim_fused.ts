/**
 * What the tests of the declared fused optimiser steps share (test/optim_fused_momentum_test.ts,
 * optim_fused_rms_test.ts): small parameter trees, a flattening for bitwise comparison, the
 * two ways of stepping (fused and through the chain) and the learning rates tried.
 *
 * @module
 */

import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { applyUpdates } from "../src/optim/chain.ts";
import { warmupCosine } from "../src/optim/join_schedules.ts";
import type { Schedule, Transform } from "../src/optim/transform.ts";
import type { DType, Tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import type { Tree } from "../src/tree.ts";

/** A dense layer's parameters `{ w: [3, 5], b: [5] }` in `dtype`. */
export const paramsArb = (dtype: DType) =>
  fc.record({
    w: tensorArb([3, 5], { dtype, min: -1, max: 1 }),
    b: tensorArb([5], { dtype, min: -1, max: 1 }),
  });

/** Every tensor of a tree (keys sorted) as plain numbers, for deepEqual to compare bits. */
export function leaves(tree: unknown): number[][] {
  const out: number[][] = [];
  const walk = (x: unknown): void => {
    if (x === null || x === undefined) return;
    if (Array.isArray(x)) return x.forEach(walk);
    const o = x as Tensor;
    if (o.data !== undefined && o.shape !== undefined) out.push([...o.data]);
    else for (const k of Object.keys(x as object).sort()) walk((x as Record<string, unknown>)[k]);
  };
  walk(tree);
  return out;
}

/** Steps `opt` over the gradients, fused (`updateParams`) or through its chain. */
export function run<S>(opt: Transform<S>, params: Tree, grads: readonly Tree[], fused: boolean) {
  const t = untraced();
  let state = opt.init(params);
  for (const g of grads) {
    if (fused) [params, state] = opt.updateParams!(g, state, params, t);
    else {
      const [u, next] = opt.update(g, state, params, t);
      [params, state] = [applyUpdates(params, u, t), next];
    }
  }
  return [params, state] as const;
}

/** A constant rate and a schedule. */
export const schedules: [string, number | Schedule][] = [
  ["a constant rate", 0.05],
  ["a schedule", warmupCosine({ peak: 0.05, warmupSteps: 2, decaySteps: 6 })],
];
