/**
 * Gradient transforms, optax-style: an optimiser is a chain of pure transforms with explicit
 * state.
 *
 * @module
 */

import type { Tree } from "../tree.ts";

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

/** A penalty on the parameters (L1, L2): its value and its gradient tree. */
export type Penalty = (params: Params) => [value: number, grads: Params];
