/**
 * Gradient transforms, optax-style: an optimiser is a chain of pure transforms with explicit
 * state.
 *
 * ## State shape (for checkpoints)
 *
 * Every transform gradstream ships keeps its state as a {@linkcode Tree} of tensors, so a
 * whole optimiser state can be flattened with `treeLeaves` and saved leaf by leaf (e.g. to
 * safetensors, naming each leaf by its path):
 *
 * - stateless links (`scale`, `clipByValue`, `clipByGlobalNorm`, `addDecayedWeights`): `null`;
 * - a step counter is a float64 scalar tensor (shape `[]`) under the key `count`, exact up to
 *   2^53 steps ({@linkcode CountState});
 * - moments are trees with the structure, shapes and dtypes of the parameters
 *   (`{ trace }`, `{ nu }`, `{ count, mu, nu }`);
 * - `chain(a, b, c)` keeps the array `[stateA, stateB, stateC]`.
 *
 * So `adam(1e-3)`'s state is `[{ count, mu, nu }, { count }]`, with leaf paths such as
 * `0.mu.layers.0.w` and `1.count`.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Tree, TreePath } from "../tree.ts";

/** A parameter tree (also the shape of gradients and updates). */
export type Params = Tree;

/** A learning-rate schedule: the value at a (0-based) step count. */
export type Schedule = (step: number) => number;

/**
 * A gradient transform: `update` maps gradients (and the current params) to updates, threading
 * its own state. Updates are added to params by `applyUpdates`.
 */
export interface Transform<S = unknown> {
  /** The initial state for these parameters. */
  init(params: Params): S;
  /** Transforms `grads` into updates, returning the next state. */
  update(grads: Params, state: S, params: Params): [updates: Params, state: S];
}

/**
 * A penalty on the parameters (L1, L2): called on the params, its value and its gradient tree.
 * Any function of that type is a penalty.
 *
 * `addTo` is an optional fused form for the training step: `addTo(params, grads)` returns the
 * value and `grads + ∇penalty` in one pass over the parameters, allocating one array per
 * penalised leaf instead of two (leaves the penalty skips come back as the same tensors). Its
 * result must equal `[value, applyUpdates(grads, g)]` for `[value, g] = penalty(params)`,
 * element for element; `regularize` uses it when present.
 */
export interface Penalty {
  /** The penalty's value at `params` and its gradient tree. */
  (params: Params): [value: number, grads: Params];
  /** The value and `grads` plus the penalty's gradient, in one pass (optional; see above). */
  addTo?(params: Params, grads: Params): [value: number, grads: Params];
}

/**
 * Selects the leaves a transform or penalty applies to. A tree of booleans would not be a
 * {@linkcode Tree} (trees hold tensors only), so a mask is a predicate over each parameter
 * leaf's path and value: `true` means "apply here". See `excludeBiases` for the usual choice
 * (decay and penalise weight matrices, not biases or normalisation scales).
 *
 * @example
 * ```ts
 * import type { Mask } from "./transform.ts";
 * // Only leaves named `w`.
 * const onlyW: Mask = (path) => path[path.length - 1] === "w";
 * if (!onlyW(["layers", 0, "w"], null as never)) throw new Error("unexpected");
 * ```
 */
export type Mask = (path: TreePath, leaf: Tensor) => boolean;

/**
 * The state of a link that counts steps: a float64 scalar tensor, 0 before the first update.
 * The count is read with `count.data[0]`.
 */
export type CountState = { readonly count: Tensor };
