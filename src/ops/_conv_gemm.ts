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
 * The input's gradient at stride 1 is itself a convolution, of `dy` with the kernel flipped in
 * space and transposed in channels, so it is computed as one: windows of `dy` (long contiguous
 * copies) times that kernel, writing `dx` once, instead of `col2im`'s scattered additions
 * (a read-modify-write per element in a JavaScript loop). Strides above 1 use `col2im`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import {
  addColumns,
  col2im,
  cropInput,
  im2col,
  paddedSize,
  padInput,
  putColumns,
  takeColumns,
} from "./_im2col.ts";
import type { Window } from "./_window.ts";

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

function imagesPerChunk(batch: number, perImage: number): number {
  return Math.max(1, Math.min(batch, Math.floor(CHUNK / Math.max(perImage, 1))));
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

/** Whether the windows of `win` read `x` itself: no padding to add, all channels. */
function unpadded(win: Window, cg: number): boolean {
  const [hp, wp] = paddedSize(win);
  return cg === win.c && win.top === 0 && win.left === 0 && hp === win.h && wp === win.w;
}

/**
 * One buffer for a chunk's padded input (`[images, hp, wp, cg]`, zeros around) and its window
 * matrix after it (`rows` rows of `stride`): `im2col` copies within it. Chunk by chunk, so no
 * padded copy of the whole batch is made.
 */
class Arena {
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
}

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
): FloatArray {
  const { win, groups, cg, og, cout, rows, k } = geo;
  const out = allocate(dt, rows * cout, "conv2d");
  if (rows === 0 || cout === 0) return out;
  const kx = bias === undefined ? k : k + 1;
  const pos = win.oh * win.ow, per = imagesPerChunk(win.batch, pos * kx);
  const arena = new Arena(dt, win, cg, per, kx);
  if (kx > k) { for (let r = 0; r < per * pos; r++) arena.buf[arena.cols + r * kx + k] = 1; }
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
      const cols = arena.windows(x, win, g * cg, cg, b0, b1, kx);
      if (groups === 1) gemm(backend, false, false, m, cout, kx, cols, wg, chunk);
      else {
        gemm(backend, false, false, m, og, kx, cols, wg, yg);
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
  const pos = win.oh * win.ow;
  const per = Math.min(
    win.batch,
    Math.max(imagesPerChunk(win.batch, pos * k), KERNEL_CHUNK / (pos * k) | 0),
  );
  const whole = groups === 1 && per >= win.batch;
  const arena = new Arena(dt, win, cg, per, k);
  const dyg = allocate(dt, groups === 1 ? 0 : per * pos * og);
  const part = allocate(dt, whole ? 0 : k * og);
  for (let g = 0; g < groups; g++) {
    for (let b0 = 0; b0 < win.batch; b0 += per) {
      const b1 = Math.min(win.batch, b0 + per), r0 = b0 * pos, m = (b1 - b0) * pos;
      const dyc = groups === 1
        ? dy.subarray(r0 * cout, (r0 + m) * cout)
        : takeColumns(dy.subarray(r0 * cout), m, cout, g * og, og, dyg);
      const cols = arena.windows(x, win, g * cg, cg, b0, b1, k);
      gemm(backend, true, false, k, og, m, cols, dyc, whole ? dw : part);
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

/**
 * The window that computes `dx` as a convolution of `dy` (stride 1): the same taps over `dy`
 * padded by `span - 1 - pad` before, giving `h × w` outputs; `undefined` for a stride above 1
 * or an explicit pad wider than the kernel's span.
 */
function transposed(win: Window, cout: number): Window | undefined {
  const { batch, h, w, kh, kw, sh, sw, dh, dw, top, left, oh, ow } = win;
  if (sh !== 1 || sw !== 1) return undefined;
  const spanH = (kh - 1) * dh + 1, spanW = (kw - 1) * dw + 1;
  const pt = spanH - 1 - top, pl = spanW - 1 - left;
  if (pt < 0 || pl < 0 || h + spanH - 1 - oh - pt < 0 || w + spanW - 1 - ow - pl < 0) {
    return undefined;
  }
  return { batch, h: oh, w: ow, c: cout, kh, kw, sh, sw, dh, dw, top: pt, left: pl, oh: h, ow: w };
}

/** Group `g` of the kernel flipped in space, channels swapped: `[kh·kw·og, cg]`. */
function flipKernel(w: FloatArray, geo: Geometry, g: number, out: FloatArray): void {
  const { win: { kh, kw }, cg, og, cout } = geo;
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      const tap = (kh - 1 - ki) * kw + (kw - 1 - kj), to = (ki * kw + kj) * og * cg;
      for (let c = 0; c < cg; c++) {
        const from = (tap * cg + c) * cout + g * og;
        for (let o = 0; o < og; o++) out[to + o * cg + c] = w[from + o];
      }
    }
  }
}

/** `dx` for `dy`, as a convolution of `dy` at stride 1, else by `col2im`. */
export function convInputGrad(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  w: FloatArray,
  dy: FloatArray,
  length: number,
): FloatArray {
  const dx = allocate(dt, length, "conv2d");
  const { win, groups, cg, og, cout, rows, k } = geo;
  if (rows === 0 || k === 0 || og === 0) return dx;
  const t = transposed(win, cout);
  if (t === undefined) return viaCol2im(backend, geo, dt, w, dy, dx);
  const kt = win.kh * win.kw * og, pos = win.h * win.w, cin = cg * groups;
  const per = imagesPerChunk(win.batch, pos * kt);
  const arena = new Arena(dt, t, og, per, kt);
  const wf = allocate(dt, kt * cg);
  const xg = allocate(dt, groups === 1 ? 0 : per * pos * cg);
  for (let g = 0; g < groups; g++) {
    flipKernel(w, geo, g, wf);
    for (let b0 = 0; b0 < win.batch; b0 += per) {
      const b1 = Math.min(win.batch, b0 + per), r0 = b0 * pos, m = (b1 - b0) * pos;
      const chunk = dx.subarray(r0 * cin, (r0 + m) * cin);
      const cols = arena.windows(dy, t, g * og, og, b0, b1, kt);
      if (groups === 1) gemm(backend, false, false, m, cg, kt, cols, wf, chunk);
      else {
        gemm(backend, false, false, m, cg, kt, cols, wf, xg);
        putColumns(xg, m, cin, g * cg, cg, chunk);
      }
    }
  }
  return dx;
}

/** `dx = col2im(dy·Wᵀ)` per group and chunk, for strides above 1. */
function viaCol2im(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  w: FloatArray,
  dy: FloatArray,
  dx: FloatArray,
): FloatArray {
  const { win, groups, cg, og, cout, k } = geo;
  const pos = win.oh * win.ow, per = imagesPerChunk(win.batch, pos * k);
  const buf = allocate(dt, per * pos * k, "conv2d");
  const direct = unpadded(win, cg);
  const [hp, wp] = paddedSize(win);
  const dxp = direct ? dx : allocate(dt, win.batch * hp * wp * cg, "conv2d");
  const dyg = allocate(dt, groups === 1 ? 0 : per * pos * og);
  const wg = allocate(dt, groups === 1 ? 0 : k * og);
  for (let g = 0; g < groups; g++) {
    if (g > 0) dxp.fill(0);
    const wk = groups === 1 ? w : takeColumns(w, k, cout, g * og, og, wg);
    for (let b0 = 0; b0 < win.batch; b0 += per) {
      const b1 = Math.min(win.batch, b0 + per), r0 = b0 * pos, m = (b1 - b0) * pos;
      const dyc = groups === 1
        ? dy.subarray(r0 * cout, (r0 + m) * cout)
        : takeColumns(dy.subarray(r0 * cout), m, cout, g * og, og, dyg);
      gemm(backend, false, true, m, k, og, dyc, wk, buf);
      col2im(buf, win, cg, b0, b1, dxp);
    }
    if (!direct) cropInput(dxp, win, g * cg, cg, dx);
  }
  return dx;
}
