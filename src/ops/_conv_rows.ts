/**
 * A convolution at row stride 1 summed tap row by tap row on a backend that adds products into
 * its output (`Backend.gemmAdd`): the padded input's windows only one kernel row tall (each
 * image `[hp·ow, kw·cg]`), and per image `y = Σ_ki Xw[ki·dh·ow + (0 .. oh·ow)] · W[ki]`, since
 * at row stride 1 the windows of kernel row `ki` under all `oh·ow` outputs are `oh·ow`
 * consecutive rows of that matrix. im2col's matrix repeats every input pixel `kh·kw` times;
 * this one `kw` times, a fifth of the copying for a 5x5 kernel, at the same products. The
 * kernel's gradient takes the same windows: `dW[ki] = Σ_images Xw[ki·dh·ow + ..]ᵀ · dy`. Internal
 * to `src/ops/`: `_conv_gemm.ts` (forward, dW) and `_conv_input_grad.ts` (the input's gradient,
 * a convolution of `dy`) call it.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import { im2col, paddedSize, padInput } from "./_im2col.ts";
import type { Window } from "./_window.ts";

/** About this many elements per chunk's row-window matrix (as `_conv_gemm.ts`'s `CHUNK`). */
const CHUNK = 1 << 17;

/**
 * Whether `convByRows` applies: stride 1 down the rows, a kernel more than one row tall, more
 * than one channel (one channel takes the transposed windows of `_conv_gemm.ts`) and a
 * backend with `gemmAdd`.
 */
export function byRows(backend: Backend, win: Window, cg: number): boolean {
  return backend.gemmAdd !== undefined && win.sh === 1 && win.kh > 1 && cg > 1;
}

/**
 * `out = conv(x, w) (+ bias)` over all `cg` channels of `x` (one group), `w` the kernel as
 * `[kh·kw·cg, n]`, `out` fresh `[batch·oh·ow, n]`. The bias, when given, is the first
 * product: a column of ones times it. With `sink`, `out` is one image's `[oh·ow, n]`, written
 * over image after image, and `sink(b, out)` is called once image `b` is in it.
 */
export function convByRows(
  backend: Backend,
  dt: DType,
  win: Window,
  cg: number,
  x: FloatArray,
  w: FloatArray,
  n: number,
  bias: FloatArray | undefined,
  out: FloatArray,
  sink?: (b: number, y: FloatArray) => void,
): void {
  const ones = bias === undefined ? undefined : allocate(dt, win.oh * win.ow).fill(1);
  eachImage(dt, win, cg, x, (b, window) => {
    const pos = win.oh * win.ow;
    const y = sink === undefined ? out.subarray(b * pos * n, (b + 1) * pos * n) : out;
    if (ones !== undefined) backend.gemm(false, false, pos, n, 1, ones, bias!, y);
    for (let ki = 0; ki < win.kh; ki++) {
      const wk = w.subarray(ki * window.kr * n, (ki + 1) * window.kr * n), a = window.of(ki);
      if (ki === 0 && ones === undefined) backend.gemm(false, false, pos, n, window.kr, a, wk, y);
      else backend.gemmAdd!(false, false, pos, n, window.kr, a, wk, y);
    }
    sink?.(b, y);
  });
}

/**
 * The kernel's gradient `dW = Σ colsᵀ·dy` (`[kh·kw·cg, n]`, fresh) by tap rows: for each kernel
 * row `ki`, its block of `dW` summed image by image by `gemmAdd`.
 */
export function kernelGradByRows(
  backend: Backend,
  dt: DType,
  win: Window,
  cg: number,
  x: FloatArray,
  dy: FloatArray,
  n: number,
  dw: FloatArray,
): void {
  const pos = win.oh * win.ow;
  eachImage(dt, win, cg, x, (b, window) => {
    const g = dy.subarray(b * pos * n, (b + 1) * pos * n), kr = window.kr;
    for (let ki = 0; ki < win.kh; ki++) {
      const block = dw.subarray(ki * kr * n, (ki + 1) * kr * n), a = window.of(ki);
      if (b === 0) backend.gemm(true, false, kr, n, pos, a, g, block);
      else backend.gemmAdd!(true, false, kr, n, pos, a, g, block);
    }
  });
}

/** One image's row windows: `of(ki)`, kernel row `ki`'s `[oh·ow, kr]` matrix, as a view. */
interface RowWindows {
  readonly kr: number;
  of(ki: number): FloatArray;
}

/**
 * Calls `f(b, windows)` for each image `b` of `x` in order, the row windows built a chunk of
 * images at a time.
 */
function eachImage(
  dt: DType,
  win: Window,
  cg: number,
  x: FloatArray,
  f: (b: number, windows: RowWindows) => void,
): void {
  const { batch, kw, dh, oh, ow } = win;
  const [hp, wp] = paddedSize(win);
  const kr = kw * cg, pos = oh * ow, tall = hp * ow;
  const per = Math.max(1, Math.min(batch, Math.floor(CHUNK / Math.max(tall * kr, 1))));
  const padded = per * hp * wp * cg;
  const buf = allocate(dt, padded + per * tall * kr, "conv2d");
  // The windows of one kernel row over every padded row: im2col of a one-row kernel.
  const rows: Window = { ...win, kh: 1, dh: 1, sh: 1, oh: hp };
  let base = 0;
  const windows: RowWindows = {
    kr,
    of: (ki) => {
      const a0 = base + ki * dh * ow * kr;
      return buf.subarray(a0, a0 + pos * kr);
    },
  };
  for (let b0 = 0; b0 < batch; b0 += per) {
    const b1 = Math.min(batch, b0 + per);
    // The border stays zero from the allocation; each chunk overwrites the whole interior.
    padInput(x, win, 0, cg, buf, b0, b1);
    im2col(buf, 0, rows, cg, 0, b1 - b0, padded, kr);
    for (let b = b0; b < b1; b++) {
      base = padded + (b - b0) * tall * kr;
      f(b, windows);
    }
  }
}
