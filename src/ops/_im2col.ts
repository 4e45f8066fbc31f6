/**
 * im2col and col2im: the windows of an NHWC tensor as the rows of a matrix, and back.
 *
 * Row `(b·oh + i)·ow + j` of the matrix holds the window under output position `(b, i, j)`,
 * tap-major: column `(ki·kw + kj)·cg + ch` is input channel `c0 + ch` at tap `(ki, kj)`, zero
 * where the tap falls in the padding. That is the order of an HWIO kernel's first three axes,
 * so a convolution is this matrix times the kernel viewed as `[kh·kw·cg, cout]`. Internal to
 * `src/ops/`.
 *
 * Both directions work on a padded copy of the input's channel group (`[images, hp, wp, cg]`,
 * zeros around): every window is then in range, and one kernel row of a window (`kw` taps of
 * `cg` channels, contiguous when undilated) is one straight copy with no test per element. The
 * per-element bounds tests and the short per-tap copies of the first version cost more than
 * the gemm for a one-channel image (66 ms against 19 ms for a batch of 128 MNIST images).
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import type { Window } from "./_window.ts";

/** Height and width of the padded input: exactly what the windows reach. */
export function paddedSize(win: Window): [hp: number, wp: number] {
  return [
    (win.oh - 1) * win.sh + (win.kh - 1) * win.dh + 1,
    (win.ow - 1) * win.sw + (win.kw - 1) * win.dw + 1,
  ];
}

/**
 * Channels `[c0, c0 + cg)` of images `[b0, b1)` of `x` placed in `xp` (`[b1 - b0, hp, wp, cg]`,
 * zero-filled by the caller) at offset `(top, left)`; rows and columns the windows never reach
 * are left out. Only the interior is written, so one buffer serves every chunk of images.
 */
export function padInput(
  x: FloatArray,
  win: Window,
  c0: number,
  cg: number,
  xp: FloatArray,
  b0 = 0,
  b1 = win.batch,
): void {
  const { h, w, c, top, left } = win;
  const [hp, wp] = paddedSize(win);
  const r0 = Math.max(0, -top), r1 = Math.min(h, hp - top);
  const q0 = Math.max(0, -left), q1 = Math.min(w, wp - left);
  const run = (q1 - q0) * cg;
  if (run <= 0) return;
  for (let b = b0; b < b1; b++) {
    for (let r = r0; r < r1; r++) {
      const from = ((b * h + r) * w + q0) * c + c0;
      const to = (((b - b0) * hp + r + top) * wp + q0 + left) * cg;
      if (cg === c) xp.set(x.subarray(from, from + run), to);
      else copyStrided(x, from, c, xp, to, cg, cg, q1 - q0);
    }
  }
}

/** `count` pixels of `n` channels from `src` (pixel stride `ss`) to `dst` (pixel stride `ds`). */
function copyStrided(
  src: FloatArray,
  from: number,
  ss: number,
  dst: FloatArray,
  to: number,
  ds: number,
  n: number,
  count: number,
): void {
  for (let p = 0; p < count; p++) {
    for (let ch = 0; ch < n; ch++) dst[to + p * ds + ch] = src[from + p * ss + ch];
  }
}

/**
 * The adjoint of {@linkcode padInput}: the padded gradient `dxp` (`[batch, hp, wp, cg]`)
 * cropped into channels `[c0, c0 + cg)` of `dx` (elements the windows never reached stay 0).
 */
export function cropInput(
  dxp: FloatArray,
  win: Window,
  c0: number,
  cg: number,
  dx: FloatArray,
): void {
  const { batch, h, w, c, top, left } = win;
  const [hp, wp] = paddedSize(win);
  const r0 = Math.max(0, -top), r1 = Math.min(h, hp - top);
  const q0 = Math.max(0, -left), q1 = Math.min(w, wp - left);
  const run = (q1 - q0) * cg;
  if (run <= 0) return;
  for (let b = 0; b < batch; b++) {
    for (let r = r0; r < r1; r++) {
      const to = ((b * h + r) * w + q0) * c + c0;
      const from = ((b * hp + r + top) * wp + q0 + left) * cg;
      if (cg === c) dx.set(dxp.subarray(from, from + run), to);
      else copyStrided(dxp, from, cg, dx, to, c, cg, q1 - q0);
    }
  }
}

/**
 * The windows of images `[b0, b1)` of the padded input (from {@linkcode padInput}, at offset
 * `xp` of `buf`) into the matrix at offset `cols` of the same `buf`, rows `stride` apart
 * (`[(b1 - b0)·oh·ow, stride]`, `stride ≥ kh·kw·cg`; the first `kh·kw·cg` entries of each row
 * are overwritten, so one buffer serves every chunk and group, and the rest are left alone).
 * One buffer for both, because `copyWithin` copies a long run as a memcpy without allocating
 * the view that `set` needs (half a million views per step for the MNIST CNN's second layer).
 */
