/**
 * Internal helpers shared by the optimiser links: walking several trees of the same structure
 * leaf by leaf, building a link with its argument checks, naming errors after the function the
 * user called, the float64 step counter, and option checks. Not part of the public surface.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import { formatShape, fromTypedArray, isTensor, type Tensor, zerosLike } from "../tensor.ts";
import { assertSameStructure, type Tree } from "../tree.ts";
import { flattenTree, kindOf, mapAt } from "../_tree_walk.ts";
import { checkFunction, checkNumber, describeValue } from "../_checks.ts";
import type { Params, Schedule, Transform } from "./transform.ts";

/**
 * The leaves of `tree` and a function rebuilding trees of its structure; `others` are checked
 * to have the same structure and leaf shapes (a `TypeError` naming `op` otherwise) and their
 * leaves are returned in the same order.
 */
export function flattenAll(
  op: string,
  tree: Tree,
  others: readonly Tree[],
  sameDType = false,
): [Tensor[], Tensor[][], (leaves: readonly Tensor[]) => Tree] {
  const [leaves, unflatten] = flattenTree(op, tree);
  const rest = others.map((other) => {
    assertSameStructure(op, tree, other);
    const theirs = flattenTree(op, other)[0];
    if (sameDType) {
      for (let l = 0; l < leaves.length; l++) {
        if (leaves[l].dtype !== theirs[l].dtype) {
          throw new TypeError(
            `${op}: leaf ${l} (shape ${formatShape(leaves[l].shape)}) is ${
              leaves[l].dtype
            } in the gradients but ${theirs[l].dtype} in the state; the state was made for ` +
              `${theirs[l].dtype} parameters (cast the gradients with astype, or init the ` +
              `optimiser on parameters of the gradients' dtype)`,
          );
        }
      }
    }
    return theirs;
  });
  return [leaves, rest, unflatten];
}

/**
 * A transform whose `init`/`update` name `op` in the `TypeError`s and `RangeError`s their
 * links throw: `adam update: scaleByAdam (grads vs state.mu, ...): ...`, so a bad gradient
 * tree names the optimiser the user called. No cost unless a link throws.
 */
export function named<S>(op: string, transform: Transform<S>): Transform<S> {
  const wrap = <A extends unknown[], R>(what: string, fn: (...args: A) => R) => (...args: A): R => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        const Ctor = e instanceof TypeError ? TypeError : RangeError;
        throw new Ctor(`${op} ${what}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  };
  return {
    init: wrap("init", (params: Params) => transform.init(params)),
    update: wrap(
      "update",
      (grads: Params, state: S, params: Params, t?: Ops) =>
        transform.update(grads, state, params, t),
    ),
  };
}

/** The body of a link's update: `t` is always given (see {@linkcode makeLink}). */
export type LinkUpdate<S> = (grads: Tree, state: S, params: Tree, t: Ops) => [Tree, S];

/**
 * A link named `op`: `init` walks the params (a `TypeError` naming `op` for a bad tree) before
 * calling `init`, and `update` checks the params' root against the gradients, then runs `update`
 * with `t` (an untraced `Ops` on the default backend when the caller gave none).
 */
export function makeLink<S>(
  op: string,
  init: (params: Tree) => S,
  update: LinkUpdate<S>,
): Transform<S> {
  return {
    init: (params) => init(checkInitParams(op, params)),
    update: (grads, state, params, t = untraced()) => {
      checkParamsRoot(op, params, grads);
      return update(grads, state, params, t);
    },
  };
}

/** `fn` applied to every leaf of `tree` (walked under `op`'s name), as a tree of its structure. */
export function mapLeaves(op: string, tree: Tree, fn: (leaf: Tensor) => Tensor): Tree {
  const [leaves, unflatten] = flattenTree(op, tree);
  return unflatten(leaves.map(fn));
}

/** A learning rate: a finite number `>= 0` (`RangeError`) or a schedule (`TypeError` otherwise). */
export function checkLearningRate(op: string, lr: unknown): asserts lr is number | Schedule {
  if (typeof lr === "function") return;
  if (typeof lr !== "number") {
    checkFunction(op, "the learning rate", lr, "a number >= 0 or a schedule (step) => number");
  }
  checkNumber(op, "the learning rate", lr, { min: 0 });
}

/**
 * `state[key]` after checking that the state is an object holding it (a `TypeError` naming
 * `op`, the expected key and what was given: a state from another optimiser, or `null`).
 */
export function stateField(op: string, state: unknown, key: string, keys: readonly string[]): Tree {
  const ok = typeof state === "object" && state !== null && !Array.isArray(state) &&
    !isTensor(state) && Object.keys(state).length === keys.length &&
    keys.every((k) => Object.hasOwn(state, k));
  if (!ok) {
    throw new TypeError(
      `${op}: the state must be { ${keys.join(", ")} } (as init returned it), got ${
        describeValue(state)
      }`,
    );
  }
  return (state as Record<string, Tree>)[key];
}

/** A stateless link's state must be `null`, as its `init` returned it (a `TypeError` naming `op`). */
export function checkNullState(op: string, state: unknown): void {
  if (state !== null) {
    throw new TypeError(
      `${op}: this link keeps no state, so its state must be null (as init returned it), got ${
        describeValue(state)
      }`,
    );
  }
}

/** A tree of zeros shaped like `params` (a link's initial moments), walked under `op`'s name. */
export function zerosTree(op: string, params: Tree): Tree {
  return mapAt(op, (leaf) => zerosLike(leaf), params, [], []);
}

/**
 * The params passed to `update` must be a tree (or left out) even where a link does not read
 * them: a string or a number there is a mistake, not something to ignore. Only the root is
 * looked at, so the check costs nothing per leaf.
 */
export function checkParamsRoot(op: string, params: unknown, grads?: Tree): void {
  if (params !== undefined && kindOf(params) === "invalid") {
    throw new TypeError(`${op}: params must be a parameter tree, got ${describeValue(params)}`);
  }
  // Given params (not left out as null or undefined) must match the gradients: a step would
  // otherwise fail later, in applyUpdates, far from the mistake.
  if (grads !== undefined && params !== undefined && params !== null) {
    assertSameStructure(`${op} (the params vs the gradients)`, grads, params as Tree);
  }
}

/** `init`'s params: a whole parameter tree (walked once; a `TypeError` naming `op`). */
export function checkInitParams(op: string, params: unknown): Tree {
  mapAt(op, (leaf) => leaf, params as Tree, [], []);
  return params as Tree;
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
        isTensor(count) ? `shape ${formatShape(count.shape)}` : describeValue(count)
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
  checkNumber(op, name, value, { min: 0, minExclusive: strict });
}

/** RangeError naming `op` unless `0 <= value < 1` (a decay rate). */
export function checkDecay(op: string, name: string, value: number): void {
  checkNumber(op, name, value, { min: 0, max: 1, maxExclusive: true });
}
