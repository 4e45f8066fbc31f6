/**
 * Pooling layers over NHWC batches: `maxPool2d`, `avgPool2d` and the fused `reluMaxPool2d` over
 * sliding windows and `globalAvgPool2d` over the whole image, each one primitive call with no
 * parameters.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Ops } from "../autodiff/ops.ts";
import { checkOptions } from "../_checks.ts";
import type { Layer } from "./layer.ts";
import { checkRank } from "./_conv_checks.ts";
import { checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import {
  checkExample,
  checkPadding,
  checkPair,
  type Padding,
  paddingOption,
  type Pair,
  windowOut,
  type WindowSpec,
} from "./_window_shape.ts";

/** Options of {@linkcode maxPool2d} and {@linkcode avgPool2d}. */
export interface Pool2dLayerOptions {
  /** Step of the window, one number or `[height, width]`. Default: the window's size. */
  stride?: Pair;
  /**
   * `"valid"` (default), `"same"` or `[[top, bottom], [left, right]]`, each pad smaller than
   * the window on its axis. Padding is never a value: a max ignores it, an average divides by
   * the real elements of its window.
   */
  padding?: Padding;
}

type PoolPrimitive = "maxPool2d" | "avgPool2d" | "reluMaxPool2d";

function windowPool(op: PoolPrimitive, size: Pair, options: Pool2dLayerOptions): Layer<null, null> {
  const o = checkOptions(op, options, ["stride", "padding"]);
  const kernel = checkPair(op, "size", size);
  const spec: WindowSpec = {
    kernel,
    stride: o.stride === undefined ? kernel : checkPair(op, "stride", o.stride),
    dilation: [1, 1],
    pads: checkPadding(op, o.padding === undefined ? "valid" : o.padding, kernel),
  };
  const opts = { size: kernel, stride: spec.stride, padding: paddingOption(spec.pads) };
  const run = (t: Ops, x: Tensor) =>
    op === "maxPool2d"
      ? t.maxPool2d(x, opts)
      : op === "avgPool2d"
      ? t.avgPool2d(x, opts)
      : t.reluMaxPool2d(x, opts);
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      checkExample(`${op} init`, inShape, "[height, width, channels]");
      const [h, w, c] = inShape;
      const [oh, ow] = windowOut(`${op} init`, spec, h, w, inShape, "window");
      return { outShape: [oh, ow, c], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkRank(op, x, 4, "[batch, height, width, channels]");
      checkExample(`Cannot ${op}`, x.shape.slice(1), "[height, width, channels]");
      windowOut(`Cannot ${op}`, spec, x.shape[1], x.shape[2], x.shape.slice(1), "window");
      return { y: run(t, x), state };
    },
  };
}

/**
 * Max pooling over `size` windows (one number or `[height, width]`) of NHWC batches: examples
 * `[h, w, c]` become `[oh, ow, c]`, each output the first maximum of its window (NaN counts as
 * the largest). The gradient routes to that element.
 *
 * @example
 * ```ts
 * import { maxPool2d } from "./pool.ts";
 * import { key } from "../random.ts";
 * const { outShape } = maxPool2d(2).init(key(0), [28, 28, 32]);
 * if (outShape.toString() !== "14,14,32") throw new Error("unexpected");
 * ```
 */
export function maxPool2d(size: Pair, options: Pool2dLayerOptions = {}): Layer<null, null> {
  return windowPool("maxPool2d", size, options);
}

/**
 * The rectifier then max pooling, fused: the same function and gradient as `reluLayer()`
 * followed by `maxPool2d(size, options)`, computed as the rectifier of the pooled maxima, so
 * it runs on the smaller tensor and no rectified copy of the input is made (the
 * `reluMaxPool2d` primitive). What a conv-relu-pool block of a CNN wants after its convolution.
 *
 * @example
 * ```ts
 * import { reluMaxPool2d } from "./pool.ts";
 * import { key } from "../random.ts";
 * const { outShape } = reluMaxPool2d(2).init(key(0), [28, 28, 32]);
 * if (outShape.toString() !== "14,14,32") throw new Error("unexpected");
 * ```
 */
export function reluMaxPool2d(size: Pair, options: Pool2dLayerOptions = {}): Layer<null, null> {
  return windowPool("reluMaxPool2d", size, options);
}

/**
 * Average pooling over `size` windows of NHWC batches: examples `[h, w, c]` become
 * `[oh, ow, c]`, each output the mean of the real elements of its window.
 *
 * @example
 * ```ts
 * import { avgPool2d } from "./pool.ts";
 * import { key } from "../random.ts";
 * const { outShape } = avgPool2d(3, { stride: 2, padding: "same" }).init(key(0), [7, 7, 4]);
 * if (outShape.toString() !== "4,4,4") throw new Error("unexpected");
 * ```
 */
export function avgPool2d(size: Pair, options: Pool2dLayerOptions = {}): Layer<null, null> {
  return windowPool("avgPool2d", size, options);
}

/**
 * The mean over height and width: examples `[h, w, c]` become vectors `[c]` (the usual last
 * step before a classifier's dense layer).
 *
 * @example
 * ```ts
 * import { globalAvgPool2d } from "./pool.ts";
 * import { key } from "../random.ts";
 * const { outShape } = globalAvgPool2d().init(key(0), [7, 7, 64]);
 * if (outShape.toString() !== "64") throw new Error("unexpected");
 * ```
 */
export function globalAvgPool2d(): Layer<null, null> {
  const op = "globalAvgPool2d";
  if (arguments.length > 0) {
    throw new TypeError(`${op}: takes no arguments, got ${arguments.length}`);
  }
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      checkExample(`${op} init`, inShape, "[height, width, channels]");
      return { outShape: [inShape[2]], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkRank(op, x, 4, "[batch, height, width, channels]");
      checkExample(`Cannot ${op}`, x.shape.slice(1), "[height, width, channels]");
      return { y: t.globalAvgPool2d(x), state };
    },
  };
}
