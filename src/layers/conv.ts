/**
 * Convolution layers over NHWC batches: `conv2d` over images `[h, w, c]` and `conv1d` over
 * sequences `[length, c]`, both forward code over the `conv2d` primitive (im2col onto the
 * backend's gemm), or `conv2dBias` (the same with the bias fused) when they have a bias.
 *
 * @module
 */

import { glorotUniform, type Initializer, zerosInit } from "../init.ts";
import { split } from "../random.ts";
import { DEFAULT_DTYPE, type DType, formatShape, type Tensor } from "../tensor.ts";
import type { Ops } from "../autodiff/ops.ts";
import {
  checkBoolean,
  checkDType,
  checkFunction,
  checkInteger,
  checkOptions,
  describeValue,
  MAX_ELEMENTS,
} from "../_checks.ts";
import type { Layer } from "./layer.ts";
import { checkParam, checkRank } from "./_conv_checks.ts";
import { checkContext, checkInitArgs, checkNone, checkRecord } from "./_layer_checks.ts";
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

/** Parameters of {@linkcode conv2d} and {@linkcode conv1d}: the kernel `w` and, unless disabled, bias `b`. */
export type ConvParams = { readonly w: Tensor; readonly b?: Tensor };

/** Options of {@linkcode conv2d}. */
export interface Conv2dLayerOptions {
  /** Step of the window, one number or `[height, width]`. Default 1. */
  stride?: Pair;
  /** `"valid"` (default), `"same"` or `[[top, bottom], [left, right]]` rows and columns of zeros. */
  padding?: Padding;
  /** Spacing between the kernel's taps, one number or `[height, width]`. Default 1. */
  dilation?: Pair;
  /** Channel groups (must divide the input channels and `filters`); `groups = cin` is depthwise. Default 1. */
  groups?: number;
  /** Whether to learn a bias; default `true`. */
  bias?: boolean;
  /**
   * Kernel initialiser, called with the convolution's fans `fanIn = kh·kw·cin/groups`,
   * `fanOut = kh·kw·filters/groups`; default {@linkcode glorotUniform}.
   */
  init?: Initializer;
  /** Bias initialiser; default zeros. */
  biasInit?: Initializer;
  /** Parameter dtype, default float32; inputs must match (float64 for gradient checks). */
  dtype?: DType;
}

const OPTIONS = ["stride", "padding", "dilation", "groups", "bias", "init", "biasInit", "dtype"];

/** The checked configuration one convolution layer is built from. */
interface ConvConfig {
  readonly op: string;
  readonly filters: number;
  readonly spec: WindowSpec;
  readonly groups: number;
  readonly bias: boolean;
  readonly init: Initializer;
  readonly biasInit: Initializer;
  readonly dtype: DType;
}

function config(
  op: string,
  filters: number,
  kernel: [number, number],
  options: Conv2dLayerOptions,
  axisPair = (name: string, v: unknown) => checkPair(op, name, v),
): ConvConfig {
  checkInteger(op, "filters", filters, { min: 1, max: MAX_ELEMENTS });
  const o = checkOptions(op, options, OPTIONS);
  const { bias = true, init = glorotUniform, biasInit = zerosInit, dtype = DEFAULT_DTYPE } = o;
  const groups = o.groups === undefined ? 1 : o.groups;
  checkInteger(op, "groups", groups, { min: 1 });
  if (filters % groups !== 0) {
    throw new RangeError(`${op}: groups ${groups} must divide filters (${filters})`);
  }
  checkBoolean(op, "bias", bias);
  checkFunction(op, "init", init, "an initialiser (key, shape, options) => Tensor");
  checkFunction(op, "biasInit", biasInit, "an initialiser (key, shape, options) => Tensor");
  checkDType(op, dtype);
  const spec: WindowSpec = {
    kernel,
    stride: axisPair("stride", o.stride === undefined ? 1 : o.stride),
    dilation: axisPair("dilation", o.dilation === undefined ? 1 : o.dilation),
    pads: checkPadding(op, o.padding === undefined ? "valid" : o.padding),
  };
  return { op, filters, spec, groups, bias, init, biasInit, dtype };
}

/**
 * Fresh parameters for `cin` input channels: kernel `[...taps, cin/groups, filters]` (`taps`
 * is `[kh, kw]` or `[k]`), bias `[filters]`.
 */
function initParams(
  c: ConvConfig,
  key: Parameters<Initializer>[0],
  cin: number,
  taps: number[],
): ConvParams {
  const { op, filters, groups, dtype } = c;
  if (cin % groups !== 0) {
    throw new RangeError(
      `${op} init: groups ${groups} must divide the input channels, got ${cin} channels`,
    );
  }
  const [kh, kw] = c.spec.kernel;
  const shape = [...taps, cin / groups, filters];
  const fans = { fanIn: kh * kw * cin / groups, fanOut: kh * kw * filters / groups, dtype };
  const [keyW, keyB] = split(key);
  const w = c.init(keyW, shape, fans);
  checkParam(`${op} init`, w, "the kernel the initialiser returned", shape, dtype);
  if (!c.bias) return { w };
  const b = c.biasInit(keyB, [filters], fans);
  checkParam(`${op} init`, b, "the bias the initialiser returned", [filters], dtype);
  return { w, b };
}

/** Checks parameters for input channels `cin` and dtype `dt` against the configuration. */
function checkParams(c: ConvConfig, params: unknown, kernelShape: number[], dt: DType) {
  const { op, bias, filters } = c;
  const keys = bias ? ["w", "b"] : ["w"];
  const expected = bias
    ? `{b:[${filters}],w:${formatShape(kernelShape)}}`
    : `{w:${formatShape(kernelShape)}}`;
  checkRecord(op, "params", params, expected, keys);
  checkParam(op, params.w, "the kernel w", kernelShape, dt);
  if (bias) checkParam(op, params.b, "the bias b", [filters], dt);
}

/** The convolution and bias on an NHWC batch `x` with a kernel of shape `[kh, kw, cg, filters]`. */
function convolve(t: Ops, c: ConvConfig, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  const { stride, dilation, pads } = c.spec;
  const options = { stride, dilation, padding: paddingOption(pads), groups: c.groups };
  return b === undefined ? t.conv2d(x, w, options) : t.conv2dBias(x, w, b, options);
}

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
  const c = config(op, filters, checkPair(op, "kernelSize", kernelSize), options);
  const [kh, kw] = c.spec.kernel;
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      checkExample(`${op} init`, inShape, "[height, width, channels]");
      const [h, w, cin] = inShape;
      const [oh, ow] = windowOut(`${op} init`, c.spec, h, w, inShape);
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
      windowOut(`Cannot ${op}`, c.spec, x.shape[1], x.shape[2], x.shape.slice(1));
      return { y: convolve(t, c, x, params.w, params.b), state };
    },
  };
}

/** Options of {@linkcode conv1d}: those of {@linkcode conv2d} over one axis. */
export interface Conv1dLayerOptions
  extends Omit<Conv2dLayerOptions, "stride" | "dilation" | "padding"> {
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
