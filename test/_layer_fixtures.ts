/**
 * Small test-only layers for the combinator tests: elementwise tanh and sigmoid (so these tests
 * do not depend on the activation layers), a layer that records the context it was given, and
 * a stateful layer that counts its training calls.
 */

import type { ApplyContext, Layer } from "../src/layers/layer.ts";
import { allocate, fromTypedArray, type Tensor } from "../src/tensor.ts";

/** An elementwise layer from f and its derivative written in terms of the output y = f(x). */
function elementwise(f: (v: number) => number, dfFromY: (y: number) => number): Layer<null, null> {
  return {
    init: (_key, inShape) => ({ outShape: [...inShape], params: null, state: null }),
    apply: (_params, state, x) => {
      const y = allocate(x.dtype, x.data.length);
      for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
      return {
        y: fromTypedArray(y, x.shape),
        state,
        vjp: (dy) => {
          const dx = allocate(x.dtype, y.length);
          for (let i = 0; i < y.length; i++) dx[i] = dy.data[i] * dfFromY(y[i]);
          return { params: null, x: fromTypedArray(dx, x.shape) };
        },
      };
    },
  };
}

/** tanh, with tanh' = 1 − y². */
export const localTanh = (): Layer<null, null> => elementwise(Math.tanh, (y) => 1 - y * y);

/** The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ), with σ' = y(1 − y). */
export const localSigmoid = (): Layer<null, null> =>
  elementwise((v) => 1 / (1 + Math.exp(-v)), (y) => y * (1 - y));

/** The identity (copying), pushing every context it is applied with onto `log`. */
export function contextRecorder(log: ApplyContext[]): Layer<null, null> {
  const copy = (t: Tensor) => fromTypedArray(t.data.slice(), t.shape);
  return {
    init: (_key, inShape) => ({ outShape: [...inShape], params: null, state: null }),
    apply: (_params, state, x, ctx) => {
      log.push(ctx);
      return { y: copy(x), state, vjp: (dy) => ({ params: null, x: copy(dy) }) };
    },
  };
}

/** The identity whose state (a one-element tensor) counts the calls made while training. */
export function callCounter(): Layer<null, Tensor> {
  return {
    init: (_key, inShape) => ({
      outShape: [...inShape],
      params: null,
      state: fromTypedArray(new Float64Array(1), [1]),
    }),
    apply: (_params, state, x, ctx) => ({
      y: fromTypedArray(x.data.slice(), x.shape),
      state: ctx.training ? fromTypedArray(Float64Array.of(state.data[0] + 1), [1]) : state,
      vjp: (dy) => ({ params: null, x: fromTypedArray(dy.data.slice(), dy.shape) }),
    }),
  };
}
