/**
 * Convolution layers over NHWC batches: `conv2d` over images `[h, w, c]` and `conv1d` over
 * sequences `[length, c]`, both forward code over the `conv2d` primitive (im2col onto the
 * backend's gemm), or `conv2dBias` (the same with the bias fused) when they have a bias, or
 * `conv2dReluMaxPool` (then the rectifier and a max pool, fused) with `reluMaxPool`.
 *
 * @module
 */

import { formatShape } from "../tensor.ts";
import { checkInteger, checkOptions, describeValue } from "../_checks.ts";
import type { Layer } from "./layer.ts";
import { checkRank } from "./_conv_checks.ts";
import { checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import { checkExample, checkPair, type Padding, type Pair, windowOut } from "./_window_shape.ts";
import { checkParams, config, convolve, convOptions, initParams, OPTIONS } from "./_conv_config.ts";

export type { Conv2dLayerOptions, ConvParams } from "./_conv_config.ts";
import type { Conv2dLayerOptions, ConvParams } from "./_conv_config.ts";

/**
 * A 2-D convolution layer with `filters` output channels over NHWC batches `[batch, h, w, c]`
 * (examples `[h, w, c]`): `y = conv2d(x, W) + b` with the kernel `W: [kh, kw, c/groups,
 * filters]` and bias `b: [filters]`. `kernelSize` is one number or `[kh, kw]`. Output
 * examples are `[oh, ow, filters]` (see {@linkcode Conv2dLayerOptions} for stride, padding,
 * dilation and groups). Its gradient is the primitive's: `conv2dBias` (the convolution's im2col
 * products and the bias's sum over the batch and positions), or `conv2d` without a bias.
 *
 * @example
 * ```ts
 * import { conv2d } from "./conv.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { zeros } from "../tensor.ts";
 * const layer = conv2d(8, 3, { padding: "same", stride: 2 });
 * const { outShape, params } = layer.init(key(0), [28, 28, 1]);
 * if (outShape.toString() !== "14,14,8" || params.w.shape.join() !== "3,3,1,8") throw new Error("unexpected");
 * const { y } = layer.apply(untraced(), params, null, zeros([2, 28, 28, 1]), EVAL);
 * if (y.shape.join() !== "2,14,14,8") throw new Error("unexpected");
 * ```
 */
export function conv2d(
  filters: number,
  kernelSize: Pair,
  options: Conv2dLayerOptions = {},
): Layer<ConvParams, null> {
  const op = "conv2d";
  const { reluMaxPool, ...rest } = checkOptions(op, options, [...OPTIONS, "reluMaxPool"]);
  const c = config(op, filters, checkPair(op, "kernelSize", kernelSize), rest);
  const pool = reluMaxPool === undefined ? undefined : checkPair(op, "reluMaxPool", reluMaxPool);
  const [kh, kw] = c.spec.kernel;
  // The output's height and width: the convolution's, then the pool's windows over them.
  const outSize = (where: string, h: number, w: number, shape: readonly number[]) => {
    const [oh, ow] = windowOut(where, c.spec, h, w, shape);
    if (pool === undefined) return [oh, ow];
    const [ph, pw] = pool;
    if (oh < ph || ow < pw) {
      throw new RangeError(
        `${where}: the reluMaxPool window ${ph}x${pw} is larger than the convolution's ` +
          `${oh}x${ow} output for input ${formatShape(shape)}`,
      );
    }
    return [Math.floor(oh / ph), Math.floor(ow / pw)];
  };
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      checkExample(`${op} init`, inShape, "[height, width, channels]");
      const [h, w, cin] = inShape;
      const [oh, ow] = outSize(`${op} init`, h, w, inShape);
      const params = initParams(c, key, cin, [kh, kw]);
      return { outShape: [oh, ow, filters], params, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      checkNone(op, "state", state);
      checkRank(op, x, 4, "[batch, height, width, channels]");
      const cin = x.shape[3];
      if (cin % c.groups !== 0) {
        throw new RangeError(
          `Cannot ${op}: groups ${c.groups} must divide the input channels, got shape ${
            formatShape(x.shape)
          }`,
        );
      }
      checkParams(c, params, [kh, kw, cin / c.groups, filters], x.dtype);
      outSize(`Cannot ${op}`, x.shape[1], x.shape[2], x.shape.slice(1));
      const y = pool === undefined
        ? convolve(t, c, x, params.w, params.b)
        : t.conv2dReluMaxPool(x, params.w, params.b, convOptions(c), { size: pool });
      return { y, state };
    },
  };
}

