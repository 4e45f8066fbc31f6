// Shared by the op tests: the reference backend, a primitive run directly (to test its
// pullback's contract), and a gradient check that fails with the worst element.
import assert from "node:assert/strict";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import type { Primitive, Pullback } from "../src/ops/primitive.ts";
import type { Tensor } from "../src/tensor.ts";
import type { Tree } from "../src/tree.ts";
import { checkGradients, type GradientCheckOptions } from "../src/testing/mod.ts";

/** The TypeScript reference backend every op test runs on. */
export const TS = backend("ts");

/** An `Ops` on the reference backend that only computes. */
export const plain: Ops = untraced(TS);

/** A primitive's output and pullback on the reference backend (the pullback must exist). */
export function run<A extends readonly unknown[]>(p: Primitive<A>, ...args: A): [Tensor, Pullback] {
  const [y, pullback] = p.run(TS, ...args);
  assert.ok(pullback !== undefined, `${p.name} has a pullback`);
  return [y, pullback];
}

/** Asserts that `f`'s composed pullbacks match central differences at `x` (float64). */
export function assertGradientsMatch<X extends Tree>(
  f: (t: Ops, x: X) => Tree,
  x: X,
  options: GradientCheckOptions = {},
): void {
  const r = checkGradients(f, x, options);
  assert.ok(r.ok, `max error ${r.maxError} (${r.checked} checked) at ${JSON.stringify(r.worst)}`);
}
