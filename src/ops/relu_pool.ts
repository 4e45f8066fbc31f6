/**
 * The rectifier and max pooling fused: `reluMaxPool2d(x, o) = maxPool2d(relu(x), o)`, computed
 * as `relu(maxPool2d(x, o))` (the rectifier is monotone, so the two agree bit for bit, NaN
 * included), so the rectifier runs on the pooled tensor, a quarter of the size for 2x2 windows,
 * and neither a rectified copy of the input nor its cotangent is made.
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkBackend } from "../_checks.ts";
import { cotangent } from "./_checks.ts";
import { type Pool2dOptions, poolWindow } from "./_max_pool.ts";
import { reluMaxBack, reluMaxPoolInto } from "./_relu_pool_loops.ts";
import { type Primitive, primitive } from "./primitive.ts";

/**
 * `maxPool2d(relu(x), options)` as one primitive: each window's largest element, or +0 where
 * that is not positive (a NaN in a window is its maximum and stays NaN). Equal, value and
 * gradient, to `t.maxPool2d(t.relu(x), options)`, which the tests check. Pullback: each
 * output's cotangent goes to its window's first maximum when that maximum is positive, else
 * nowhere (the rectifier's slope is 0 there, and at NaN).
 *
 * What the `reluMaxPool2d` layer runs. On the CNN of `bench/cnn_compare.ts` the separate
 * rectifier over the first convolution's output and its pullback cost as much as the pool.
 * Float32 2x2 windows at stride 2 run on the backend's `reluMaxPool2x2` kernel where it has one
 * (wasm SIMD on the wasm and blas backends), bit for bit the loop here.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([-3, -1, 2, 4, -5, -2, -7, -1], [1, 2, 4, 1]);
 * const y = untraced().reluMaxPool2d(x, { size: 2 });
 * if (y.data.join() !== "0,4") throw new Error("unexpected");
 * ```
 */
export const reluMaxPool2d: Primitive<[x: Tensor, options: Pool2dOptions]> = primitive(
  "reluMaxPool2d",
  1,
  (backend, x: Tensor, options: Pool2dOptions) => {
    checkBackend("Cannot reluMaxPool2d", backend);
    const win = poolWindow("reluMaxPool2d", x, options);
    const shape = [win.batch, win.oh, win.ow, win.c];
    const n = win.batch * win.oh * win.ow * win.c;
    const out = allocate(x.dtype, n, "reluMaxPool2d");
    const arg = new Int32Array(n);
    reluMaxPoolInto(backend, x.data, win, out, arg);
    const y = fromTypedArray(out, shape);
    return [y, (dy) => {
      const g = cotangent("reluMaxPool2d", dy, shape);
      // One element more than dx, where the cotangents of non-positive maxima go: the loop then
      // has no branch on the sign, a coin toss on a CNN's activations.
      const len = x.data.length, dx = allocate(x.dtype, len + 1, "reluMaxPool2d");
      reluMaxBack(g, arg, dx, len);
      return [fromTypedArray(dx.subarray(0, len), x.shape)];
    }];
  },
);
