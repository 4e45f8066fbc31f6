/**
 * The GRU layer (Cho et al. 2014), in the `reset_after` form of PyTorch and Keras.
 *
 * @module
 */

import { split } from "../random.ts";
import { type DType, isTensor, type Tensor, zeros } from "../tensor.ts";
import { describeValue } from "../_checks.ts";
import { checkRecord } from "./_layer_checks.ts";
import {
  type CellSpec,
  checkWeight,
  type RecurrentConfig,
  recurrentConfig,
  recurrentLayer,
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
 * `[batch, units]`. Each step is `linear` (`x_t·W + b`) and the fused `gruCell` primitive
 * (`h·U + rb` and the gates, tested equal to the plain composition); the gradient is the
 * trace's.
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
  const { op, units, dtype, useBias } = c;
  const keys = useBias ? ["w", "u", "b", "rb"] : ["w", "u"];
  const g = 3 * units;
  return {
    stateShape: [units],
    initParams: (key, features) => {
      const [kw, ku] = split(key);
      const w = c.kernelInit(kw, [features, g], { fanIn: features, fanOut: g, dtype });
      checkWeight(
        `${op} init`,
        w,
        "the input kernel the initialiser returned",
        [features, g],
        dtype,
      );
      const u = c.recurrentInit(ku, [units, g], { fanIn: units, fanOut: g, dtype });
      checkWeight(
        `${op} init`,
        u,
        "the recurrent kernel the initialiser returned",
        [units, g],
        dtype,
      );
      if (!useBias) return { w, u };
      return { w, u, b: zeros([g], dtype), rb: zeros([g], dtype) };
    },
    checkParams: (params, features, dt) => {
      const expected = useBias
        ? `{b:[${g}],rb:[${g}],u:[${units},${g}],w:[${features},${g}]}`
        : `{u:[${units},${g}],w:[${features},${g}]}`;
      checkRecord(op, "params", params, expected, keys);
      checkWeight(op, params.w, "the input kernel w", [features, g], dt);
      checkWeight(op, params.u, "the recurrent kernel u", [units, g], dt);
      if (useBias) {
        checkWeight(op, params.b, "the bias b", [g], dt);
        checkWeight(op, params.rb, "the recurrent bias rb", [g], dt);
      }
    },
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
    run: (t, params, x, masks, init) => {
      const time = x.shape[1];
      const { w, u, b, rb } = params;
      let h = init;
      const hs: Tensor[] = [];
      for (let s = 0; s < time; s++) {
        h = t.gruCell(t.linear(t.index(x, s, 1), w, b), h, u, rb, masks?.[s]);
        hs.push(h);
      }
      return { hs, last: h as Tensor, final: h };
    },
  };
}
