/**
 * Activation layers: parameter-free, stateless `Layer<null, null>` wrappers around the
 * activation primitives of `src/ops/`, called through `t` (`t.relu(x)`).
 *
 * The factories carry a `Layer` suffix (`reluLayer()`, `softmaxLayer(axis)`) because the ops
 * they wrap are exported from the same top-level module under the plain names (`relu`,
 * `softmax`); the suffix keeps both usable side by side, and they are factories (not
 * constants) like every other layer, so options such as `alpha` are checked once, where the
 * model is written. Any other shape-preserving op becomes a layer with {@linkcode activation}.
 * The layers along an axis (`softmaxLayer`, `logSoftmaxLayer`) are in `softmax_layers.ts`.
 *
 * @module
 */

import { checkFinite } from "../ops/_checks.ts";
import type { Ops } from "../autodiff/ops.ts";
import { checkFunction, describeValue } from "../_checks.ts";
import { checkFreeApply as checkApply, checkInitArgs } from "./_layer_checks.ts";
import { formatShape, isTensor, shapesEqual, type Tensor } from "../tensor.ts";
import type { Layer } from "./layer.ts";

export { logSoftmaxLayer, softmaxLayer } from "./softmax_layers.ts";

/**
 * A shape-preserving function of one tensor written over the primitives of `t`, e.g.
 * `(t, x) => t.relu(x)` or `(t, x) => t.elu(x, 0.5)`. Its gradient is the trace's.
 */
export type ActivationFn = (t: Ops, x: Tensor) => Tensor;

/**
 * A factory without options called with some is a mistake worth a word (`reluLayer(0.2)` is
 * not a leaky rectifier), not an argument to ignore.
 */
function noArguments(name: string, count: number): void {
  if (count > 0) {
    throw new TypeError(
      `${name}: takes no arguments, got ${count}` +
        (name === "reluLayer" ? " (for a slope below zero use leakyReluLayer(alpha))" : ""),
    );
  }
}

/**
 * Wraps a shape-preserving function over `t` as a parameter-free layer: `init` reports the
 * input shape as the output shape, `apply` runs `fn(t, x)` on the whole batch (its gradient is
 * the primitives'). An `fn` that changes the shape is a `TypeError` at `apply`.
 *
 * @example
 * ```ts
 * import { activation } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = activation((t, x) => t.elu(x, 0.5), "elu(0.5)");
 * const { params, state } = layer.init(key(0), [2]);
 * const { y } = layer.apply(untraced(), params, state, tensor([[1, -1000]]), EVAL);
 * if (y.data.join() !== "1,-0.5") throw new Error("unexpected");
 * ```
 */