export function im2col(
  buf: FloatArray,
  xp: number,
  win: Window,
  cg: number,
  b0: number,
  b1: number,
  cols: number,
  stride: number,
): void {
  const { kh, kw, sh, sw, dh, dw, oh, ow } = win;
  const [hp, wp] = paddedSize(win);
  const run = kw * cg;
  for (let b = b0; b < b1; b++) {
    for (let i = 0; i < oh; i++) {
      const row0 = ((b - b0) * oh + i) * ow;
      for (let ki = 0; ki < kh; ki++) {
        const src = xp + ((b * hp + i * sh + ki * dh) * wp) * cg;
        const dst = cols + row0 * stride + ki * run;
        if (dw === 1) copyRuns(buf, src, sw * cg, dst, stride, run, ow);
        else {
          for (let kj = 0; kj < kw; kj++) {
            copyRuns(buf, src + kj * dw * cg, sw * cg, dst + kj * cg, stride, cg, ow);
          }
        }
      }
    }
  }
}

/**
 * The transpose of {@linkcode im2col}'s matrix for a one-channel group, at offset `cols` of
 * `buf`: row `ki·kw + kj` of `[kh·kw, m]` (`m = (b1 - b0)·oh·ow`) holds that tap's value under
 * every output position. With one channel a window's kernel row is only `kw` elements, too short
 * a run for a fast copy, while a tap's values along an output row are `ow` elements `sw` apart
 * in the padded input: contiguous at stride 1. The gemms take this layout as it is (`transA`
 * forward, plain for the kernel's gradient).
 */
export function im2colT(
  buf: FloatArray,
  xp: number,
  win: Window,
  b0: number,
  b1: number,
  cols: number,
): void {
  const { kh, kw, sh, sw, dh, dw, oh, ow } = win;
  const [hp, wp] = paddedSize(win);
  const m = (b1 - b0) * oh * ow;
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      const row = cols + (ki * kw + kj) * m;
      for (let b = b0; b < b1; b++) {
        for (let i = 0; i < oh; i++) {
          const src = xp + (b * hp + i * sh + ki * dh) * wp + kj * dw;
          const dst = row + ((b - b0) * oh + i) * ow;
          if (sw === 1) copyRuns(buf, src, 0, dst, 0, ow, 1);
          else for (let j = 0; j < ow; j++) buf[dst + j] = buf[src + j * sw];
        }
      }
    }
  }
}

/**
 * From this many elements a run is copied by `copyWithin` (a memcpy) rather than a loop: a
 * loop moves about one element per 2-3 ns under V8.
 */
const LONG_RUN = 32;

/** `count` runs of `run` elements within `buf`: from `from + j·step` to `to + j·stride`. */
function copyRuns(
  buf: FloatArray,
  from: number,
  step: number,
  to: number,
  stride: number,
  run: number,
  count: number,
): void {
  if (run >= LONG_RUN) {
    for (let j = 0; j < count; j++) {
      const s = from + j * step;
      buf.copyWithin(to + j * stride, s, s + run);
    }
    return;
  }
  for (let j = 0; j < count; j++) {
    const s = from + j * step, d = to + j * stride;
    for (let t = 0; t < run; t++) buf[d + t] = buf[s + t];
  }
}

/** Adds `count` runs of `run` elements: run `j` from `src + j·stride` onto `dst + j·step`. */
function addRuns(
  src: FloatArray,
  from: number,
  stride: number,
  dst: FloatArray,
  to: number,
  step: number,
  run: number,
  count: number,
): void {
  for (let j = 0; j < count; j++) {
    const s = from + j * stride, d = to + j * step;
    for (let t = 0; t < run; t++) dst[d + t] += src[s + t];
  }
}

/**
 * The adjoint of {@linkcode im2col}: adds each entry of `cols` (images `[b0, b1)`) to the
 * padded-input element it was read from, in `dxp` (`[batch, hp, wp, cg]`).
 */
export function col2im(
  cols: FloatArray,
  win: Window,
  cg: number,
  b0: number,
  b1: number,
  dxp: FloatArray,
): void {
  const { kh, kw, sh, sw, dh, dw, oh, ow } = win;
  const [hp, wp] = paddedSize(win);
  const k = kh * kw * cg, run = kw * cg;
  for (let b = b0; b < b1; b++) {
    for (let i = 0; i < oh; i++) {
      const row0 = ((b - b0) * oh + i) * ow;
      for (let ki = 0; ki < kh; ki++) {
        const dst = ((b * hp + i * sh + ki * dh) * wp) * cg;
        const src = row0 * k + ki * run;
        if (dw === 1) addRuns(cols, src, k, dxp, dst, sw * cg, run, ow);
        else {
          for (let kj = 0; kj < kw; kj++) {
            addRuns(cols, src + kj * cg, k, dxp, dst + kj * dw * cg, sw * cg, cg, ow);
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

/** Adds the `rows × count` matrix `src` onto columns `[c0, c0 + count)` of `dst`. */
export function addColumns(
  src: FloatArray,
  rows: number,
  stride: number,
  c0: number,
  count: number,
  dst: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    const from = r * count, to = r * stride + c0;
    for (let k = 0; k < count; k++) dst[to + k] += src[from + k];
  }
}
