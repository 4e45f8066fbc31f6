/**
 * The layer contract: an `init`/`apply` pair, as in JAX's stax.
 *
 * `init` learns the shapes: given a key and the shape of one example (without the batch axis)
 * it returns the output shape, fresh parameters and fresh state. `apply` is forward code over
 * the primitives of an `Ops` value `t`: it returns the output, the next state (batch-norm
 * running statistics, say) and optional auxiliary loss terms. Its gradient comes from the trace
 * `t` belongs to, never from a hand-written VJP. Train/eval behaviour comes from the context,
 * never from mutation.
 *
 * @module
 */

import { checkKey } from "../_checks.ts";
import type { Key } from "../random.ts";
import type { Shape, Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import type { Ops } from "../autodiff/ops.ts";

/** What `apply` needs besides parameters, state and input. */
export interface ApplyContext {
  /** Training mode: dropout drops, batch norm uses batch statistics and updates its state. */
  readonly training: boolean;
  /** Randomness for this call (dropout); split per layer by combinators. */
  readonly key?: Key;
}

/**
 * The shape of one example (no batch axis), or a tree of shapes for a layer over a tree of
 * tensors: `[28, 28, 1]`, `{ outputs: [100, 64], state: [64] }`, `[[3], [5]]`.
 */
export type ShapeTree = Shape | readonly ShapeTree[] | { readonly [name: string]: ShapeTree };

/** The result of `init`. */
export interface LayerInit<P extends Tree, S extends Tree> {
  /** Shape of one output example (no batch axis), a tree for a tree-valued output. */
  outShape: ShapeTree;
  /** Freshly initialised parameters. */
  params: P;
  /** Freshly initialised state (`null` for stateless layers). */
  state: S;
}

/**
 * Named auxiliary terms a layer adds to the objective, each a traced scalar tensor (one
 * element): a VAE's KL divergence, an activity penalty. Combinators sum terms of the same name;
 * `backward` adds them all to the loss it differentiates and reports each by name.
 */
export type Aux = { readonly [name: string]: Tensor };

/** The result of `apply`. */
export interface LayerApply<S extends Tree, Y extends Tree = Tensor> {
  /** The output batch (a tree for a tree-valued layer). */
  y: Y;
  /** The next state (unchanged for stateless layers and in eval mode). */
  state: S;
  /** Auxiliary terms of the objective, computed through `t` so their gradients flow. */
  aux?: Aux;
}

/**
 * A layer: an `init`/`apply` pair over parameter trees. `apply` is forward code over the
 * primitives of `t`; its gradient comes from the trace `t` belongs to (see `vjp`), so a layer
 * never writes a VJP. Inputs and outputs are tensors by default and may be trees.
 *
 * @example
 * ```ts
 * import type { Layer } from "./layer.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { scalar, tensor, type Tensor } from "../tensor.ts";
 * // A parameter-free layer that doubles its input.
 * const double: Layer<null, null> = {
 *   init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
 *   apply: (t, _p, state, x: Tensor) => ({ y: t.mul(x, scalar(2)), state }),
 * };
 * const { y } = double.apply(untraced(), null, null, tensor([1, 2]), EVAL);
 * if (y.data[1] !== 4) throw new Error("unexpected");
 * ```
 */
export interface Layer<
  P extends Tree = Tree,
  S extends Tree = Tree,
  X extends Tree = Tensor,
  Y extends Tree = Tensor,
> {
  /**
   * What made the layer (`"dense"`, `"serial"`, ...): combinators name a failing layer by it
   * (`serial layer 2 (dense): ...`). Optional for layers written by hand.
   */
  readonly name?: string;
  /** The layers a combinator is built from, for summaries (see {@linkcode LayerChildren}). */
  readonly children?: LayerChildren;
  /** Initialises parameters and state for examples of shape `inShape` (no batch axis). */
  init(key: Key, inShape: ShapeTree): LayerInit<P, S>;
  /**
   * Runs the layer on a batch `x` whose shape is `[batch, ...inShape]` (each leaf, for a
   * tree), calling primitives through `t`.
   */
  apply(t: Ops, params: P, state: S, x: X, ctx: ApplyContext): LayerApply<S, Y>;
}

/**
 * Any layer, whatever its parameters, state, input and output: what combinators take.
 */
// deno-lint-ignore no-explicit-any
export type TreeLayer = Layer<any, any, any, any>;

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
  readonly layers: readonly TreeLayer[];
}

/** The training context: `{ training: true, key }` (the key is checked: a pair of uint32 words). */
export function trainContext(key?: Key): ApplyContext {
  if (key !== undefined) checkKey("trainContext", key);
  return key === undefined ? { training: true } : { training: true, key };
}

/** The evaluation context: `{ training: false }`. */
export const EVAL: ApplyContext = Object.freeze({ training: false });
