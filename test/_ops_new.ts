/**
 * Helpers for the tests of the selection primitives (slicing, joining, pad, select, indices):
 * the reference backend, a gradient assertion over traces, plain-loop index arithmetic for
 * reference implementations, and drawn shapes with signed axes.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import type { Primitive, Pullback } from "../src/ops/primitive.ts";
import type { Shape, Tensor } from "../src/tensor.ts";
import { checkGradients, type Differentiable, shapeArb } from "../src/testing/mod.ts";
import type { Tree } from "../src/tree.ts";

/** The TypeScript reference backend. */
export const TS = backend("ts");
/** Untraced primitives on {@linkcode TS}. */
export const t = untraced(TS);
/** fast-check runs per property. */
export const RUNS = { numRuns: 40 };

/** Runs a primitive directly, for its pullback. */
export function run<A extends readonly unknown[]>(
  p: Primitive<A>,
  ...args: A
): [Tensor, Pullback] {
  const [y, back] = p.run(TS, ...args);
  assert.ok(back !== undefined, `${p.name} has a pullback`);
  return [y, back];
}

/** Asserts the VJP of `f` at `x` matches central differences (float64). */
export function assertGrad<X extends Tree>(f: Differentiable<X>, x: X): void {
  const r = checkGradients(f, x);
  assert.ok(r.ok, `max error ${r.maxError} at ${JSON.stringify(r.worst)}`);
}

/** The multi-index of flat position `i` in a row-major `shape`. */
export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** The flat position of multi-index `idx` in a row-major `shape`. */
export function ravel(idx: readonly number[], shape: Shape): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d] + idx[d];
  return p;
}

/** The element of `x` at `idx`, broadcasting `x` (right-aligned, size-1 axes) to idx's rank. */
export function at(x: Tensor, idx: readonly number[]): number {
  const off = idx.length - x.shape.length;
  const own = x.shape.map((n, d) => (n === 1 ? 0 : idx[off + d]));
  return x.data[ravel(own, x.shape)];
}

/** A shape of rank `minRank`..3 with dims 1..4 (size-1 axes included) and a signed axis of it. */
export function shapeAndAxisArb(minRank = 1): fc.Arbitrary<{ shape: number[]; axis: number }> {
  return shapeArb({ minRank, maxRank: 3, minDim: 1, maxDim: 4 }).chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
    })
  );
}

/** The copied data of each tensor, to compare after running an op and its pullback. */
export function snapshot(...xs: Tensor[]): number[][] {
  return xs.map((x) => Array.from(x.data));
}
