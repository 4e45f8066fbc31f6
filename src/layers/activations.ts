/**
 * Activation layers: parameter-free, stateless `Layer<null, null>` wrappers around the
 * activation ops of `src/ops/`.
 *
 * The factories carry a `Layer` suffix (`reluLayer()`, `softmaxLayer(axis)`) because the ops
 * they wrap are exported from the same top-level module under the plain names (`relu(x)`,
 * `softmax(x)`); the suffix keeps both usable side by side, and they are factories (not
 * constants) like every other layer, so options such as `alpha` are checked once, where the
 * model is written. Any other shape-preserving op becomes a layer with {@linkcode activation}.
 *
 * @module
 */

import { checkFinite, normalizeAxis } from "../ops/_checks.ts";
import { elu, leakyRelu, relu, sigmoid, softplus, swish, tanh } from "../ops/activations.ts";
import { gelu, geluTanh } from "../ops/gelu.ts";
import { logSoftmax, softmax } from "../ops/softmax.ts";
import {
  checkShape,
  formatShape,
  isTensor,
  type Shape,
  shapesEqual,
  type Tensor,
} from "../tensor.ts";
import type { Vjp } from "../vjp.ts";
import type { Layer } from "./layer.ts";

/** A shape-preserving differentiable function of one tensor, e.g. `relu` or `(x) => elu(x, 0.5)`. */
export type ActivationFn = (x: Tensor) => [Tensor, Vjp<Tensor, Tensor>];

function requireBatch(name: string, x: Tensor): void {
  if (!isTensor(x) || x.shape.length === 0) {
    throw new TypeError(
      `${name}: expected a batch of shape [batch, ...inShape], got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : "a non-tensor"
      }`,
    );
  }
}

/**
 * Wraps a shape-preserving op as a parameter-free layer: `init` reports the input shape as the
 * output shape, `apply` runs `fn` on the whole batch and its VJP returns `{ params: null, x }`.
 * An `fn` that changes the shape is a `TypeError` at `apply`.
 *
 * @example
 * ```ts
 * import { activation } from "./activations.ts";
 * import { elu } from "../ops/activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = activation((x) => elu(x, 0.5), "elu(0.5)");
 * const { params, state } = layer.init(key(0), [2]);
 * const { y } = layer.apply(params, state, tensor([[1, -1000]]), EVAL);
 * if (y.data.join() !== "1,-0.5") throw new Error("unexpected");
 * ```
 */