export function activation(fn: ActivationFn, name = "activation"): Layer<null, null> {
  if (typeof name !== "string") {
    throw new TypeError(`activation: name must be a string, got ${describeValue(name)}`);
  }
  checkFunction(`activation(${name})`, "fn", fn, "a function (t, x) => y over the primitives of t");
  return {
    name,
    init: (key, inShape) => {
      checkInitArgs(name, key, inShape);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkApply(name, t, params, state, x, ctx);
      const y = fn(t, x);
      if (!isTensor(y)) {
        throw new TypeError(
          `${name}: the activation must return a tensor, got ${describeValue(y)}`,
        );
      }
      if (!shapesEqual(y.shape, x.shape)) {
        throw new TypeError(
          `${name}: the activation changed the shape from ${formatShape(x.shape)} to ${
            formatShape(y.shape)
          }; activation layers must preserve it`,
        );
      }
      return { y, state };
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
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = sigmoidLayer().apply(untraced(), null, null, tensor([[0]]), EVAL);
 * if (y.data[0] !== 0.5) throw new Error("unexpected");
 * ```
 */
export function sigmoidLayer(): Layer<null, null> {
  noArguments("sigmoidLayer", arguments.length);
  return activation((t, x) => t.sigmoid(x), "sigmoidLayer");
}

/**
 * tanh as a layer.
 *
 * @example
 * ```ts
 * import { tanhLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * if (tanhLayer().apply(untraced(), null, null, tensor([[0]]), EVAL).y.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export function tanhLayer(): Layer<null, null> {
  noArguments("tanhLayer", arguments.length);
  return activation((t, x) => t.tanh(x), "tanhLayer");
}

/**
 * The rectifier max(0, x) as a layer.
 *
 * @example
 * ```ts
 * import { reluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = reluLayer().apply(untraced(), null, null, tensor([[-1, 2]]), EVAL);
 * if (y.data.join() !== "0,2") throw new Error("unexpected");
 * ```
 */
export function reluLayer(): Layer<null, null> {
  noArguments("reluLayer", arguments.length);
  return activation((t, x) => t.relu(x), "reluLayer");
}

/**
 * The leaky rectifier as a layer; `alpha` (default 0.01) must be finite and non-negative
 * (RangeError, thrown here rather than at the first batch).
 *
 * @example
 * ```ts
 * import { leakyReluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = leakyReluLayer(0.5).apply(untraced(), null, null, tensor([[-2, 2]]), EVAL);
 * if (y.data.join() !== "-1,2") throw new Error("unexpected");
 * ```
 */
export function leakyReluLayer(alpha = 0.01): Layer<null, null> {
  checkFinite("leakyReluLayer", "alpha", alpha, 0);
  return activation((t, x) => t.leakyRelu(x, alpha), "leakyReluLayer");
}

/**
 * The exponential linear unit as a layer; `alpha` (default 1) must be finite and non-negative
 * (RangeError).
 *
 * @example
 * ```ts
 * import { eluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const { y } = eluLayer().apply(untraced(), null, null, tensor([[3, -1000]]), EVAL);
 * if (y.data.join() !== "3,-1") throw new Error("unexpected");
 * ```
 */
export function eluLayer(alpha = 1): Layer<null, null> {
  checkFinite("eluLayer", "alpha", alpha, 0);
  return activation((t, x) => t.elu(x, alpha), "eluLayer");
}

/**
 * The exact GELU, x·Φ(x), as a layer.
 *
 * @example
 * ```ts
 * import { geluLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * if (geluLayer().apply(untraced(), null, null, tensor([[0]]), EVAL).y.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export function geluLayer(): Layer<null, null> {
  noArguments("geluLayer", arguments.length);
  return activation((t, x) => t.gelu(x), "geluLayer");
}

/**
 * The tanh approximation of GELU as a layer.
 *
 * @example
 * ```ts
 * import { geluTanhLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * if (geluTanhLayer().apply(untraced(), null, null, tensor([[1000]]), EVAL).y.data[0] !== 1000) throw new Error("unexpected");
 * ```
 */
export function geluTanhLayer(): Layer<null, null> {
  noArguments("geluTanhLayer", arguments.length);
  return activation((t, x) => t.geluTanh(x), "geluTanhLayer");
}

/**
 * softplus, log(1 + eˣ), as a layer.
 *
 * @example
 * ```ts
 * import { softplusLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * if (softplusLayer().apply(untraced(), null, null, tensor([[1000]]), EVAL).y.data[0] !== 1000) throw new Error("unexpected");
 * ```
 */
export function softplusLayer(): Layer<null, null> {
  noArguments("softplusLayer", arguments.length);
  return activation((t, x) => t.softplus(x), "softplusLayer");
}

/**
 * swish, x·σ(βx), as a layer; `beta` (default 1) must be finite (RangeError).
 *
 * @example
 * ```ts
 * import { swishLayer } from "./activations.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * if (swishLayer().apply(untraced(), null, null, tensor([[0]]), EVAL).y.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export function swishLayer(beta = 1): Layer<null, null> {
  checkFinite("swishLayer", "beta", beta);
  return activation((t, x) => t.swish(x, beta), "swishLayer");
}
