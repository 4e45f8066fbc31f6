/**
 * Two-dimensional convolution of NHWC images with HWIO kernels, on the backend's gemm:
 * `conv2d`. The windows are laid out as the rows of one im2col matrix (per group, reusing one
 * buffer), multiplied by the kernel; the pullback is two more products of the same shapes.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import {
  allocate,
  assertSameDType,
  astype,
  type DType,
  type FloatArray,
  formatShape,
  fromTypedArray,
  type Tensor,
} from "../tensor.ts";
import { checkInteger, checkOptions } from "../_checks.ts";
import { cotangent } from "./_checks.ts";
import { checkBackend } from "../_checks.ts";
import { col2im, im2col, putColumns, takeColumns } from "./_im2col.ts";
import { nhwc, type Padding, type Pair, pair, type Window, window } from "./_window.ts";
import { type Primitive, primitive } from "./primitive.ts";

export type { Padding, Pair } from "./_window.ts";

/** Options of {@linkcode conv2d}. */
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

interface Geometry {
  readonly win: Window;
  readonly groups: number;
  /** Input and output channels per group, and the im2col row length kh·kw·cg. */
  readonly cg: number;
  readonly og: number;
  readonly cout: number;
  readonly rows: number;
  readonly k: number;
}

function geometry(x: Tensor, w: Tensor, options: Conv2dOptions | undefined): Geometry {
  const op = "conv2d";
  const [, , , cin] = nhwc(op, x, "the input x");
  const [kh, kw, cg, cout] = nhwc(op, w, "the kernel w", "[kh, kw, cin/groups, cout]");
  assertSameDType(op, x, w);
  const o = checkOptions(`Cannot ${op}`, options, OPTIONS);
  const groups = o.groups === undefined ? 1 : o.groups;
  checkInteger(`Cannot ${op}`, "groups", groups, { min: 1 });
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new RangeError(
      `Cannot conv2d: groups ${groups} must divide the input channels (${cin}) and the ` +
        `output channels (${cout}) of shapes ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
    );
  }
  if (cg * groups !== cin || kh === 0 || kw === 0) {
    throw new TypeError(
      `Cannot conv2d: the kernel must have shape [kh, kw, ${cin / groups}, cout] with kh, kw ` +
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

/** `out = op(a)·op(b)` on the backend, skipped when a dimension is zero (`out` is fresh). */
function gemm(
  backend: Backend,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
): void {
  if (m > 0 && n > 0 && k > 0) backend.gemm(transA, transB, m, n, k, a, b, out);
}

/** The kernel columns of group `g` as a contiguous `[k, og]` matrix (the kernel itself for one group). */
function kernelOf(geo: Geometry, w: FloatArray, g: number, scratch: FloatArray): FloatArray {
  return geo.groups === 1 ? w : takeColumns(w, geo.k, geo.cout, g * geo.og, geo.og, scratch);
}

function forward(backend: Backend, geo: Geometry, dt: DType, x: FloatArray, w: FloatArray) {
  const { win, groups, cg, og, cout, rows, k } = geo;
  const out = allocate(dt, rows * cout, "conv2d");
  if (rows === 0 || cout === 0) return out;
  const cols = allocate(dt, rows * k, "conv2d");
  const wg = allocate(dt, groups === 1 ? 0 : k * og);
  const yg = allocate(dt, groups === 1 ? 0 : rows * og);
  for (let g = 0; g < groups; g++) {
    im2col(x, win, g * cg, cg, cols);
    if (groups === 1) {
      gemm(backend, false, false, rows, cout, k, cols, w, out);
    } else {
      gemm(backend, false, false, rows, og, k, cols, kernelOf(geo, w, g, wg), yg);
      putColumns(yg, rows, cout, g * og, og, out);
    }
  }
  return out;
}

/**
 * The cotangents of x and w for `dy` (`[rows, cout]`), each only when asked: `dW = colsᵀ·dy`
 * and `dx = col2im(dy·Wᵀ)`, per group. The im2col matrix is rebuilt here rather than kept
 * from the forward pass, so a model holds no window matrices between its forward and backward
 * passes, and one buffer serves both products (the columns for dW, then dy·Wᵀ over them).
 */
function backward(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  x: FloatArray,
  w: FloatArray,
  dy: FloatArray,
  needX: boolean,
  needW: boolean,
): [FloatArray | undefined, FloatArray | undefined] {
  const { win, groups, cg, og, cout, rows, k } = geo;
  const dx = needX ? allocate(dt, x.length, "conv2d") : undefined;
  const dw = needW ? allocate(dt, w.length, "conv2d") : undefined;
  if (rows === 0 || k === 0 || og === 0 || (!needX && !needW)) return [dx, dw];
  const buf = allocate(dt, rows * k, "conv2d");
  const one = groups === 1;
  const dyg = one ? dy : allocate(dt, rows * og);
  const wg = allocate(dt, one || !needX ? 0 : k * og);
  const dwg = allocate(dt, one || !needW ? 0 : k * og);
  for (let g = 0; g < groups; g++) {
    if (!one) takeColumns(dy, rows, cout, g * og, og, dyg);
    if (dw !== undefined) {
      im2col(x, win, g * cg, cg, buf);
      gemm(backend, true, false, k, og, rows, buf, dyg, one ? dw : dwg);
      if (!one) putColumns(dwg, k, cout, g * og, og, dw);
    }
    if (dx !== undefined) {
      gemm(backend, false, true, rows, k, og, dyg, kernelOf(geo, w, g, wg), buf);
      col2im(buf, win, g * cg, cg, dx);
    }
  }
  return [dx, dw];
}

/**
 * The 2-D convolution (a cross-correlation, as in every deep-learning library) of `x`
 * (`[batch, h, w, cin]`) with the kernel `w` (`[kh, kw, cin/groups, cout]`): output
 * `[batch, oh, ow, cout]` with
 * `y[b,i,j,o] = Σ x[b, i·sh - top + ki·dh, j·sw - left + kj·dw, g·cin/groups + c]·w[ki,kj,c,o]`
 * over taps `(ki, kj)` and the channels `c` of `o`'s group `g`, padding reading as zero. See
 * {@linkcode Conv2dOptions} for stride, padding, dilation and groups. A dilated kernel larger
 * than the padded input is a `TypeError` naming both sizes.
 *
 * Runs as one gemm per group of the im2col matrix `[batch·oh·ow, kh·kw·cin/groups]` (one
 * buffer for the call) with the kernel. Pullback: `dW = colsᵀ·dy` and `dx = col2im(dy·Wᵀ)`,
 * each only when needed (a model's first convolution computes no `dx`).
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * // A 1x3 image, one channel, and a kernel of width 2 that sums neighbours.
 * const x = tensor([1, 2, 3], [1, 1, 3, 1]);
 * const w = tensor([1, 1], [1, 2, 1, 1]);
 * const y = untraced().conv2d(x, w);
 * if (y.shape.join() !== "1,1,2,1" || y.data.join() !== "3,5") throw new Error("unexpected");
 * const same = untraced().conv2d(x, w, { padding: "same" }); // the extra zero on the right
 * if (same.data.join() !== "3,5,3") throw new Error("unexpected");
 * ```
 */
export const conv2d: Primitive<[x: Tensor, w: Tensor, options?: Conv2dOptions]> = primitive(
  "conv2d",
  2,
  (backend, x: Tensor, w: Tensor, options?: Conv2dOptions) => {
    checkBackend("Cannot conv2d", backend);
    const geo = geometry(x, w, options);
    const dt = x.dtype;
    const { win } = geo;
    const shape = [win.batch, win.oh, win.ow, geo.cout];
    const y = fromTypedArray(forward(backend, geo, dt, x.data, w.data), shape);
    return [y, (dy, needs) => {
      cotangent("conv2d", dy, shape);
      const g = astype(dy, dt).data;
      const [dx, dw] = backward(backend, geo, dt, x.data, w.data, g, needs[0], needs[1]);
      return [
        dx === undefined ? undefined : fromTypedArray(dx, x.shape),
        dw === undefined ? undefined : fromTypedArray(dw, w.shape),
      ];
    }];
  },
);
