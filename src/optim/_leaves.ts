/**
 * Internal helpers shared by the optimiser links: walking several trees of the same structure
 * leaf by leaf, the float64 step counter, and option checks. Not part of the public surface.
 *
 * @module
 */

import {
  allocate,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
  zerosLike,
} from "../tensor.ts";
import { assertSameStructure, type Tree } from "../tree.ts";
import { flattenTree, kindOf, mapAt } from "../_tree_walk.ts";
import { checkFunction, checkNumber, describeValue } from "../_checks.ts";
import type { Schedule, Transform } from "./transform.ts";

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

/** Where a named transform keeps the transform it wraps (see {@linkcode named}). */
const UNNAMED: unique symbol = Symbol("gradstream.optim.unnamed");

/**
 * A transform whose `init`/`update` (and fused apply) name `op` in the `TypeError`s and
 * `RangeError`s their links throw: `adam update: scaleByAdam (grads vs state.mu, ...): ...`,
 * so a bad gradient tree names the optimiser the user called. No cost unless a link throws.
 */
export function named<S>(op: string, transform: Transform<S>): Transform<S> {
  // Renaming a named transform (an alias built on `chain`) wraps what it wraps, once.
  const inner = (transform as { [UNNAMED]?: Transform<S> })[UNNAMED] ?? transform;
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
  const fused = (inner as Fusable<S>)[APPLY];
  const out: Transform<S> & Fusable<S> & { [UNNAMED]?: Transform<S> } = {
    init: wrap("init", (params: Tree) => inner.init(params)),
    update: wrap(
      "update",
      (grads: Tree, state: S, params: Tree) => inner.update(grads, state, params),
    ),
  };
  if (fused !== undefined) out[APPLY] = wrap("update", fused);
  out[UNNAMED] = inner;
  return out;
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

/**
 * `(factor · g) · post` for every leaf, in fresh arrays of each leaf's dtype (the order of the
 * products is that of scaling by `factor`, then by `post`, so a fused pair rounds as two links).
 * Given `onto`, `onto + (factor · g) · post` in `onto`'s dtypes instead (see `ScaledUpdate`).
 */
export function scaleTree(
  op: string,
  grads: Tree,
  factor: number,
  post = 1,
  onto?: Tree,
): Tree {
  const [leaves, ps, unflatten] = flattenOnto(op, grads, [], onto);
  const out: Tensor[] = new Array(leaves.length);
  for (let l = 0; l < leaves.length; l++) {
    const g = leaves[l].data;
    const n = g.length;
    if (ps === undefined) {
      const o = allocate(leaves[l].dtype, n);
      for (let i = 0; i < n; i++) o[i] = factor * g[i] * post;
      out[l] = fromTypedArray(o, leaves[l].shape);
    } else {
      const p = ps[l].data;
      const o = allocate(ps[l].dtype, n);
      for (let i = 0; i < n; i++) o[i] = p[i] + factor * g[i] * post;
      out[l] = fromTypedArray(o, ps[l].shape);
    }
  }
  return unflatten(out);
}

/**
 * {@linkcode flattenAll} for a link that may be asked to add its output `onto` the params:
 * the leaves of `grads`, of `onto` (`undefined` when not given; checked against `grads` under
 * the name `link`), the rebuilding function, and the leaves of each of `others`.
 */
export function flattenOnto(
  op: string,
  grads: Tree,
  others: readonly Tree[],
  onto: Tree | undefined,
  link = op,
  sameDType = false,
): [Tensor[], Tensor[] | undefined, (leaves: readonly Tensor[]) => Tree, Tensor[][]] {
  const [gs, rest, unflatten] = flattenAll(op, grads, others, sameDType);
  if (onto === undefined) return [gs, undefined, unflatten, rest];
  const [, [ps]] = flattenAll(`${link} (grads vs params)`, grads, [onto]);
  return [gs, ps, unflatten, rest];
}

/**
 * `base + deltas` leaf by leaf in `base`'s dtypes, in fresh arrays (`applyUpdates`, and the
 * `onto` of links that compute their output before adding it).
 */
export function addTrees(op: string, base: Tree, deltas: Tree): Tree {
  const [leaves, [ds], unflatten] = flattenAll(op, base, [deltas]);
  const out: Tensor[] = new Array(leaves.length);
  for (let l = 0; l < leaves.length; l++) {
    const p = leaves[l].data;
    const u = ds[l].data;
    const n = p.length;
    const o = allocate(leaves[l].dtype, n);
    for (let i = 0; i < n; i++) o[i] = p[i] + u[i];
    out[l] = fromTypedArray(o, leaves[l].shape);
  }
  return unflatten(out);
}

/**
 * Fusion protocol between `chain` and its links (internal). A link carrying `SCALED` can
 * multiply its output by a factor inside its own loop, and add it to the parameters there
 * too; a link carrying `FACTOR` only multiplies by a factor that depends on its state. `chain`
 * fuses such a pair into one pass, saving an allocation and a sweep over the updates per step:
 * `update(g) = updateScaled(g, 1)`, so the result is the same as applying the links one after
 * the other. `updateAndApply` passes the params as `onto` to the last pass, which saves
 * another allocation and sweep.
 */
export const SCALED: unique symbol = Symbol("gradstream.optim.scaled");
/** See {@linkcode SCALED}. */
export const FACTOR: unique symbol = Symbol("gradstream.optim.factor");
/**
 * Carried by a transform that can return new parameters instead of updates (`chain`, and
 * every link with `SCALED`): `[params + updates, state]` with no updates tree in between.
 */
export const APPLY: unique symbol = Symbol("gradstream.optim.apply");

/**
 * A link's update with its output multiplied by `factor`. Given `onto` (a tree of the grads'
 * structure: the params), it returns `onto + factor·u` instead, leaf by leaf in `onto`'s
 * dtypes: the update already applied. The TypeScript loops compute it in double and round
 * once, which equals adding the update, except that a float32 update is not rounded to float32
 * before it is added; a backend's Adam kernel computes float32 leaves in float32, where the
 * two paths agree bitwise (see `Backend.adam`).
 */
export type ScaledUpdate<S> = (
  grads: Tree,
  state: S,
  params: Tree,
  factor: number,
  onto?: Tree,
) => [Tree, S];
/** The factor a pure scaling link applies at this state, and its next state. */
export type ScaleFactor<S> = (state: S) => [factor: number, next: S];
/** Updates and applies at once: `[params + updates, next state]`. */
export type ApplyUpdate<S> = (grads: Tree, state: S, params: Tree) => [Tree, S];

/** The fusion hooks a link may carry. */
export interface Fusable<S> {
  [SCALED]?: ScaledUpdate<S>;
  [FACTOR]?: ScaleFactor<S>;
  [APPLY]?: ApplyUpdate<S>;
}

/** A link whose output can be scaled in its own loop: `update` is `updateScaled(…, 1)`. */
export function scalableLink<S>(
  op: string,
  init: (params: Tree) => S,
  updateScaled: ScaledUpdate<S>,
): Transform<S> {
  const link: Transform<S> & Fusable<S> = {
    init: (params) => init(checkInitParams(op, params)),
    update: (grads, state, params) => {
      checkParamsRoot(op, params, grads);
      return updateScaled(grads, state, params, 1);
    },
    [SCALED]: updateScaled,
    [APPLY]: (grads, state, params) => updateScaled(grads, state, params, 1, params),
  };
  return link;
}

/** A link that multiplies by `factor(state)[0]` and nothing else (it can also be fused first). */
export function factorLink<S>(
  op: string,
  init: (params: Tree) => S,
  factor: ScaleFactor<S>,
): Transform<S> {
  const updateScaled: ScaledUpdate<S> = (grads, state, _params, post, onto) => {
    const [f, next] = factor(state);
    return [scaleTree(op, grads, f, post, onto), next];
  };
  const link: Transform<S> & Fusable<S> = {
    init: (params) => init(checkInitParams(op, params)),
    update: (grads, state, params) => {
      checkParamsRoot(op, params, grads);
      return updateScaled(grads, state, params, 1);
    },
    [SCALED]: updateScaled,
    [FACTOR]: factor,
    [APPLY]: (grads, state, params) => updateScaled(grads, state, params, 1, params),
  };
  return link;
}
