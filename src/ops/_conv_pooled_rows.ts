/**
 * `conv2dReluMaxPool` by tap rows (`_conv_rows.ts`: several channels, row stride 1, a backend
 * with `gemmAdd`) under a 2x2 pool, pooled image by image: each image's convolution is pooled as
 * soon as its products are done, while it is in cache, so the convolution's output is never
 * written whole (6.1 MiB for the MNIST CNN's second block at batch 128) nor copied whole into
 * the pool kernel's memory. Private to `src/ops/`.
 *
 * The values are the composition's bit for bit (the same products, the same pool over the same
 * numbers). The argmax differs: each is an index into its image's output `[oh, ow, cout]`, and
 * {@linkcode scatterPooled} adds the image's offset when the pullback sends the cotangents back.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type DType, type FloatArray } from "../tensor.ts";
import type { Geometry } from "./_conv_gemm.ts";
import { byRows, convByRows } from "./_conv_rows.ts";
import { reluMaxBackImage, reluMaxPoolInto, twoByTwo } from "./_relu_pool_loops.ts";
import type { Window } from "./_window.ts";

/** Whether the tap rows pooled image by image serve `geo` pooled by `pool` on `backend`. */
export function pooledRowsApply(backend: Backend, geo: Geometry, pool: Window): boolean {
  return geo.groups === 1 && byRows(backend, geo.win, geo.cg) && twoByTwo(pool);
}

/**
 * The rectified 2x2 maxima of `conv(x, w) + bias` into `out` (`pool`'s `[batch, oh/2, ow/2,
 * cout]`) and each one's argmax into `arg`: its index into its image's output, or -1 where the
 * maximum is not positive.
 */
export function pooledRowsForward(
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
  const { win, cg, cout } = geo, per = pool.oh * pool.ow * cout;
  const image: Window = { ...pool, batch: 1 };
  const y = allocate(dt, win.oh * win.ow * cout, "conv2d");
  convByRows(backend, dt, win, cg, x, w, cout, bias, y, (b, conved) => {
    const o = out.subarray(b * per, (b + 1) * per), a = arg.subarray(b * per, (b + 1) * per);
    reluMaxPoolInto(backend, conved, image, o, a);
  });
}

/**
 * `dz[b·image + arg[o]] += g[o]` for every pooled output `o` of image `b` (`per` of them an
 * image) whose maximum was positive: the cotangents of {@linkcode pooledRowsForward}'s maxima
 * into the convolution's dense `[batch, oh, ow, cout]` cotangent `dz` (zero on entry).
 */
export function scatterPooled(
  g: FloatArray,
  arg: Int32Array,
  per: number,
  image: number,
  dz: FloatArray,
): void {
  for (let o0 = 0, base = 0; o0 < arg.length; o0 += per, base += image) {
    reluMaxBackImage(g, arg, o0, o0 + per, dz, base);
  }
}
