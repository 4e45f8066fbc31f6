/**
 * A one-channel convolution at stride 1 over "wide" windows: every output row computed across
 * the padded input's full width `wp`, not just its `ow` outputs, so that each tap's row of the
 * transposed window matrix is, image by image, one contiguous run of the padded input. Internal
 * to `src/ops/` (`_conv_gemm.ts` and `_conv_one_channel.ts` call it on backends with `gemmAdd`).
 *
 * The transposed windows of `_conv_gemm.ts` copy `ow` elements at a time, `kh·kw·oh` runs an
 * image, by a JavaScript loop (runs that short lose to the loop as memcpys): about 4 ms of the
 * MNIST CNN's first layer at batch 128, each way. Wide, a tap's run is `oh·wp` elements, one
 * `copyWithin` an image; the gemm does `wp/ow` times the products (32/28 there), and the
 * outputs past `ow` in each row, which read past the row's windows, are dropped (forward) or
 * meet zeros (the kernel's gradient).
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import { paddedSize, padInput } from "./_im2col.ts";
import type { Window } from "./_window.ts";

/** About this many elements per chunk's window matrix (as `_conv_gemm.ts`'s `CHUNK`). */
const CHUNK = 1 << 17;

/**
 * About this many elements of both operands per product of a one-channel kernel's gradient
 * (here and in `_conv_one_channel.ts`). The product `[k, m]·[m, cout]` has a tiny output and a
 * long inner dimension; OpenBLAS (one core, AMD EPYC Zen 4, 2026-12-02, `bench/gemm_gflops.ts
 * --conv`) ran the MNIST CNN's first layer's (`k` 25, `cout` 32) at 95 GFLOP/s over one image's
 * 784 positions and 42 over 41,552.
 */
export const ADD_CHUNK = 1 << 16;

/** The kernel `w` (`[k, cout]`) with `bias` as one more row when given, and its row count. */
export function withBiasRow(
  dt: DType,
  w: FloatArray,
  bias: FloatArray | undefined,
  k: number,
  cout: number,
): [wk: FloatArray, rows: number] {
  if (bias === undefined) return [w, k];
  const wk = allocate(dt, (k + 1) * cout);
  wk.set(w.subarray(0, k * cout));
  wk.set(bias, k * cout);
  return [wk, k + 1];
}

/**
 * Whether the wide windows serve a convolution of `groups` groups of `cg` channels over `win`
 * on `backend`: one group of one channel, stride 1 both ways, and a backend that adds products
 * into its output (a BLAS, whose gemm makes the extra products cheaper than the copies saved).
 */
export function wideApplies(backend: Backend, win: Window, groups: number, cg: number): boolean {
  return backend.gemmAdd !== undefined && groups === 1 && cg === 1 && win.sh === 1 &&
    win.sw === 1;
}

/** The padded input of a chunk of images, then its wide transposed windows (`[rows, m]`). */
class WideWindows {
  readonly hp: number;
  readonly wp: number;
  /** Wide output positions per image, `oh·wp`. */
  readonly pos: number;
  readonly buf: FloatArray;
  /** Where the windows start in `buf`: after the padded images. */
  readonly cols: number;
  constructor(dt: DType, readonly win: Window, readonly per: number, readonly rows: number) {
    [this.hp, this.wp] = paddedSize(win);
    this.pos = win.oh * this.wp;
    // A tap's run reads up to (kw−1)·dw elements past its image (into the next, or for the
    // last into the windows): numbers that reach only the outputs past `ow`, which the forward
    // drops and the kernel's gradient multiplies by zero.
    this.cols = per * this.hp * this.wp;
    this.buf = allocate(dt, this.cols + rows * per * this.pos, "conv2d");
    const taps = win.kh * win.kw;
    // The bias's row of ones, when there is one, is written once.
    if (rows > taps) this.buf.fill(1, this.cols + taps * per * this.pos);
  }
  /** The windows of images `[b0, b1)` of `x`, `[rows, (b1 − b0)·pos]` rows `per·pos` apart. */
  of(x: FloatArray, b0: number, b1: number): FloatArray {
    const { win, buf, hp, wp, pos, cols, per } = this;
    // The border stays zero from the allocation; each chunk overwrites the whole interior.
    padInput(x, win, 0, 1, buf, b0, b1);
    for (let ki = 0; ki < win.kh; ki++) {
      for (let kj = 0; kj < win.kw; kj++) {
        const row = cols + (ki * win.kw + kj) * per * pos, off = ki * win.dh * wp + kj * win.dw;
        for (let b = 0; b < b1 - b0; b++) {
          const from = b * hp * wp + off;
          buf.copyWithin(row + b * pos, from, from + pos);
        }
      }
    }
    return buf.subarray(cols, cols + this.rows * per * pos);
  }
}

