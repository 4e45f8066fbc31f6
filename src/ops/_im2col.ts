/**
 * im2col and col2im: the windows of an NHWC tensor as the rows of a matrix, and back.
 *
 * Row `(b·oh + i)·ow + j` of the matrix holds the window under output position `(b, i, j)`,
 * tap-major: column `(ki·kw + kj)·cg + ch` is input channel `c0 + ch` at tap `(ki, kj)`, zero
 * where the tap falls in the padding. That is the order of an HWIO kernel's first three axes,
 * so a convolution is this matrix times the kernel viewed as `[kh·kw·cg, cout]`. Internal to
 * `src/ops/`.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import type { Window } from "./_window.ts";

/**
 * Writes the windows of channels `[c0, c0 + cg)` of `x` into `cols`
 * (`[batch·oh·ow, kh·kw·cg]`, every entry overwritten, so one buffer serves every group).
 */
export function im2col(x: FloatArray, win: Window, c0: number, cg: number, cols: FloatArray): void {
  const { batch, h, w, c, kh, kw, sh, sw, dh, dw, top, left, oh, ow } = win;
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ki = 0; ki < kh; ki++) {
          const ih = i * sh - top + ki * dh;
          if (ih < 0 || ih >= h) {
            cols.fill(0, at, at + kw * cg);
            at += kw * cg;
            continue;
          }
          const rowBase = (b * h + ih) * w;
          for (let kj = 0; kj < kw; kj++) {
            const iw = j * sw - left + kj * dw;
            if (iw < 0 || iw >= w) {
              cols.fill(0, at, at + cg);
            } else {
              const src = (rowBase + iw) * c + c0;
              for (let ch = 0; ch < cg; ch++) cols[at + ch] = x[src + ch];
            }
            at += cg;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of {@linkcode im2col}: adds each entry of `cols` to the input element it was
 * read from (taps in the padding are dropped), into channels `[c0, c0 + cg)` of `dx`.
 */
export function col2im(
  cols: FloatArray,
  win: Window,
  c0: number,
  cg: number,
  dx: FloatArray,
): void {
  const { batch, h, w, c, kh, kw, sh, sw, dh, dw, top, left, oh, ow } = win;
  let at = 0;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ki = 0; ki < kh; ki++) {
          const ih = i * sh - top + ki * dh;
          if (ih < 0 || ih >= h) {
            at += kw * cg;
            continue;
          }
          const rowBase = (b * h + ih) * w;
          for (let kj = 0; kj < kw; kj++) {
            const iw = j * sw - left + kj * dw;
            if (iw >= 0 && iw < w) {
              const dst = (rowBase + iw) * c + c0;
              for (let ch = 0; ch < cg; ch++) dx[dst + ch] += cols[at + ch];
            }
            at += cg;
          }
        }
      }
    }
  }
}

/** Columns `[c0, c0 + count)` of the `rows × stride` matrix `src`, into `out` (`rows × count`). */
export function takeColumns(
  src: FloatArray,
  rows: number,
  stride: number,
  c0: number,
  count: number,
  out: FloatArray,
): FloatArray {
  for (let r = 0; r < rows; r++) {
    const from = r * stride + c0, to = r * count;
    for (let k = 0; k < count; k++) out[to + k] = src[from + k];
  }
  return out;
}

/** Writes the `rows × count` matrix `src` into columns `[c0, c0 + count)` of `dst`. */
export function putColumns(
  src: FloatArray,
  rows: number,
  stride: number,
  c0: number,
  count: number,
  dst: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const from = r * count, to = r * stride + c0;
    for (let k = 0; k < count; k++) dst[to + k] = src[from + k];
  }
}
