/**
 * The convolution lowered onto the backend's gemm: the forward product, the kernel's gradient
 * `dW = colsᵀ·dy` and the input's gradient, chunk by chunk of images. Internal to `src/ops/`
 * (the primitives in `conv.ts` check their arguments and call these).
 *
 * Chunks: each chunk's window matrix holds about `CHUNK` elements, so it is written and read
 * back by the gemm while still in cache and no call allocates a window matrix for the whole
 * batch (80 MiB for the second convolution of the MNIST CNN at batch 128). Measured on that
 * convolution (batch 128, blas, one core, wall clock on a shared machine): whole-batch matrices
 * of 2^26 elements took 1.9x the time of one-image chunks.
 *
 * The input's gradient: `_conv_input_grad.ts`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import {
  addColumns,
  im2col,
  im2colT,
  paddedSize,
  padInput,
  putColumns,
  takeColumns,
} from "./_im2col.ts";
import type { Window } from "./_window.ts";
import { byRows, convByRows, kernelGradByRows } from "./_conv_rows.ts";
import { convForwardWide, wideApplies, withBiasRow } from "./_conv_wide.ts";

/** A checked convolution: its window and channel layout. */
export interface Geometry {
  readonly win: Window;
  readonly groups: number;
  /** Input and output channels per group, and the im2col row length kh·kw·cg. */
  readonly cg: number;
  readonly og: number;
  readonly cout: number;
  readonly rows: number;
  readonly k: number;
}

/** About this many elements per chunk's window matrix (512 KiB in float32: level-2 cache). */
const CHUNK = 1 << 17;

export function imagesPerChunk(batch: number, perImage: number): number {
  return Math.max(1, Math.min(batch, Math.floor(CHUNK / Math.max(perImage, 1))));
}

