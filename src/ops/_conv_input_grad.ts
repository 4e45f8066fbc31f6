/**
 * The convolution's input gradient on the backend's gemm. At stride 1 it is itself a
 * convolution, of `dy` with the kernel flipped in space and transposed in channels, so it is
 * computed as one: windows of `dy` (long contiguous copies) times that kernel, writing `dx`
 * once, instead of `col2im`'s scattered additions (a read-modify-write per element in a
 * JavaScript loop). Strides above 1 use `col2im`. Internal to `src/ops/`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import { Arena, gemm, type Geometry, imagesPerChunk, unpadded } from "./_conv_gemm.ts";
import { col2im, cropInput, paddedSize, putColumns, takeColumns } from "./_im2col.ts";
import type { Window } from "./_window.ts";
import { byRows, convByRows } from "./_conv_rows.ts";

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
  if (groups === 1 && byRows(backend, t, og)) {
    const wf = allocate(dt, kt * cg);
    flipKernel(w, geo, 0, wf);
    convByRows(backend, dt, t, og, dy, wf, cg, undefined, dx);
    return dx;
  }
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