export function activation(fn: ActivationFn, name = "activation"): Layer<null, null> {
  if (typeof fn !== "function") {
    throw new TypeError(`${name}: expected a function (x) => [y, vjp], got ${typeof fn}`);
  }
  return {
    name,
    init: (_key, inShape) => {
      checkShape(inShape, name);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (_params, state, x) => {
      requireBatch(name, x);
      const [y, back] = fn(x);
      if (!shapesEqual(y.shape, x.shape)) {
        throw new TypeError(
          `${name}: the activation changed the shape from ${formatShape(x.shape)} to ${
            formatShape(y.shape)
          }; activation layers must preserve it`,
        );
      }
      return { y, state, vjp: (dy) => ({ params: null, x: back(dy) }) };
    },
  };
}

/**
 * The logistic sigmoid as a layer.
 *
 * @example
 * ```ts
 * import { sigmoidLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = sigmoidLayer().apply(null, null, tensor([[0]]), EVAL);
 * if (y.data[0] !== 0.5) throw new Error("unexpected");
 * ```
 */
export const sigmoidLayer = (): Layer<null, null> => activation(sigmoid, "sigmoidLayer");

/**
 * tanh as a layer.
 *
 * @example
 * ```ts
 * import { tanhLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * if (tanhLayer().apply(null, null, tensor([[0]]), EVAL).y.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export const tanhLayer = (): Layer<null, null> => activation(tanh, "tanhLayer");

/**
 * The rectifier max(0, x) as a layer.
 *
 * @example
 * ```ts
 * import { reluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = reluLayer().apply(null, null, tensor([[-1, 2]]), EVAL);
 * if (y.data.join() !== "0,2") throw new Error("unexpected");
 * ```
 */
export const reluLayer = (): Layer<null, null> => activation(relu, "reluLayer");

/**
 * The leaky rectifier as a layer; `alpha` (default 0.01) must be finite and non-negative
 * (RangeError, thrown here rather than at the first batch).
 *
 * @example
 * ```ts
 * import { leakyReluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = leakyReluLayer(0.5).apply(null, null, tensor([[-2, 2]]), EVAL);
 * if (y.data.join() !== "-1,2") throw new Error("unexpected");
 * ```
 */
export function leakyReluLayer(alpha = 0.01): Layer<null, null> {
  checkFinite("leakyReluLayer", "alpha", alpha, 0);
  return activation((x) => leakyRelu(x, alpha), "leakyReluLayer");
}

/**
 * The exponential linear unit as a layer; `alpha` (default 1) must be finite and non-negative
 * (RangeError).
 *
 * @example
 * ```ts
 * import { eluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = eluLayer().apply(null, null, tensor([[3, -1000]]), EVAL);
 * if (y.data.join() !== "3,-1") throw new Error("unexpected");
 * ```
 */
export function eluLayer(alpha = 1): Layer<null, null> {
  checkFinite("eluLayer", "alpha", alpha, 0);
  return activation((x) => elu(x, alpha), "eluLayer");
}

/**
 * The exact GELU, x·Φ(x), as a layer.
 *
 * @example
 * ```ts
 * import { geluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * if (geluLayer().apply(null, null, tensor([[0]]), EVAL).y.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export const geluLayer = (): Layer<null, null> => activation(gelu, "geluLayer");

/**
 * The tanh approximation of GELU as a layer.
 *
 * @example
 * ```ts
 * import { geluTanhLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * if (geluTanhLayer().apply(null, null, tensor([[1000]]), EVAL).y.data[0] !== 1000) throw new Error("unexpected");
 * ```
 */
export const geluTanhLayer = (): Layer<null, null> => activation(geluTanh, "geluTanhLayer");

/**
 * softplus, log(1 + eˣ), as a layer.
 *
 * @example
 * ```ts
 * import { softplusLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * if (softplusLayer().apply(null, null, tensor([[1000]]), EVAL).y.data[0] !== 1000) throw new Error("unexpected");
 * ```
 */
export const softplusLayer = (): Layer<null, null> => activation(softplus, "softplusLayer");

/**
 * swish, x·σ(βx), as a layer; `beta` (default 1) must be finite (RangeError).
 *
 * @example
 * ```ts
 * import { swishLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * if (swishLayer().apply(null, null, tensor([[0]]), EVAL).y.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export function swishLayer(beta = 1): Layer<null, null> {
  checkFinite("swishLayer", "beta", beta);
  return activation((x) => swish(x, beta), "swishLayer");
}

/**
 * A softmax-like op along `axis` of each example as a layer. `axis` counts the example's axes
 * (no batch axis; negative from the end) and is checked against `inShape` at `init` and
 * against each batch at `apply` (RangeError), so it can never land on the batch axis.
 */
function alongAxis(
  name: string,
  op: (x: Tensor, axis: number) => [Tensor, Vjp<Tensor, Tensor>],
  axis: number,
): Layer<null, null> {
  const resolve = (example: Shape) => normalizeAxis(name, axis, example) + 1;
  return {
    name,
    init: (_key, inShape) => {
      checkShape(inShape, name);
      resolve(inShape);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (_params, state, x) => {
      requireBatch(name, x);
      const [y, back] = op(x, resolve(x.shape.slice(1)));
      return { y, state, vjp: (dy) => ({ params: null, x: back(dy) }) };
    },
  };
}

/**
 * softmax along `axis` of each example (default -1, the last) as a layer.
 *
 * @example
 * ```ts
 * import { softmaxLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = softmaxLayer().apply(null, null, tensor([[0, 0], [1000, -1000]]), EVAL);
 * if (y.data.join() !== "0.5,0.5,1,0") throw new Error("unexpected");
 * ```
 */
export function softmaxLayer(axis = -1): Layer<null, null> {
  return alongAxis("softmaxLayer", softmax, axis);
}

/**
 * logSoftmax along `axis` of each example (default -1) as a layer.
 *
 * @example
 * ```ts
 * import { logSoftmaxLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = logSoftmaxLayer().apply(null, null, tensor([[1000, -1000]]), EVAL);
 * if (y.data.join() !== "0,-2000") throw new Error("unexpected");
 * ```
 */
export function logSoftmaxLayer(axis = -1): Layer<null, null> {
  return alongAxis("logSoftmaxLayer", logSoftmax, axis);
}
