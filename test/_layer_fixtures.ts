/**
 * Small test-only layers for the combinator tests: elementwise tanh and sigmoid (so these tests
 * do not depend on the activation layers or their primitives), a layer that records the context
 * it was given, a stateful layer that counts its training calls, and a layer that adds an
 * auxiliary activity term. Their primitives are defined here with `primitive()`, each with its
 * pullback beside it, and called through `t.call`.
 */

import type { Ops } from "../src/autodiff/ops.ts";
import type { ApplyContext, Layer } from "../src/layers/layer.ts";
import { type Primitive, unary } from "../src/ops/primitive.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { allocate, fromTypedArray, scalar, type Tensor } from "../src/tensor.ts";
import type { Tree } from "../src/tree.ts";

/** An elementwise primitive from f and its derivative written in terms of the output y = f(x). */
function elementwise(
  name: string,
  f: (v: number) => number,
  dfFromY: (y: number) => number,
): Primitive<[Tensor]> {
  return unary(name, (x: Tensor) => {
    const y = allocate(x.dtype, x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
    return [fromTypedArray(y, x.shape), (dy) => {
      const dx = allocate(x.dtype, y.length);
      for (let i = 0; i < y.length; i++) dx[i] = dy.data[i] * dfFromY(y[i]);
      return fromTypedArray(dx, x.shape);
    }];
  });
}

/** tanh as a test primitive, with tanh' = 1 − y². */
export const tanhOp = elementwise("localTanh", Math.tanh, (y) => 1 - y * y);
/** The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ) as a test primitive, with σ' = y(1 − y). */
export const sigmoidOp = elementwise(
  "localSigmoid",
  (v) => 1 / (1 + Math.exp(-v)),
  (y) => y * (1 - y),
);
/** The identity as a test primitive that copies (so no output aliases an input). */
export const copyOp = elementwise("localCopy", (v) => v, () => 1);

function layerOf(op: Primitive<[Tensor]>): Layer<null, null> {
  return {
    init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
    apply: (t, _params, state, x) => ({ y: t.call(op, x), state }),
  };
}

/** tanh as a layer. */
export const localTanh = (): Layer<null, null> => layerOf(tanhOp);

/** The logistic sigmoid as a layer. */
export const localSigmoid = (): Layer<null, null> => layerOf(sigmoidOp);

/** The identity (copying), pushing every context it is applied with onto `log`. */
export function contextRecorder(log: ApplyContext[]): Layer<null, null> {
  return {
    init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
    apply: (t, _params, state, x, ctx) => {
      log.push(ctx);
      return { y: t.call(copyOp, x), state };
    },
  };
}

/** The identity whose state (a one-element tensor) counts the calls made while training. */
export function callCounter(): Layer<null, Tensor> {
  return {
    init: (_key, inShape) => ({
      outShape: inShape,
      params: null,
      state: fromTypedArray(new Float64Array(1), [1]),
    }),
    apply: (t, _params, state, x, ctx) => ({
      y: t.call(copyOp, x),
      state: ctx.training ? fromTypedArray(Float64Array.of(state.data[0] + 1), [1]) : state,
    }),
  };
}

/**
 * The identity (copying) that adds an auxiliary term `name` = `weight · Σ y²` (an activity
 * penalty), written over `t.mul` and a local sum so it runs on the core floor.
 */
export function activity(weight = 0.01, name = "activity"): Layer<null, null> {
  return {
    init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
    apply: (t, _params, state, x) => {
      const y = t.call(copyOp, x);
      const term = t.mul(sumAll(t, t.mul(y, y)), scalar(weight, y.dtype));
      return { y, state, aux: { [name]: term } };
    },
  };
}

/** Σ of every element of `x` as a one-element tensor, through a test primitive. */
function sumAll(t: Ops, x: Tensor): Tensor {
  return t.call(sumOp, x);
}

const sumOp = unary("localSum", (x: Tensor) => {
  let s = 0;
  for (let i = 0; i < x.data.length; i++) s += x.data[i];
  const out = allocate(x.dtype, 1);
  out[0] = s;
  return [fromTypedArray(out, []), (dy) => {
    const dx = allocate(x.dtype, x.data.length);
    dx.fill(dy.data[0]);
    return fromTypedArray(dx, x.shape);
  }];
});

/**
 * A layer's output and the pullback of its output cotangent to cotangents of its parameters
 * and its input, through `vjp` (the way the training step differentiates a model).
 */
export function layerVjp<P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
  params: P,
  state: S,
  x: Tensor,
  ctx: ApplyContext,
): { y: Tensor; state: S; pullback: (dy: Tensor) => { params: P; x: Tensor } } {
  let next = state;
  const [y, pullback] = vjp((t, p) => {
    const r = layer.apply(t, p.params, state, p.x, ctx);
    next = r.state;
    return r.y;
  }, { params, x });
  return { y, state: next, pullback: (dy) => pullback(dy) };
}
