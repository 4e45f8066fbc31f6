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

import type { Ops } from "../autodiff/ops.ts";
import type { Tensor } from "../tensor.ts";
import type { Tree, TreePath } from "../tree.ts";

/** A parameter tree (also the shape of gradients and updates). */
export type Params = Tree;

/** A learning-rate schedule: the value at a (0-based) step count. */
export type Schedule = (step: number) => number;

/**
 * A gradient transform (an optimiser link, as in optax): `update` maps gradients (and the
 * current params) to updates, threading its own state `S`. Its arithmetic is forward code over
 * the primitives of `t` (an untraced `Ops` on the training state's backend; the default
 * backend's when omitted). Updates are added to params by `applyUpdates`.
 */
export interface Transform<S = unknown> {
  /** The initial state for these parameters. */
  init(params: Params): S;
  /** Transforms `grads` into updates, returning the next state. */
  update(grads: Params, state: S, params: Params, t?: Ops): [updates: Params, state: S];
  /**
   * Optional, declared fused form of `update` followed by `applyUpdates`: the new parameters
   * and the next state in one call, for an optimiser whose step is one fused primitive (`adam`,
   * `sgd`). It must equal `update` then `applyUpdates` (bitwise in float64, to float32
   * rounding in float32; tested for every optimiser that has one), and `step`/`updateAndApply`
   * use it when present. A chain of your own does not need it.
   */
  updateParams?(grads: Params, state: S, params: Params, t?: Ops): [params: Params, state: S];
}

/**
 * A penalty on the parameters (L1, L2): forward code over the primitives of `t` from the
 * params to a scalar tensor (one element); its gradient comes from the trace, as a loss's does.
 * `regularize` adds its value to the reported penalty and its gradient to the gradients.
 */
export type Penalty = (t: Ops, params: Params) => Tensor;

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
