/**
 * A CNN block in one primitive: convolution, bias, rectifier and max pool, whose full-size
 * convolution output and its cotangent are never tensors. See {@linkcode conv2dReluMaxPool}.
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkBackend } from "../_checks.ts";
import { cotangent } from "./_checks.ts";
import { convForward } from "./_conv_gemm.ts";
import { checkBias, type Conv2dOptions, convGrads, geometry, outShape } from "./_conv_geometry.ts";
import { type Pool2dOptions, poolWindowOf } from "./_max_pool.ts";
import { pooledRowsApply, pooledRowsForward, scatterPooled } from "./_conv_pooled_rows.ts";
import {
  denseArgmax,
  firstLayerApplies,
  firstLayerForward,
  firstLayerKernelGrad,
} from "./_conv_first_layer.ts";
import { reluMaxBack, reluMaxPoolInto } from "./_relu_pool_loops.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { WorkspacePool } from "./_workspace.ts";

/**
 * The convolution's output during the forward call and its cotangent during the pullback: the
 * largest arrays of a CNN's step (12.25 MiB each for the MNIST CNN's first block at batch 128),
 * taken from here and given back within the call, so a step writes memory the process has
 * rather than fresh pages (`bench/floors.ts`).
 */
const WORKSPACES = new WorkspacePool("conv2dReluMaxPool");

/**
 * `reluMaxPool2d(conv2dBias(x, w, b, conv), pool)` as one primitive (`b` may be `undefined`: no
 * bias, `conv2d`), equal to that composition in value and in every cotangent, bit for bit
 * (tested on every backend): the same convolution kernels, then the same pooling of the
 * rectified maxima. The difference is memory: the convolution's output lives only inside the
 * forward call and its cotangent only inside the pullback, in reused workspaces, where the
 * composition makes both fresh tensors of the convolution's full size each step. The pullback
 * sends each pooled cotangent to its window's positive maximum (as `reluMaxPool2d`'s does) and
 * runs the convolution's pullback on that, each input's cotangent only when needed. A first
 * layer (one input channel, stride 1, a 2x2 pool, on a backend with `gemmAdd`) goes chunk by
 * chunk instead (`_conv_first_layer.ts`): the full-size arrays are never made, and the bits are
 * the same. What the `conv2d` layer runs with its `reluMaxPool` option.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([1, -2, 3, -4], [1, 1, 4, 1]);
 * const y = untraced().conv2dReluMaxPool(x, tensor([-1], [1, 1, 1, 1]), undefined, {}, { size: [1, 2] });
 * if (y.data.join() !== "2,4") throw new Error("unexpected");
 * ```
 */
export const conv2dReluMaxPool: Primitive<
  [x: Tensor, w: Tensor, b: Tensor | undefined, conv: Conv2dOptions, pool: Pool2dOptions]
> = primitive(
  "conv2dReluMaxPool",
  3,
  (backend, x: Tensor, w: Tensor, b: Tensor | undefined, conv: Conv2dOptions, pool) => {
    const op = "conv2dReluMaxPool";
    checkBackend(`Cannot ${op}`, backend);
    const geo = geometry(op, x, w, conv);
    if (b !== undefined) checkBias(op, b, geo, x);
    const dt = x.dtype, len = geo.rows * geo.cout;
    // The pool's window over the convolution's output.
    const win = poolWindowOf(op, outShape(geo), pool);
    const n = win.batch * win.oh * win.ow * win.c;
    const out = allocate(dt, n, op);
    // A first layer pools chunk by chunk; its argmax then indexes each image's wide output.
    const first = firstLayerApplies(backend, geo, win);
    // By tap rows under a 2x2 pool, image by image; its argmax then indexes each image.
    const tapRows = !first && pooledRowsApply(backend, geo, win);
    const arg = new Int32Array(n);
    if (first) firstLayerForward(backend, geo, dt, x.data, w.data, b?.data, win, out, arg);
    else if (tapRows) pooledRowsForward(backend, geo, dt, x.data, w.data, b?.data, win, out, arg);
    else {
      const conved = WORKSPACES.take(dt, len);
      convForward(backend, geo, dt, x.data, w.data, b?.data, conved);
      reluMaxPoolInto(backend, conved, win, out, arg);
      WORKSPACES.give(conved);
    }
    const shape = [win.batch, win.oh, win.ow, win.c];
    const y = fromTypedArray(out, shape);
    return [y, (dy, needs) => {
      // dy as it comes, as reluMaxPool2d's pullback scatters it (the same roundings).
      const g = cotangent(op, dy, shape);
      if (first && !needs[0] && needs[1]) {
        // The kernel's cotangent, and the bias's from the same product when asked for (as
        // convGrads takes them: the same rows, so the same bits).
        const { k, cout } = geo, biased = needs[2] && b !== undefined, rows = biased ? k + 1 : k;
        const dwb = allocate(dt, rows * cout, op);
        firstLayerKernelGrad(backend, geo, dt, x.data, g, arg, win, dwb, rows);
        const dw = fromTypedArray(biased ? dwb.slice(0, k * cout) : dwb, w.shape);
        return [undefined, dw, biased ? fromTypedArray(dwb.slice(k * cout), b.shape) : undefined];
      }
      // Else the convolution's dense cotangent, each argmax made an index into the whole output;
      // one element more, where the cotangents of non-positive maxima go (as reluMaxPool2d's).
      const dz = WORKSPACES.take(dt, len + 1).fill(0);
      if (tapRows) {
        scatterPooled(g, arg, win.oh * win.ow * win.c, geo.win.oh * geo.win.ow * geo.cout, dz);
      } else reluMaxBack(g, first ? denseArgmax(geo, win, arg) : arg, dz, len);
      const grads = convGrads(backend, geo, x, w, b, dz.subarray(0, len), needs);
      WORKSPACES.give(dz);
      return grads;
    }];
  },
);
