/**
 * The configuration the convolution layers (`conv.ts`) are built from: their checked options,
 * parameter initialisation and checks, and the call of the primitive. Private to `src/layers/`.
 *
 * @module
 */

import { glorotUniform, type Initializer, zerosInit } from "../init.ts";
import { split } from "../random.ts";
import { DEFAULT_DTYPE, type DType, formatShape, type Tensor } from "../tensor.ts";
import type { Ops } from "../autodiff/ops.ts";
import type { Conv2dOptions } from "../ops/conv.ts";
import {
  checkBoolean,
  checkDType,
  checkFunction,
  checkInteger,
  checkOptions,
  MAX_ELEMENTS,
} from "../_checks.ts";
import { checkParam } from "./_conv_checks.ts";
import { checkRecord } from "./_layer_checks.ts";
import { checkPadding, checkPair, paddingOption, type WindowSpec } from "./_window_shape.ts";
import type { Padding, Pair } from "./_window_shape.ts";

/** Parameters of `conv2d` and `conv1d`: the kernel `w` and, unless disabled, bias `b`. */
export type ConvParams = { readonly w: Tensor; readonly b?: Tensor };

/** Options of the `conv2d` layer. */
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
   * `fanOut = kh·kw·filters/groups`; default `glorotUniform`.
   */
  init?: Initializer;
  /** Bias initialiser; default zeros. */
  biasInit?: Initializer;
  /** Parameter dtype, default float32; inputs must match (float64 for gradient checks). */
  dtype?: DType;
  /**
   * A max pool of this window (one number or `[height, width]`, at a stride of its size, no
   * padding) over the rectified output: `conv2d(f, k, { ..., reluMaxPool: 2 })` is
   * `serial(conv2d(f, k, { ... }), reluMaxPool2d(2))`, the same function and gradient bit for
   * bit, on the fused `conv2dReluMaxPool` primitive: the convolution's full-size output and its
   * cotangent are never tensors (on the MNIST CNN, fewer fresh arrays a step).
   */
  reluMaxPool?: Pair;
}

export const OPTIONS = [
  "stride",
  "padding",
  "dilation",
  "groups",
  "bias",
  "init",
  "biasInit",
  "dtype",
];

/** The checked configuration one convolution layer is built from. */
export interface ConvConfig {
  readonly op: string;
  readonly filters: number;
  readonly spec: WindowSpec;
  readonly groups: number;
  readonly bias: boolean;
  readonly init: Initializer;
  readonly biasInit: Initializer;
  readonly dtype: DType;
}

export function config(
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
export function initParams(
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
export function checkParams(c: ConvConfig, params: unknown, kernelShape: number[], dt: DType) {
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
export function convolve(
  t: Ops,
  c: ConvConfig,
  x: Tensor,
  w: Tensor,
  b: Tensor | undefined,
): Tensor {
  const options = convOptions(c);
  return b === undefined ? t.conv2d(x, w, options) : t.conv2dBias(x, w, b, options);
}

/** The primitive's options for the configured convolution. */
export function convOptions(c: ConvConfig): Conv2dOptions {
  const { stride, dilation, pads } = c.spec;
  return { stride, dilation, padding: paddingOption(pads), groups: c.groups };
}
