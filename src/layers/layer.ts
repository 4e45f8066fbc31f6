/**
 * The layer contract: an `init`/`apply` pair, as in JAX's stax.
 *
 * `init` learns the shapes: given a key and the shape of one example (without the batch axis)
 * it returns the output shape, fresh parameters and fresh state. `apply` is a pure function of
 * parameters, state and a batch: it returns the output, the next state (batch-norm running
 * statistics, say) and a VJP that pulls an output cotangent back to parameter and input
 * cotangents. Train/eval behaviour comes from the context, never from mutation.
 *
 * @module
 */

import { checkKey } from "../_checks.ts";
import type { Key } from "../random.ts";
import type { Shape, Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import type { Vjp } from "../vjp.ts";

/** What `apply` needs besides parameters, state and input. */
export interface ApplyContext {
  /** Training mode: dropout drops, batch norm uses batch statistics and updates its state. */
  readonly training: boolean;
  /** Randomness for this call (dropout); split per layer by combinators. */
  readonly key?: Key;
}

/** The result of `init`. */
export interface LayerInit<P extends Tree, S extends Tree> {
  /** Shape of one output example (no batch axis). */
  outShape: Shape;
  /** Freshly initialised parameters. */
  params: P;
  /** Freshly initialised state (`null` for stateless layers). */
  state: S;
}

/** Parameter and input cotangents returned by a layer's VJP. */
export interface LayerGrads<P extends Tree> {
  /** dL/dparams, with the structure of the parameters. */
  params: P;
  /** dL/dx, with the shape of the input. */
  x: Tensor;
}

/** The result of `apply`. */
export interface LayerApply<P extends Tree, S extends Tree> {
  /** The output batch. */
  y: Tensor;
  /** The next state (unchanged for stateless layers and in eval mode). */
  state: S;
  /** Pulls dL/dy back to parameter and input cotangents. */
  vjp: Vjp<Tensor, LayerGrads<P>>;
}

/**
 * A layer: an `init`/`apply` pair over parameter trees.
 *
 * @example
 * ```ts
 * import type { Layer } from "./layer.ts";
 * import { fromTypedArray } from "../tensor.ts";
 * // A parameter-free layer that doubles its input.
 * const double: Layer<null, null> = {
 *   init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
 *   apply: (_p, state, x) => ({
 *     y: fromTypedArray(x.data.map((v) => 2 * v), x.shape),
 *     state,
 *     vjp: (dy) => ({ params: null, x: fromTypedArray(dy.data.map((g) => 2 * g), dy.shape) }),
 *   }),
 * };
 * const { outShape } = double.init([0, 0], [3]);
 * if (outShape[0] !== 3) throw new Error("unexpected");
 * ```
 */
export interface Layer<P extends Tree = Tree, S extends Tree = Tree> {
  /**
   * What made the layer (`"dense"`, `"serial"`, ...): combinators name a failing layer by it
   * (`serial layer 2 (dense): ...`). Optional for layers written by hand.
   */
  readonly name?: string;
  /** The layers a combinator is built from, for summaries (see {@linkcode LayerChildren}). */
  readonly children?: LayerChildren;
  /** Initialises parameters and state for examples of shape `inShape` (no batch axis). */
  init(key: Key, inShape: Shape): LayerInit<P, S>;
  /** Runs the layer on a batch `x` whose shape is `[batch, ...inShape]`. */
  apply(params: P, state: S, x: Tensor, ctx: ApplyContext): LayerApply<P, S>;
}

/**
 * The layers inside a combinator and how they are wired: `"chain"` feeds each the previous
 * one's output (`serial`), `"branch"` feeds each the combinator's input (`parallel`'s
 * branches, `residual`'s body). Entry `i` holds `params[i]` and `state[i]` when the
 * combinator's parameters are an array with one entry per layer; a single child (`residual`)
 * holds the combinator's own parameters.
 */
export interface LayerChildren {
  /** `"chain"`: one after another; `"branch"`: each on the same input. */
  readonly wiring: "chain" | "branch";
  /** The layers, in order. */
  readonly layers: readonly Layer[];
}

/** The training context: `{ training: true, key }` (the key is checked: a pair of uint32 words). */
export function trainContext(key?: Key): ApplyContext {
  if (key !== undefined) checkKey("trainContext", key);
  return key === undefined ? { training: true } : { training: true, key };
}

/** The evaluation context: `{ training: false }`. */
export const EVAL: ApplyContext = Object.freeze({ training: false });