/**
 * The wide forward chunk by chunk: `sink(wide, b0, b1)` gets the outputs of images `[b0, b1)`
 * as `[(b1 − b0)·oh·wp, cout]` rows at the start of `wide` (a buffer reused from chunk to chunk;
 * rows past them hold nothing of use), `wk` the kernel with the bias as its last row when given.
 */
export function wideForward(
  backend: Backend,
  win: Window,
  cout: number,
  dt: DType,
  x: FloatArray,
  wk: FloatArray,
  rows: number,
  sink: (wide: FloatArray, b0: number, b1: number) => void,
): void {
  const { batch, oh } = win;
  const [, wp] = paddedSize(win);
  const per = Math.max(1, Math.min(batch, Math.floor(CHUNK / (oh * wp * rows))));
  const windows = new WideWindows(dt, win, per, rows);
  const wide = allocate(dt, per * windows.pos * cout, "conv2d");
  for (let b0 = 0; b0 < batch; b0 += per) {
    const b1 = Math.min(batch, b0 + per), m = windows.pos * per;
    const cols = windows.of(x, b0, b1);
    // Rows are `per·pos` apart in `cols`; a short last chunk computes its unused rows too.
    backend.gemm(true, false, m, cout, rows, cols, wk, wide);
    sink(wide, b0, b1);
  }
}

/**
 * `out = conv(x, w) (+ bias)` (`[batch·oh·ow, cout]`, every element written) where
 * {@linkcode wideApplies}: `wk` the kernel with the bias as its last row when given.
 */
export function convForwardWide(
  backend: Backend,
  win: Window,
  cout: number,
  dt: DType,
  x: FloatArray,
  wk: FloatArray,
  rows: number,
  out: FloatArray,
): void {
  const { oh, ow } = win;
  const [, wp] = paddedSize(win);
  wideForward(backend, win, cout, dt, x, wk, rows, (wide, b0, b1) => {
    for (let r = 0; r < (b1 - b0) * oh; r++) {
      const from = r * wp * cout;
      out.set(wide.subarray(from, from + ow * cout), (b0 * oh + r) * ow * cout);
    }
  });
}

/**
 * How {@linkcode kernelGradWide} gets the output cotangents of images `[b0, b1)` into `wide`
 * (`[(b1 − b0)·oh·wp, cout]`, `wp` the padded input's width): `fill` writes them, each row's
 * past its `ow` outputs left alone; `sparse` when it writes only some (then `wide` is zero on
 * entry), else every element of each row's first `ow` outputs.
 */
export interface WideFill {
  readonly fill: (wide: FloatArray, b0: number, b1: number) => void;
  readonly sparse: boolean;
}

/** The {@linkcode WideFill} of the dense cotangents `dy` (`[batch·oh·ow, cout]`). */
export function denseRows(win: Window, cout: number, dy: FloatArray): WideFill {
  const { oh, ow } = win;
  const [, wp] = paddedSize(win);
  const fill = (wide: FloatArray, b0: number, b1: number) => {
    for (let r = 0; r < (b1 - b0) * oh; r++) {
      const from = (b0 * oh + r) * ow * cout;
      wide.set(dy.subarray(from, from + ow * cout), r * wp * cout);
    }
  };
  return { fill, sparse: false };
}

/**
 * `dW = Σ colsᵀ·dy` (`rows` = `k`) or `[dW; db]` (`rows` = `k + 1`) into `out` (`[rows, cout]`)
 * where {@linkcode wideApplies}: `fill` writes each chunk's cotangents into the wide rows, zeros
 * past each row's `ow` outputs, so the windows there add nothing.
 */
export function kernelGradWide(
  backend: Backend,
  win: Window,
  cout: number,
  dt: DType,
  x: FloatArray,
  fill: WideFill,
  out: FloatArray,
  rows: number,
): void {
  const { batch, oh } = win;
  const [, wp] = paddedSize(win);
  // Small chunks: the product's output is tiny, its inner dimension long (ADD_CHUNK).
  const per = Math.max(1, Math.min(batch, Math.floor(ADD_CHUNK / (oh * wp * (rows + cout)))));
  const windows = new WideWindows(dt, win, per, rows);
  const wide = allocate(dt, per * windows.pos * cout, "conv2d");
  for (let b0 = 0; b0 < batch; b0 += per) {
    const b1 = Math.min(batch, b0 + per), m = windows.pos * per;
    const cols = windows.of(x, b0, b1);
    // The rows past each output row's `ow` stay zero from the allocation; a sparse fill's
    // positions, and a short last chunk's rows past it, hold the previous chunk's values.
    if (b0 > 0 && (fill.sparse || b1 - b0 < per)) wide.fill(0);
    fill.fill(wide, b0, b1);
    if (b0 === 0) backend.gemm(false, false, rows, cout, m, cols, wide, out);
    else backend.gemmAdd!(false, false, rows, cout, m, cols, wide, out);
  }
}
