/** The backend, arbitraries and snapshot the parallel and residual tests share (not a test file itself). */
import fc from "fast-check";
import type { Tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves } from "../src/tree.ts";
import { untraced } from "../src/autodiff/ops.ts";

export const t = untraced();

export const dimArb = fc.integer({ min: 1, max: 4 });
export const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
export const f64 = { dtype: "float64" as const };

export function snapshot(x: Tensor, params: Tree): number[][] {
  return [[...x.data], ...treeLeaves(params).map((l) => [...l.value.data])];
}
