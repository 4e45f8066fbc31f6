/**
 * The GRU layer (Cho et al. 2014), in the `reset_after` form of PyTorch and Keras.
 *
 * @module
 */

import { type DType, isTensor, type Tensor, zeros } from "../tensor.ts";
import { describeValue } from "../_checks.ts";
import {
  type CellSpec,
  checkWeight,
  type RecurrentConfig,
  recurrentConfig,
  recurrentLayer,
  recurrentParams,
} from "./_recurrent.ts";
import type { RecurrentLayer, RecurrentOptions, RecurrentOutput } from "./recurrent.ts";

/**
 * Parameters of {@linkcode gru}: input kernel `w` `[features, 3·units]`, recurrent kernel `u`
 * `[units, 3·units]` and, unless `useBias` is false, the input bias `b` and recurrent bias
 * `rb`, each `[3·units]`; gate blocks in the order reset, update, new (PyTorch's).
 */
export type GruParams = {
  readonly w: Tensor;
  readonly u: Tensor;
  readonly b?: Tensor;
  readonly rb?: Tensor;
};

/** Options of {@linkcode gru}. */
export type GruOptions<O extends RecurrentOutput = RecurrentOutput> = RecurrentOptions<O>;

/**
 * A gated recurrent unit layer with `units` units over sequences `[batch, time, features]`:
 * at each step, with `zx = x_t·W + b` and `zh = h·U + rb` split into three blocks,
 *
 * ```
 * r = σ(zx_r + zh_r)   u = σ(zx_u + zh_u)   n = tanh(zx_n + r·zh_n)   h' = (1 − u)·n + u·h
 * ```
 *
 * Outputs, masks, initial and carried state as for `lstm`, with the state a tensor
 * `[batch, units]`. The time loop is one fused `gruSequence` primitive (the input projections
 * of all steps in one gemm, then per step `h·U + rb` and the gates of `gruCell`), tested equal
 * to the per-step composition of `linear` and `gruCell`; backpropagation through time is the
 * cell's pullback composed in reverse over the steps inside it.
 *
 * @example
 * ```ts
 * import { gru } from "./gru.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = gru(4, { output: "last" });
 * const { outShape, params, state } = layer.init(key(0), [6, 2]);
 * const { y } = layer.apply(untraced(), params, state, ones([3, 6, 2]), EVAL);
 * if (outShape.toString() !== "4" || y.shape.join() !== "3,4") throw new Error("unexpected");
 * ```
 */
export function gru<O extends RecurrentOutput = "sequence">(
  units: number,
  options: GruOptions<O> = {},
): RecurrentLayer<GruParams, Tensor, O> {
  const [c] = recurrentConfig("gru", units, options, []);
  return recurrentLayer(c, gruCellSpec(c)) as unknown as RecurrentLayer<GruParams, Tensor, O>;
}

function gruCellSpec(c: RecurrentConfig): CellSpec<GruParams, Tensor> {
  const { op, units } = c;
  const g = 3 * units;
  return {
    stateShape: [units],
    ...recurrentParams<GruParams>(c, g, [
      { key: "b", what: "the bias b" },
      { key: "rb", what: "the recurrent bias rb" },
    ]),
    zeroState: (batch: number, dt: DType) => zeros([batch, units], dt),
    checkState: (what, state, batch, dt) => {
      if (!isTensor(state)) {
        throw new TypeError(
          `Cannot ${op}: ${what} must be a tensor [batch, ${units}], got ${describeValue(state)}`,
        );
      }
      checkWeight(op, state, what, [batch < 0 ? state.shape[0] : batch, units], dt);
      return state;
    },
    run: (t, params, x, mask, init, _wantState, wantSequence) => {
      const { w, u, b, rb } = params;
      const out = t.gruSequence(x, init, w, u, b, rb, mask, wantSequence);
      if (!wantSequence) return { last: out, final: out };
      return { seq: out, final: t.index(out, x.shape[1] - 1, 1) };
    },
  };
}
