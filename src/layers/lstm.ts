/**
 * The LSTM layer (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).
 *
 * @module
 */

import { type DType, isTensor, type Tensor, zeros } from "../tensor.ts";
import { checkNumber, describeValue } from "../_checks.ts";
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
 * Parameters of {@linkcode lstm}: input kernel `w` `[features, 4·units]`, recurrent kernel `u`
 * `[units, 4·units]` and, unless `useBias` is false, bias `b` `[4·units]`; gate blocks in the
 * order input, forget, cell, output (PyTorch's).
 */
export type LstmParams = { readonly w: Tensor; readonly u: Tensor; readonly b?: Tensor };

/** The state of an LSTM: the output `h` and the cell `c`, each `[batch, units]`. */
export type LstmState = { readonly h: Tensor; readonly c: Tensor };

/** Options of {@linkcode lstm}. */
export interface LstmOptions<O extends RecurrentOutput = RecurrentOutput>
  extends RecurrentOptions<O> {
  /**
   * The forget gate's initial bias (Jozefowicz et al. 2015: 1 lets the cell remember from the
   * start, so gradients reach far back early in training); default 1. Needs `useBias`.
   */
  forgetBias?: number;
}

/**
 * A long short-term memory layer with `units` units over sequences `[batch, time, features]`:
 * at each step, with `z = x_t·W + h·U + b` split into four blocks,
 *
 * ```
 * i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)   c' = f·c + i·g   h' = o·tanh(c')
 * ```
 *
 * The output is every step's `h` (`output: "sequence"`, the default, `[batch, time, units]`),
 * the last valid step's (`"last"`, `[batch, units]`) or `{ outputs, state: { h, c } }`
 * (`"both"`). The input may be a tree `{ inputs, mask?, state? }` (see `RecurrentInput`).
 * The time loop is one fused `lstmSequence` primitive (the input projections of all steps in
 * one gemm, then per step `h·U` and the gates of `lstmCell`), tested equal to the per-step
 * composition of `linear` and `lstmCell`; backpropagation through time is the cell's pullback
 * composed in reverse over the steps inside it. Kernels start glorot-uniform (`w`) and
 * orthogonal (`u`), the bias at zero except the forget block at `forgetBias`.
 *
 * @example
 * ```ts
 * import { lstm } from "./lstm.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = lstm(8, { output: "both" });
 * const { outShape, params, state } = layer.init(key(0), [5, 3]);
 * if (JSON.stringify(outShape) !== '{"outputs":[5,8],"state":{"h":[8],"c":[8]}}') throw new Error("unexpected");
 * const { y } = layer.apply(untraced(), params, state, ones([2, 5, 3]), EVAL);
 * if (y.outputs.shape.join() !== "2,5,8" || y.state.c.shape.join() !== "2,8") throw new Error("unexpected");
 * ```
 */
export function lstm<O extends RecurrentOutput = "sequence">(
  units: number,
  options: LstmOptions<O> = {},
): RecurrentLayer<LstmParams, LstmState, O> {
  const [c, o] = recurrentConfig("lstm", units, options, ["forgetBias"]);
  const forgetBias = o.forgetBias === undefined ? 1 : o.forgetBias;
  checkNumber("lstm", "forgetBias", forgetBias);
  if (!c.useBias && o.forgetBias !== undefined) {
    throw new RangeError(
      `lstm: forgetBias ${forgetBias} needs useBias: true (there is no bias to set)`,
    );
  }
  return recurrentLayer(c, lstmCellSpec(c, forgetBias as number)) as unknown as RecurrentLayer<
    LstmParams,
    LstmState,
    O
  >;
}

function lstmCellSpec(c: RecurrentConfig, forgetBias: number): CellSpec<LstmParams, LstmState> {
  const { op, units } = c;
  return {
    stateShape: { h: [units], c: [units] },
    ...recurrentParams<LstmParams>(c, 4 * units, [{ key: "b", what: "the bias b" }], (_, b) => {
      b.fill(forgetBias, units, 2 * units);
    }),
    zeroState: (batch: number, dt: DType) => ({
      h: zeros([batch, units], dt),
      c: zeros([batch, units], dt),
    }),
    checkState: (what, state, batch, dt) => {
      const s = state as { h?: unknown; c?: unknown } | null;
      const ok = typeof s === "object" && s !== null && !isTensor(s) &&
        Object.keys(s).length === 2 && isTensor(s.h) && isTensor(s.c);
      if (!ok) {
        throw new TypeError(
          `Cannot ${op}: ${what} must be { h, c } with two tensors [batch, ${units}], got ${
            describeValue(state)
          }`,
        );
      }
      const rows = batch < 0 ? (s.h as Tensor).shape[0] : batch;
      checkWeight(op, s.h, `${what}'s h`, [rows, units], dt);
      checkWeight(op, s.c, `${what}'s c`, [rows, units], dt);
      return s as LstmState;
    },
    run: (t, params, x, mask, init, wantState, wantSequence) => {
      const time = x.shape[1];
      const { w, u, b } = params;
      const hc = init === undefined ? undefined : t.stack([init.h, init.c], 0);
      const out = t.lstmSequence(x, hc, w, u, b, mask, wantSequence);
      if (!wantSequence) {
        const last = t.index(out, 0, 0);
        return { last, final: wantState ? { h: last, c: t.index(out, 1, 0) } : undefined };
      }
      const seq = t.index(out, 0, 0);
      if (!wantState) return { seq };
      const final = { h: t.index(seq, time - 1, 1), c: t.index(t.index(out, 1, 0), time - 1, 1) };
      return { seq, final };
    },
  };
}
