/**
 * What the recurrent layers (`rnn`, `lstm`, `gru`) share: their options, input and output
 * forms, the layer type they return, and `resetState` for the stateful mode.
 *
 * @module
 */

import type { Initializer } from "../init.ts";
import { isTensor, type Tensor } from "../tensor.ts";
import type { DType } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import { checkLayer, describeValue } from "../_checks.ts";
import type { Layer, TreeLayer } from "./layer.ts";
import { isRecurrent } from "./_is_recurrent.ts";

/**
 * What a recurrent layer returns: `"sequence"` the output of every step `[batch, time, units]`
 * (what a stacked recurrent layer takes), `"last"` the output of the last valid step
 * `[batch, units]`, `"both"` the tree `{ outputs, state }` (the sequence and the final state).
 */
export type RecurrentOutput = "sequence" | "last" | "both";

/** Options every recurrent layer takes. */
export interface RecurrentOptions<O extends RecurrentOutput = RecurrentOutput> {
  /** What `apply` returns (see {@linkcode RecurrentOutput}); default `"sequence"`. */
  output?: O;
  /**
   * Carry the final state of each training batch into the next as its initial state (unless
   * the input gives a `state`, which wins), as a constant: truncated backpropagation through
   * time, no gradient flows into the previous batch.
   * The carried state lives in the layer's state slot (`init` returns it empty, batch 0);
   * batches must keep one size while it is carried (use `batches(..., { dropLast: true })`);
   * {@linkcode resetState} empties it (at each epoch or document boundary, say). Evaluation
   * (`ctx.training` false) starts from zeros, or from the input's `state`, and leaves the
   * carried state as it is. `loadModel` expects the empty slot `init` makes: save a model
   * after `resetState`. Default `false`.
   */
  stateful?: boolean;
  /** Whether to learn biases; default `true`. */
  useBias?: boolean;
  /** Initialiser of the input kernel `w` `[features, gates·units]`; default `glorotUniform`. */
  kernelInit?: Initializer;
  /** Initialiser of the recurrent kernel `u` `[units, gates·units]`; default `orthogonal`. */
  recurrentInit?: Initializer;
  /** Parameter dtype, default float32; inputs must match (float64 for gradient checks). */
  dtype?: DType;
}

/**
 * The input of a recurrent layer: a batch `[batch, time, features]`, or a tree with it as
 * `inputs`, an optional `mask` `[batch, time]` (1 = a valid step, 0 = padding: the state is
 * kept and the output is 0 there, and "last" means the last valid step) and an optional
 * initial `state` of the form the layer returns (a tensor `[batch, units]`, or `{ h, c }` for
 * `lstm`), zeros when absent. The initial state is differentiated like any input.
 */
export type RecurrentInput<St extends Tree> = Tensor | {
  readonly inputs: Tensor;
  readonly mask?: Tensor;
  readonly state?: St;
};

/** The output of a recurrent layer for an output mode `O`. */
export type RecurrentY<O extends RecurrentOutput, St extends Tree> = O extends "both"
  ? { readonly outputs: Tensor; readonly state: St }
  : Tensor;

/** How a recurrent layer was configured (read by `bidirectional` and `resetState`). */
export interface RecurrentInfo {
  /** Which factory made it: `"rnn"`, `"lstm"` or `"gru"`. */
  readonly cell: string;
  /** Units of the state. */
  readonly units: number;
  /** The output mode. */
  readonly output: RecurrentOutput;
  /** Whether the final state is carried into the next batch. */
  readonly stateful: boolean;
  /**
   * The layer's state slot when nothing is carried: `null` for a layer that is not stateful,
   * else the empty state (batch 0) of the parameter dtype.
   */
  readonly emptyState: Tree;
}

/**
 * A recurrent layer: a {@linkcode Layer} over {@linkcode RecurrentInput}s whose state slot is
 * the carried state of the stateful mode (`null` otherwise), with its configuration readable
 * as `recurrent`.
 */
export interface RecurrentLayer<
  P extends Tree,
  St extends Tree,
  O extends RecurrentOutput = RecurrentOutput,
> extends Layer<P, St | null, RecurrentInput<St>, RecurrentY<O, St>> {
  /** The layer's configuration. */
  readonly recurrent: RecurrentInfo;
}

/**
 * The model state with every stateful recurrent layer's carried state emptied (so the next
 * batch starts from zeros), the rest (batch-norm statistics, say) as given: `model` is walked
 * through its combinators (`serial`, `parallel`, `residual`, `bidirectional`). Call it where a
 * carried state must not run on: at an epoch's start, between documents.
 *
 * @example
 * ```ts
 * import { lstm, type LstmState } from "./lstm.ts";
 * import { dense } from "./dense.ts";
 * import { serial } from "./serial.ts";
 * import { resetState } from "./recurrent.ts";
 * import { trainContext } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { zeros } from "../tensor.ts";
 * const model = serial(lstm(4, { stateful: true, output: "last" }), dense(1));
 * const { params, state } = model.init(key(0), [5, 2]);
 * const next = model.apply(untraced(), params, state, zeros([3, 5, 2]), trainContext()).state;
 * if ((next[0] as LstmState).h.shape[0] !== 3) throw new Error("carried");
 * const fresh = resetState(model, next);
 * if ((fresh[0] as LstmState).h.shape[0] !== 0) throw new Error("emptied");
 * ```
 */
export function resetState<S extends Tree>(model: Layer<Tree, S, Tree, Tree>, state: S): S {
  checkLayer("resetState", model);
  return reset(model as TreeLayer, state as Tree, 0) as S;
}

function reset(layer: TreeLayer, state: Tree, depth: number): Tree {
  if (isRecurrent(layer)) {
    const { cell, stateful, emptyState } = layer.recurrent;
    const isState = stateful
      ? (isTensor(emptyState) ? isTensor(state) : isTensor((state as { h?: unknown })?.h) &&
        isTensor((state as { c?: unknown })?.c))
      : state === null;
    if (!isState) {
      throw new TypeError(
        `resetState: the state of a${stateful ? " stateful" : ""} ${cell} layer must be ${
          stateful ? (isTensor(emptyState) ? "a tensor" : "{ h, c }") : "null"
        } (as init returned it), got ${describeValue(state)}`,
      );
    }
    return stateful ? emptyState : state;
  }
  const children = (layer as TreeLayer).children;
  if (children === undefined || depth > 64) return state;
  const layers = children.layers;
  if (Array.isArray(state) && state.length === layers.length) {
    return state.map((s, i) => reset(layers[i], s as Tree, depth + 1));
  }
  if (layers.length === 1) return reset(layers[0], state, depth + 1);
  if (isTensor(state) || state === null || typeof state !== "object") return state;
  throw new TypeError(
    `resetState: the state of a ${layer.name ?? "combinator"} of ${layers.length} layers ` +
      `must be an array of ${layers.length} states, got ${describeValue(state)}`,
  );
}