/** `out = op(a)·op(b)` on the backend, skipped when a dimension is zero (`out` is fresh). */
export function gemm(
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

/** Whether the windows of `win` read `x` itself: no padding to add, all channels. */
export function unpadded(win: Window, cg: number): boolean {
  const [hp, wp] = paddedSize(win);
  return cg === win.c && win.top === 0 && win.left === 0 && hp === win.h && wp === win.w;
}

/**
 * One buffer for a chunk's padded input (`[images, hp, wp, cg]`, zeros around) and its window
 * matrix after it (`rows` rows of `stride`): `im2col` copies within it. Chunk by chunk, so no
 * padded copy of the whole batch is made.
 */
export class Arena {
  readonly buf: FloatArray;
  readonly cols: number;
  constructor(dt: DType, win: Window, cg: number, images: number, stride: number) {
    const [hp, wp] = paddedSize(win);
    this.cols = images * hp * wp * cg;
    this.buf = allocate(dt, this.cols + images * win.oh * win.ow * stride, "conv2d");
  }
  /** The window matrix of channels `[c0, c0 + cg)` of images `[b0, b1)` of `x`, as a view. */
  windows(
    x: FloatArray,
    win: Window,
    c0: number,
    cg: number,
    b0: number,
    b1: number,
    stride: number,
  ): FloatArray {
    // The border stays zero from the allocation; each chunk overwrites the whole interior.
    padInput(x, win, c0, cg, this.buf, b0, b1);
    im2col(this.buf, 0, win, cg, 0, b1 - b0, this.cols, stride);
    return this.buf.subarray(this.cols, this.cols + (b1 - b0) * win.oh * win.ow * stride);
  }
  /**
   * For a one-channel group: the transposed window matrix (`[rows, m]`, `_im2col.ts`'s
   * `im2colT`) of channel `c0` of images `[b0, b1)`, its row `taps` all ones when `rows` is
   * one more (the bias's).
   */
  windowsT(x: FloatArray, win: Window, c0: number, b0: number, b1: number, rows: number) {
    const m = (b1 - b0) * win.oh * win.ow, taps = win.kh * win.kw;
    padInput(x, win, c0, 1, this.buf, b0, b1);
    im2colT(this.buf, 0, win, 0, b1 - b0, this.cols);
    if (rows > taps) this.buf.fill(1, this.cols + taps * m, this.cols + rows * m);
    return this.buf.subarray(this.cols, this.cols + rows * m);
  }
}

/**
 * Whether a group's windows are laid out transposed (`Arena.windowsT`): one channel per group,
 * where im2col's rows would be copied `kw` elements at a time. On the MNIST CNN's first layer
 * (batch 128, blas) the window copies then cost a fraction of what they did.
 */
export const transposedWindows = (geo: Geometry): boolean => geo.cg === 1;

/**
 * `y = conv(x, w) (+ bias)`, as `[rows, cout]`. The bias rides in the gemm: each window row
 * ends in a 1 and the kernel matrix in the bias row (a separate pass over the output cost the
 * MNIST CNN's first layer as much as its gemm).
 */
export function convForward(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  x: FloatArray,
  w: FloatArray,
  bias?: FloatArray,
  into?: FloatArray,
): FloatArray {
  const { win, groups, cg, og, cout, rows, k } = geo;
  // Every element is written (`into`, `[rows, cout]`, may hold anything).
  const out = into ?? allocate(dt, rows * cout, "conv2d");
  if (rows === 0 || cout === 0) return out;
  if (groups === 1 && byRows(backend, win, cg)) {
    convByRows(backend, dt, win, cg, x, w, cout, bias, out);
    return out;
  }
  if (wideApplies(backend, win, groups, cg)) {
    const [wk, kx] = withBiasRow(dt, w, bias, k, cout);
    convForwardWide(backend, win, cout, dt, x, wk, kx, out);
    return out;
  }
  const kx = bias === undefined ? k : k + 1;
  const pos = win.oh * win.ow, per = imagesPerChunk(win.batch, pos * kx);
  const arena = new Arena(dt, win, cg, per, kx), flat = transposedWindows(geo);
  if (kx > k && !flat) {
    for (let r = 0; r < per * pos; r++) arena.buf[arena.cols + r * kx + k] = 1;
  }
  const wk = allocate(dt, groups === 1 && kx === k ? 0 : kx * og);
  const yg = allocate(dt, groups === 1 ? 0 : per * pos * og);
  for (let g = 0; g < groups; g++) {
    let wg = w;
    if (wk.length > 0) {
      wg = takeColumns(w, k, cout, g * og, og, wk);
      if (bias !== undefined) wk.set(bias.subarray(g * og, (g + 1) * og), k * og);
    }
    for (let b0 = 0; b0 < win.batch; b0 += per) {
      const b1 = Math.min(win.batch, b0 + per), r0 = b0 * pos, m = (b1 - b0) * pos;
      const chunk = out.subarray(r0 * cout, (r0 + m) * cout);
      const cols = flat
        ? arena.windowsT(x, win, g, b0, b1, kx)
        : arena.windows(x, win, g * cg, cg, b0, b1, kx);
      if (groups === 1) gemm(backend, flat, false, m, cout, kx, cols, wg, chunk);
      else {
        gemm(backend, flat, false, m, og, kx, cols, wg, yg);
        putColumns(yg, m, cout, g * og, og, chunk);
      }
    }
  }
  return out;
}

/**
 * About this many elements per chunk for the kernel's gradient: larger than `CHUNK`, since
 * each chunk's partial `dW` is added into the total by a JavaScript loop (CBLAS's `beta` is not
 * part of the backend's gemm).
 */
const KERNEL_CHUNK = 1 << 20;

/** `dW = colsᵀ·dy` (the kernel's `[kh·kw·cg, cout]` layout), summed over chunks of images. */
export function convKernelGrad(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  x: FloatArray,
  dy: FloatArray,
): FloatArray {
  const { win, groups, cg, og, cout, rows, k } = geo;
  const dw = allocate(dt, k * cout, "conv2d");
  if (rows === 0 || k === 0 || og === 0) return dw;
  if (groups === 1 && byRows(backend, win, cg)) {
    kernelGradByRows(backend, dt, win, cg, x, dy, cout, dw);
    return dw;
  }
  const pos = win.oh * win.ow;
  const per = Math.min(
    win.batch,
    Math.max(imagesPerChunk(win.batch, pos * k), KERNEL_CHUNK / (pos * k) | 0),
  );
  const whole = groups === 1 && per >= win.batch;
  const arena = new Arena(dt, win, cg, per, k), flat = transposedWindows(geo);
  const dyg = allocate(dt, groups === 1 ? 0 : per * pos * og);
  const part = allocate(dt, whole ? 0 : k * og);
  for (let g = 0; g < groups; g++) {
    for (let b0 = 0; b0 < win.batch; b0 += per) {
      const b1 = Math.min(win.batch, b0 + per), r0 = b0 * pos, m = (b1 - b0) * pos;
      const dyc = groups === 1
        ? dy.subarray(r0 * cout, (r0 + m) * cout)
        : takeColumns(dy.subarray(r0 * cout), m, cout, g * og, og, dyg);
      const target = whole ? dw : part;
      if (flat) {
        gemm(backend, false, false, k, og, m, arena.windowsT(x, win, g, b0, b1, k), dyc, target);
      } else {gemm(
          backend,
          true,
          false,
          k,
          og,
          m,
          arena.windows(x, win, g * cg, cg, b0, b1, k),
          dyc,
          target,
        );}
      if (!whole) addColumns(part, k, cout, g * og, og, dw);
    }
  }
  return dw;
}

/** `db = 1ᵀ·dy`: the column sums of `dy` (`rows × n`), as one gemm with a vector of ones. */
export function biasGrad(
  backend: Backend,
  dt: DType,
  dy: FloatArray,
  rows: number,
  n: number,
): FloatArray {
  const db = allocate(dt, n, "conv2d");
  const ones = allocate(dt, rows, "conv2d").fill(1);
  gemm(backend, false, false, 1, n, rows, ones, dy, db);
  return db;
}
