/**
 * The rectifier and max pooling fused: `reluMaxPool2d(x, o) = maxPool2d(relu(x), o)`, computed
 * as `relu(maxPool2d(x, o))` (the rectifier is monotone, so the two agree bit for bit, NaN
 * included), so the rectifier runs on the pooled tensor, a quarter of the size for 2x2 windows,
 * and neither a rectified copy of the input nor its cotangent is made.
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkBackend } from "../_checks.ts";
import { cotangent } from "./_checks.ts";
import { max2x2, maxForward, type Pool2dOptions, poolWindow } from "./_max_pool.ts";
import type { Window } from "./_window.ts";
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
    const kernel = backend.reluMaxPool2x2;
    const fast = kernel !== undefined && x.data instanceof Float32Array && twoByTwo(win) &&
      kernel(x.data, win.batch, win.h, win.w, win.c, out as Float32Array, arg);
    if (!fast) reluMaxForward(x.data, win, out, arg);
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

/** The maxima, rectified, into `out`; `arg` the index of each positive maximum, else -1. */
function reluMaxForward(x: FloatArray, win: Window, out: FloatArray, arg: Int32Array): void {
  if (twoByTwo(win)) return max2x2(x, win, out, arg, true);
  maxForward(x, win, out, arg);
  for (let o = 0; o < out.length; o++) {
    const m = out[o];
    if (!(m > 0)) {
      arg[o] = -1;
      if (m === m) out[o] = 0;
    }
  }
}

/** 2x2 windows at stride 2, every window inside (what `Backend.reluMaxPool2x2` computes). */
function twoByTwo(win: Window): boolean {
  const { h, w, oh, ow, sh, sw, kh, kw, top, left } = win;
  const inside = top === 0 && left === 0 && 2 * oh <= h && 2 * ow <= w;
  return kh === 2 && kw === 2 && sh === 2 && sw === 2 && inside;
}

// A top-level loop, not one inside the pullback closure (see `maxBack` in `_max_pool.ts`).
function reluMaxBack(g: FloatArray, arg: Int32Array, dx: FloatArray, spare: number): void {
  for (let o = 0; o < arg.length; o++) {
    const a = arg[o];
    dx[a + ((a >> 31) & (spare + 1))] += g[o]; // a, or `spare` where a is -1
  }
}
