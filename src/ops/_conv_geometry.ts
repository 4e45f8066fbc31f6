/**
 * What the convolution primitives of `conv.ts` and `conv_relu_pool.ts` share: the checked
 * layout (the options, the window, the channel groups and the bias's shape, each error naming
 * the primitive called) and the pullback from the output's cotangent. Private to `src/ops/`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import {
  allocate,
  assertSameDType,
  type FloatArray,
  formatShape,
  fromTypedArray,
  type Tensor,
} from "../tensor.ts";
import { checkInteger, checkOptions } from "../_checks.ts";
import { assertTensor } from "./_checks.ts";
import { biasGrad, convKernelGrad, type Geometry } from "./_conv_gemm.ts";
import { addsKernelGrad, kernelGradAdding } from "./_conv_one_channel.ts";
import { convInputGrad } from "./_conv_input_grad.ts";
import { nhwc, type Padding, type Pair, pair, window } from "./_window.ts";

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Step of the window, one number or `[height, width]`. Default 1. */
  readonly stride?: Pair;
  /**
   * `"valid"` (no padding, the default), `"same"` (TensorFlow's: `ceil(size / stride)`
   * outputs per axis, total padding `max((ceil(h/s) - 1)·s + (k - 1)·d + 1 - h, 0)` with the
   * odd pixel at the bottom/right) or explicit `[[top, bottom], [left, right]]` rows and
   * columns of zeros.
   */
  readonly padding?: Padding;
  /** Spacing between the kernel's taps, one number or `[height, width]`. Default 1. */
  readonly dilation?: Pair;
  /**
   * Channel groups: input channels `[g·cin/groups, (g+1)·cin/groups)` feed only output
   * channels `[g·cout/groups, (g+1)·cout/groups)`. Must divide `cin` and `cout`; `groups = cin`
   * is a depthwise convolution. Default 1.
   */
  readonly groups?: number;
}

const OPTIONS = ["stride", "padding", "dilation", "groups"];

/** The checked layout of a convolution `op` of `x` by `w` (errors name `op`). */
export function geometry(
  op: string,
  x: Tensor,
  w: Tensor,
  options: Conv2dOptions | undefined,
): Geometry {
  const [, , , cin] = nhwc(op, x, "the input x");
  const [kh, kw, cg, cout] = nhwc(op, w, "the kernel w", "[kh, kw, cin/groups, cout]");
  assertSameDType(op, x, w);
  const o = checkOptions(`Cannot ${op}`, options, OPTIONS);
  const groups = o.groups === undefined ? 1 : o.groups;
  checkInteger(`Cannot ${op}`, "groups", groups, { min: 1 });
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new RangeError(
      `Cannot ${op}: groups ${groups} must divide the input channels (${cin}) and the ` +
        `output channels (${cout}) of shapes ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
    );
  }
  if (cg * groups !== cin || kh === 0 || kw === 0) {
    throw new TypeError(
      `Cannot ${op}: the kernel must have shape [kh, kw, ${cin / groups}, cout] with kh, kw ` +
        `>= 1 for an input of ${cin} channels in ${groups} group(s), got ${formatShape(w.shape)}`,
    );
  }
  // `=== undefined`, not `??`: an explicit null is a mistake to report, not the default.
  const stride = pair(op, "stride", o.stride === undefined ? 1 : o.stride);
  const dilation = pair(op, "dilation", o.dilation === undefined ? 1 : o.dilation);
  const padding = o.padding === undefined ? "valid" : o.padding;
  const win = window(op, x.shape, [kh, kw], stride, dilation, padding);
  const rows = win.batch * win.oh * win.ow;
  return { win, groups, cg, og: cout / groups, cout, rows, k: kh * kw * cg };
}

/** TypeError unless `b` is a tensor of `x`'s dtype with one element per output channel. */
export function checkBias(op: string, b: Tensor, geo: Geometry, x: Tensor): void {
  assertTensor(op, b, "the bias b");
  if (b.shape.length !== 1 || b.shape[0] !== geo.cout || b.dtype !== x.dtype) {
    throw new TypeError(
      `Cannot ${op}: the bias must be a ${x.dtype} tensor of shape [${geo.cout}] (the ` +
        `kernel's output channels), got ${b.dtype} ${formatShape(b.shape)}`,
    );
  }
}

/** The output's shape `[batch, oh, ow, cout]`. */
export function outShape(geo: Geometry): number[] {
  return [geo.win.batch, geo.win.oh, geo.win.ow, geo.cout];
}

/** The convolution's pullback from its output's cotangent `g`: `[dx, dw, db]`, each if needed. */
export function convGrads(
  backend: Backend,
  geo: Geometry,
  x: Tensor,
  w: Tensor,
  b: Tensor | undefined,
  g: FloatArray,
  needs: readonly boolean[],
): (Tensor | undefined)[] {
  const dt = x.dtype;
  const dx = needs[0]
    ? fromTypedArray(convInputGrad(backend, geo, dt, w.data, g, x.data.length), x.shape)
    : undefined;
  if (needs[1] && geo.rows > 0 && addsKernelGrad(backend, geo)) {
    // With a bias, both from one product: the windows' row of ones against g is the bias's
    // cotangent, where a separate pass would read all of g again.
    const { k, cout } = geo, biased = needs[2] && b !== undefined;
    const dwb = allocate(dt, (biased ? k + 1 : k) * cout, "conv2d");
    kernelGradAdding(backend, geo, dt, x.data, g, dwb, biased ? k + 1 : k);
    const dw = fromTypedArray(biased ? dwb.slice(0, k * cout) : dwb, w.shape);
    return [dx, dw, biased ? fromTypedArray(dwb.slice(k * cout), b.shape) : undefined];
  }
  return [
    dx,
    needs[1] ? fromTypedArray(convKernelGrad(backend, geo, dt, x.data, g), w.shape) : undefined,
    needs[2] && b !== undefined
      ? fromTypedArray(biasGrad(backend, dt, g, geo.rows, geo.cout), b.shape)
      : undefined,
  ];
}
