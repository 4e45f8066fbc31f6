/**
 * A CNN's first block, `conv2dReluMaxPool` of one input channel at stride 1 under a 2x2 pool,
 * chunk by chunk over the wide windows of `_conv_wide.ts` on a BLAS backend: each chunk's
 * convolution is pooled image by image while it is in cache (each image on its own, so the
 * pool's argmax is already an index into the image: converting a chunk's cost more than the
 * pooling saved), and in the pullback each chunk's cotangents are
 * scattered straight into the rows its kernel-gradient product reads. The convolution's output
 * and its cotangent (12.25 MiB each for the MNIST CNN at batch 128) are never written whole,
 * nor copied between the dense and the wide layouts. Private to `src/ops/`.
 *
 * The values are those of the composition bit for bit: the same products in the same chunks,
 * the same pool over the same numbers, the same cotangents added into zeros. What differs is
 * `arg`, the argmax the pullback reads: an index into its image's wide output
 * `[oh, wp, cout]`, not into the dense output ({@linkcode denseArgmax} converts, for a pullback
 * that needs the input's cotangent too).
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import type { Geometry } from "./_conv_gemm.ts";
import { paddedSize } from "./_im2col.ts";
import { reluMaxBackImage, reluMaxPoolInto, twoByTwo } from "./_relu_pool_loops.ts";
import { kernelGradWide, wideApplies, wideForward, withBiasRow } from "./_conv_wide.ts";
import type { Window } from "./_window.ts";

/** Whether the first-layer path serves `geo` pooled by `pool` on `backend`. */
export function firstLayerApplies(backend: Backend, geo: Geometry, pool: Window): boolean {
  return wideApplies(backend, geo.win, geo.groups, geo.cg) && twoByTwo(pool);
}

/**
 * The rectified 2x2 maxima of `conv(x, w) + bias` into `out` (`pool`'s `[batch, oh/2, ow/2,
 * cout]`) and each one's argmax into `arg`: its index into its image's wide output, or -1
 * where the maximum is not positive.
 */
export function firstLayerForward(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  x: FloatArray,
  w: FloatArray,
  bias: FloatArray | undefined,
  pool: Window,
  out: FloatArray,
  arg: Int32Array,
): void {
  const { win, cout, k } = geo, { oh } = win;
  const [, wp] = paddedSize(win);
  const ph = pool.oh, pw = pool.ow, image = oh * wp * cout, run = pw * cout;
  const [wk, rows] = withBiasRow(dt, w, bias, k, cout);
  // One image's wide output as [1, oh, wp, cout], pooled 2x2 (the columns past the last whole
  // window of real outputs come out too, and are dropped below): its argmax then indexes the
  // image's wide output, as the pullback reads it.
  const image1: Window = { ...pool, batch: 1, h: oh, w: wp, oh: ph, ow: wp >> 1 };
  const pooled = allocate(dt, ph * (wp >> 1) * cout), parg = new Int32Array(pooled.length);
  wideForward(backend, win, cout, dt, x, wk, rows, (wide, b0, b1) => {
    for (let b = 0; b < b1 - b0; b++) {
      reluMaxPoolInto(backend, wide.subarray(b * image, (b + 1) * image), image1, pooled, parg);
      for (let i = 0; i < ph; i++) {
        const from = i * (wp >> 1) * cout, to = ((b0 + b) * ph + i) * run;
        out.set(pooled.subarray(from, from + run), to);
        arg.set(parg.subarray(from, from + run), to);
      }
    }
  });
}

/**
 * `[dW; db]` (`rows` = `k + 1`) or `dW` (`rows` = `k`) into `into` (`[rows, cout]`) from the
 * pooled cotangents `g` and the argmax of {@linkcode firstLayerForward}.
 */
export function firstLayerKernelGrad(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  x: FloatArray,
  g: FloatArray,
  arg: Int32Array,
  pool: Window,
  into: FloatArray,
  rows: number,
): void {
  const { win, cout } = geo, { oh } = win;
  const [, wp] = paddedSize(win);
  const image = oh * wp * cout, pooled = pool.oh * pool.ow * cout;
  const fill = (wide: FloatArray, b0: number, b1: number) => {
    for (let b = b0; b < b1; b++) {
      reluMaxBackImage(g, arg, b * pooled, (b + 1) * pooled, wide, (b - b0) * image);
    }
  };
  kernelGradWide(backend, win, cout, dt, x, { fill, sparse: true }, into, rows);
}

/** `arg` of {@linkcode firstLayerForward} as indices into the dense `[batch, oh, ow, cout]`. */
export function denseArgmax(geo: Geometry, pool: Window, arg: Int32Array): Int32Array {
  const { win, cout } = geo, { oh, ow } = win;
  const [, wp] = paddedSize(win);
  const pooled = pool.oh * pool.ow * cout, row = wp * cout;
  const dense = new Int32Array(arg.length);
  for (let o = 0; o < arg.length; o++) {
    const a = arg[o];
    if (a < 0) {
      dense[o] = -1;
      continue;
    }
    const b = Math.floor(o / pooled), y = Math.floor(a / row), rest = a - y * row;
    dense[o] = (b * oh + y) * ow * cout + rest;
  }
  return dense;
}