/** Options of {@linkcode conv1d}: those of {@linkcode conv2d} over one axis. */
export interface Conv1dLayerOptions
  extends Omit<Conv2dLayerOptions, "stride" | "dilation" | "padding" | "reluMaxPool"> {
  /** Step of the window. Default 1. */
  stride?: number;
  /** `"valid"` (default), `"same"` or `[left, right]` zeros at the sequence's ends. */
  padding?: "valid" | "same" | readonly [number, number];
  /** Spacing between the kernel's taps. Default 1. */
  dilation?: number;
}

/**
 * A 1-D convolution layer with `filters` output channels over sequences `[batch, length, c]`
 * (examples `[length, c]`): the kernel `W: [k, c/groups, filters]` and bias `b: [filters]`;
 * output examples `[outLength, filters]`. It is {@linkcode conv2d} on images of height 1,
 * reached through `t.reshape` (so its gradient is the same primitives').
 *
 * @example
 * ```ts
 * import { conv1d } from "./conv.ts";
 * import { key } from "../random.ts";
 * const { outShape, params } = conv1d(4, 3, { padding: "same" }).init(key(0), [10, 2]);
 * if (outShape.toString() !== "10,4" || params.w.shape.join() !== "3,2,4") throw new Error("unexpected");
 * ```
 */
export function conv1d(
  filters: number,
  kernelSize: number,
  options: Conv1dLayerOptions = {},
): Layer<ConvParams, null> {
  const op = "conv1d";
  checkInteger(op, "kernelSize", kernelSize, { min: 1 });
  const o = checkOptions(op, options, OPTIONS);
  const p = o.padding === undefined ? "valid" : o.padding;
  const ok = typeof p === "string" || (Array.isArray(p) && p.length === 2);
  if (!ok) {
    throw new TypeError(
      `${op}: padding must be "valid", "same" or [left, right], got ${describeValue(p)}`,
    );
  }
  const padding: Padding = typeof p === "string" ? p as Padding : [[0, 0], [p[0], p[1]]];
  const along = (name: string, v: unknown): [number, number] => {
    checkInteger(op, name, v, { min: 1 });
    return [1, v as number];
  };
  const c = config(op, filters, [1, kernelSize], { ...o, padding }, along);
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      checkExample(`${op} init`, inShape, "[length, channels]");
      const [length, cin] = inShape;
      const [, ol] = windowOut(`${op} init`, c.spec, 1, length, inShape);
      const params = initParams(c, key, cin, [kernelSize]);
      return { outShape: [ol, filters], params, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      checkNone(op, "state", state);
      checkRank(op, x, 3, "[batch, length, channels]");
      const [n, length, cin] = x.shape;
      if (cin % c.groups !== 0) {
        throw new RangeError(
          `Cannot ${op}: groups ${c.groups} must divide the input channels, got shape ${
            formatShape(x.shape)
          }`,
        );
      }
      checkParams(c, params, [kernelSize, cin / c.groups, filters], x.dtype);
      windowOut(`Cannot ${op}`, c.spec, 1, length, x.shape.slice(1));
      const x2 = t.reshape(x, [n, 1, length, cin]);
      const w2 = t.reshape(params.w, [1, ...params.w.shape]);
      const y = convolve(t, c, x2, w2, params.b);
      return { y: t.reshape(y, [n, y.shape[2], filters]), state };
    },
  };
}
