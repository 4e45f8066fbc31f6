/**
 * Internal helpers shared by the optimiser links: walking several trees of the same structure
 * leaf by leaf, the float64 step counter, and option checks. Not part of the public surface.
 *
 * @module
 */

import { allocate, formatShape, fromTypedArray, isTensor, type Tensor } from "../tensor.ts";
import { assertSameStructure, type Tree, treeFlatten } from "../tree.ts";

/**
 * The leaves of `tree` and a function rebuilding trees of its structure; `others` are checked
 * to have the same structure and leaf shapes (a `TypeError` naming `op` otherwise) and their
 * leaves are returned in the same order.
 */
export function flattenAll(
  op: string,
  tree: Tree,
  others: readonly Tree[],
): [Tensor[], Tensor[][], (leaves: readonly Tensor[]) => Tree] {
  const [leaves, unflatten] = treeFlatten(tree);
  const rest = others.map((other) => {
    assertSameStructure(op, tree, other);
    return treeFlatten(other)[0];
  });
  return [leaves, rest, unflatten];
}

/** A float64 scalar tensor holding a step count. */
export function countTensor(n: number): Tensor {
  return fromTypedArray(new Float64Array([n]), []);
}

/** Reads the step count of a `{ count }` state, with a `TypeError` naming `op` if malformed. */
export function readCount(op: string, state: unknown): number {
  const count = (state as { count?: unknown } | null)?.count;
  if (!isTensor(count) || count.data.length !== 1) {
    throw new TypeError(
      `${op}: state.count must be a one-element tensor, got ${
        isTensor(count) ? `shape ${formatShape(count.shape)}` : String(count)
      }`,
    );
  }
  const n = count.data[0];
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${op}: state.count must be a non-negative integer, got ${n}`);
  }
  return n;
}

/** RangeError naming `op` unless `value` is finite and `>= 0` (or `> 0` when `strict`). */
export function checkNonNegative(op: string, name: string, value: number, strict = false): void {
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < 0 || (strict && value === 0)
  ) {
    throw new RangeError(
      `${op}: ${name} must be a finite ${
        strict ? "positive" : "non-negative"
      } number, got ${value}`,
    );
  }
}

/** RangeError naming `op` unless `0 <= value < 1` (a decay rate). */
export function checkDecay(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new RangeError(`${op}: ${name} must be in [0, 1), got ${value}`);
  }
}

/** `factor · g` for every leaf, in fresh arrays of each leaf's dtype. */
export function scaleTree(grads: Tree, factor: number): Tree {
  const [leaves, unflatten] = treeFlatten(grads);
  const out: Tensor[] = new Array(leaves.length);
  for (let l = 0; l < leaves.length; l++) {
    const g = leaves[l].data;
    const n = g.length;
    const o = allocate(leaves[l].dtype, n);
    for (let i = 0; i < n; i++) o[i] = factor * g[i];
    out[l] = fromTypedArray(o, leaves[l].shape);
  }
  return unflatten(out);
}
