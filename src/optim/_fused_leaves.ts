/**
 * What the declared fused steps (`fused_adam.ts`, `fused_momentum.ts`) read off a chain's state
 * before they take their fast path: counts, and trees of exactly the parameters' structure.
 * Anything else sends them to the chain itself, whose checks name the problem.
 *
 * @module
 */

import { isTensor, type Tensor } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";

/** A non-negative integer count from a `{ count }` state, or undefined. */
export function countOf(state: unknown): number | undefined {
  const c = (state as { count?: unknown } | null)?.count;
  if (!isTensor(c) || c.data.length !== 1) return undefined;
  const n = c.data[0];
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Whether `state` is a plain object with exactly these keys, as `stateField` in the chain's
 * links demands (a state with an extra key is the chain's to reject, not the fast path's to use).
 */
export function hasExactly(state: unknown, keys: readonly string[]): boolean {
  if (typeof state !== "object" || state === null || Array.isArray(state) || isTensor(state)) {
    return false;
  }
  return Object.keys(state).length === keys.length && keys.every((k) => Object.hasOwn(state, k));
}

/** Whether two trees have the same structure (keys, lengths, leaf shapes and dtypes). */
function sameStructure(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (a === null || b === null) return a === b;
  if (isTensor(a) || isTensor(b)) {
    if (!isTensor(a) || !isTensor(b) || a.dtype !== b.dtype) return false;
    if (a.shape.length !== b.shape.length) return false;
    for (let d = 0; d < a.shape.length; d++) if (a.shape[d] !== b.shape[d]) return false;
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameStructure(a[i], b[i], depth + 1)) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (
      !sameStructure(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        depth + 1,
      )
    ) {
      return false;
    }
  }
  return true;
}

/** Leaves of `tree` when it has exactly the structure, shapes and dtypes of `like`. */
export function leavesLike(tree: unknown, like: Tree): Tensor[] | undefined {
  if (!sameStructure(tree, like)) return undefined;
  try {
    return treeFlatten(tree as Tree)[0];
  } catch {
    return undefined;
  }
}
