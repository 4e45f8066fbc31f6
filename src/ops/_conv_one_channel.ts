/**
 * The kernel's gradient of a one-channel convolution (a CNN's first layer) on a backend that
 * adds products into its output (`gemmAdd`): small chunks of images, each product added into
 * the result where it lies, and with a bias the bias's cotangent from the same product. Private
 * to `src/ops/` (`_conv_geometry.ts`'s `convGrads` calls it).
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import type { DType, FloatArray } from "../tensor.ts";
import { Arena, type Geometry, transposedWindows } from "./_conv_gemm.ts";
import { ADD_CHUNK, denseRows, kernelGradWide, wideApplies } from "./_conv_wide.ts";

/**
 * Whether {@linkcode kernelGradAdding} serves `geo` on `backend`: one group of one channel (the
 * transposed windows) and a backend that adds products into its output (`gemmAdd`).
 */
export function addsKernelGrad(backend: Backend, geo: Geometry): boolean {
  return geo.groups === 1 && transposedWindows(geo) && backend.gemmAdd !== undefined;
}

/**
 * `dW = Σ colsᵀ·dy` (`rows` = `k`) or `[dW; db]` (`rows` = `k + 1`: the windows' row of ones
 * gives the bias's cotangent in the same product) into `out` (`[rows, cout]`), where
 * {@linkcode addsKernelGrad}: the transposed windows of a few images at a time, each chunk's
 * product added into `out` where it lies, so chunks can be as small as suits the gemm.
 */
export function kernelGradAdding(
  backend: Backend,
  geo: Geometry,
  dt: DType,
  x: FloatArray,
  dy: FloatArray,
  out: FloatArray,
  rows: number,
): void {
  if (wideApplies(backend, geo.win, 1, 1)) {
    const fill = denseRows(geo.win, geo.cout, dy);
    return kernelGradWide(backend, geo.win, geo.cout, dt, x, fill, out, rows);
  }
  const { win, cout } = geo, pos = win.oh * win.ow;
  const per = Math.max(1, Math.min(win.batch, Math.floor(ADD_CHUNK / (pos * (rows + cout)))));
  const arena = new Arena(dt, win, 1, per, rows);
  for (let b0 = 0; b0 < win.batch; b0 += per) {
    const b1 = Math.min(win.batch, b0 + per), r0 = b0 * pos, m = (b1 - b0) * pos;
    const cols = arena.windowsT(x, win, 0, b0, b1, rows);
    const dyc = dy.subarray(r0 * cout, (r0 + m) * cout);
    if (b0 === 0) backend.gemm(false, false, rows, cout, m, cols, dyc, out);
    else backend.gemmAdd!(false, false, rows, cout, m, cols, dyc, out);
  }
}
