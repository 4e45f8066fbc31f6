/**
 * The simple recurrent layer (Elman 1990).
 *
 * @module
 */

import {
  type DType,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
  zeros,
} from "../tensor.ts";
import { checkFunction, describeValue } from "../_checks.ts";
import type { ActivationFn } from "./activations.ts";
import {
  type CellSpec,
  checkWeight,
  type RecurrentConfig,
  recurrentConfig,
  recurrentLayer,
  recurrentParams,
} from "./_recurrent.ts";
import { maskSteps } from "./_recurrent_input.ts";
import type { RecurrentLayer, RecurrentOptions, RecurrentOutput } from "./recurrent.ts";

/**
 * Parameters of {@linkcode rnn}: input kernel `w` `[features, units]`, recurrent kernel `u`
 * `[units, units]` and, unless `useBias` is false, bias `b` `[units]`.
 */
export type RnnParams = { readonly w: Tensor; readonly u: Tensor; readonly b?: Tensor };

/** Options of {@linkcode rnn}. */
export interface RnnOptions<O extends RecurrentOutput = RecurrentOutput>
  extends RecurrentOptions<O> {
  /** The activation, a function over `t`; default tanh, `(t, z) => t.tanh(z)`. */
  activation?: ActivationFn;
}

const tanh: ActivationFn = (t, z) => t.tanh(z);

/**
 * An Elman recurrent layer with `units` units over sequences `[batch, time, features]`:
 * `h' = activation(x_t·W + h·U + b)` at each step, tanh by default. Outputs, masks, initial
 * and carried state as for `lstm`, with the state a tensor `[batch, units]`. Each step is
 * `linear`, `matmul`, `add` and the activation (and a `where` for masked rows); the gradient
 * is the trace's. Through many steps it is the vanishing gradient of the lecture: the product
 * of `U·diag(tanh')` factors shrinks (see `examples/adding_problem.ts`).
 *
 * @example
 * ```ts
 * import { rnn } from "./rnn.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = rnn(5, { activation: (t, z) => t.relu(z) });
 * const { outShape, params, state } = layer.init(key(0), [7, 3]);
 * const { y } = layer.apply(untraced(), params, state, ones([2, 7, 3]), EVAL);
 * if (outShape.toString() !== "7,5" || y.shape.join() !== "2,7,5") throw new Error("unexpected");
 * ```
 */
export function rnn<O extends RecurrentOutput = "sequence">(
  units: number,
  options: RnnOptions<O> = {},
): RecurrentLayer<RnnParams, Tensor, O> {
  const [c, o] = recurrentConfig("rnn", units, options, ["activation"]);
  const activation = o.activation === undefined ? tanh : o.activation;
  checkFunction("rnn", "activation", activation, "a function (t, z) => Tensor");
  return recurrentLayer(c, rnnCellSpec(c, activation as ActivationFn)) as unknown as RecurrentLayer<
    RnnParams,
    Tensor,
    O
  >;
}

function rnnCellSpec(c: RecurrentConfig, activation: ActivationFn): CellSpec<RnnParams, Tensor> {
  const { op, units } = c;
  return {
    stateShape: [units],
    ...recurrentParams<RnnParams>(c, units, [{ key: "b", what: "the bias b" }]),
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
      const masks = mask === undefined ? undefined : maskSteps(mask, x.dtype);
      const [batch, time] = x.shape;
      const { w, u, b } = params;
      let h = init;
      const hs: Tensor[] = [];
      for (let s = 0; s < time; s++) {
        const zx = t.linear(t.index(x, s, 1), w, b);
        const z = h === undefined ? zx : t.add(zx, t.matmul(h, u));
        const next = activation(t, z);
        if (
          !isTensor(next) || next.shape.length !== 2 || next.shape[0] !== batch ||
          next.shape[1] !== units
        ) {
          throw new TypeError(
            `Cannot ${op}: the activation must keep the shape [${batch}, ${units}], got ${
              isTensor(next) ? formatShape(next.shape) : describeValue(next)
            }`,
          );
        }
        const m = masks?.[s];
        h = m === undefined
          ? next
          : t.where(fromTypedArray(m.data, [batch, 1]), next, h ?? zeros([batch, units], x.dtype));
        hs.push(h);
      }
      const last = h as Tensor;
      return { seq: wantSequence ? t.stack(hs, 1) : undefined, last, final: last };
    },
  };
}
