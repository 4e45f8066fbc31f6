/**
 * Pooling of NHWC images: `maxPool2d`, `avgPool2d` over sliding windows and
 * `globalAvgPool2d` over the whole image. Padding is never a value: a max ignores it and an
 * average divides by the real elements of its window, as TensorFlow does.
 *
 * @module
 */

import {
  allocate,
  astype,
  type FloatArray,
  formatShape,
  fromTypedArray,
  type Tensor,
} from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { nhwc, type Window } from "./_window.ts";
import { type Primitive, primitive, unary } from "./primitive.ts";
import { maxBack, maxForward, type Pool2dOptions, poolWindow } from "./_max_pool.ts";

export type { Pool2dOptions } from "./_max_pool.ts";

/** The real rows `[r0, r1)` and columns `[c0, c1)` under output position `(i, j)`. */
function span(win: Window, i: number, j: number): [number, number, number, number] {
  const r = i * win.sh - win.top, c = j * win.sw - win.left;
  return [
    Math.max(r, 0),
    Math.min(r + win.kh, win.h),
    Math.max(c, 0),
    Math.min(c + win.kw, win.w),
  ];
}

/**
 * The maximum of each window of `x` (`[batch, h, w, c]`), per channel: output
 * `[batch, oh, ow, c]`. Padding never wins (it is not a value); a NaN in a window is its
 * maximum, so NaN propagates. Pullback: each output's cotangent goes to the first maximum of its
 * window (row-major order), as TensorFlow routes it.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([1, 5, 2, 4, 3, 0], [1, 2, 3, 1]);
 * const y = untraced().maxPool2d(x, { size: 2, stride: 1 });
 * if (y.data.join() !== "5,5") throw new Error("unexpected");
 * ```
 */
export const maxPool2d: Primitive<[x: Tensor, options: Pool2dOptions]> = primitive(
  "maxPool2d",
  1,
  (_backend, x: Tensor, options: Pool2dOptions) => {
    const win = poolWindow("maxPool2d", x, options);
    const shape = [win.batch, win.oh, win.ow, win.c];
    const n = win.batch * win.oh * win.ow * win.c;
    const out = allocate(x.dtype, n, "maxPool2d");
    const arg = new Int32Array(n);
    maxForward(x.data, win, out, arg);
    const y = fromTypedArray(out, shape);
    return [y, (dy) => {
      const g = cotangent("maxPool2d", dy, shape);
      const dx = allocate(x.dtype, x.data.length, "maxPool2d");
      maxBack(g, arg, dx);
      return [fromTypedArray(dx, x.shape)];
    }];
  },
);

/** Window means (`back` false) into `out`, or the adjoint (`back` true) from `out` into `x`. */
function avgLoop(x: FloatArray, win: Window, out: FloatArray, back: boolean): void {
  const { batch, h, w, c, oh, ow } = win;
  const acc = new Float64Array(c);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const o = ((b * oh + i) * ow + j) * c;
        const [r0, r1, c0, c1] = span(win, i, j);
        const count = (r1 - r0) * (c1 - c0);
        if (back) { for (let ch = 0; ch < c; ch++) acc[ch] = out[o + ch] / count; }
        else acc.fill(0);
        for (let r = r0; r < r1; r++) {
          for (let q = c0; q < c1; q++) {
            const src = ((b * h + r) * w + q) * c;
            if (back) { for (let ch = 0; ch < c; ch++) x[src + ch] += acc[ch]; }
            else for (let ch = 0; ch < c; ch++) acc[ch] += x[src + ch];
          }
        }
        if (!back) { for (let ch = 0; ch < c; ch++) out[o + ch] = acc[ch] / count; }
      }
    }
  }
}

/**
 * The mean of each window of `x` (`[batch, h, w, c]`), per channel: output
 * `[batch, oh, ow, c]`. With `"same"` or explicit padding a window at the border divides by
 * the number of real (unpadded) elements it covers, not by the window's size, as TensorFlow's
 * `avg_pool` does (PyTorch's `count_include_pad=False`). Pullback: each output's cotangent,
 * divided by that count, to every real element of its window.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([1, 3, 5], [1, 1, 3, 1]);
 * const y = untraced().avgPool2d(x, { size: [1, 2], padding: "same" });
 * if (y.data.join() !== "2,5") throw new Error("the last window holds only 5");
 * ```
 */
export const avgPool2d: Primitive<[x: Tensor, options: Pool2dOptions]> = primitive(
  "avgPool2d",
  1,
  (_backend, x: Tensor, options: Pool2dOptions) => {
    const win = poolWindow("avgPool2d", x, options);
    const shape = [win.batch, win.oh, win.ow, win.c];
    const out = allocate(x.dtype, win.batch * win.oh * win.ow * win.c, "avgPool2d");
    avgLoop(x.data, win, out, false);
    const y = fromTypedArray(out, shape);
    return [y, (dy) => {
      cotangent("avgPool2d", dy, shape);
      const dx = allocate(x.dtype, x.data.length, "avgPool2d");
      avgLoop(dx, win, astype(dy, x.dtype).data, true);
      return [fromTypedArray(dx, x.shape)];
    }];
  },
);

/**
 * The mean over height and width of `x` (`[batch, h, w, c]`, `h` and `w` at least 1): output
 * `[batch, c]`, accumulated in double. Pullback: `dx[b, i, j, c] = dy[b, c] / (h·w)`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([1, 10, 3, 30], [1, 2, 1, 2]);
 * if (untraced().globalAvgPool2d(x).data.join() !== "2,20") throw new Error("unexpected");
 * ```
 */
export const globalAvgPool2d: Primitive<[Tensor]> = unary("globalAvgPool2d", (x: Tensor) => {
  const [batch, h, w, c] = nhwc("globalAvgPool2d", x, "the input x");
  if (h === 0 || w === 0) {
    throw new TypeError(
      `Cannot globalAvgPool2d: the input's height and width must be positive, got shape ${
        formatShape(x.shape)
      }`,
    );
  }
  const hw = h * w;
  const sums = new Float64Array(batch * c);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < hw; p++) {
      const src = (b * hw + p) * c;
      for (let ch = 0; ch < c; ch++) sums[b * c + ch] += x.data[src + ch];
    }
  }
  const out = allocate(x.dtype, batch * c, "globalAvgPool2d");
  for (let i = 0; i < out.length; i++) out[i] = sums[i] / hw;
  const y = fromTypedArray(out, [batch, c]);
  return [y, (dy) => {
    const g = cotangent("globalAvgPool2d", dy, y.shape);
    const dx = allocate(x.dtype, x.data.length, "globalAvgPool2d");
    globalAvgBack(g, dx, batch, hw, c);
    return fromTypedArray(dx, x.shape);
  }];
});

function globalAvgBack(g: FloatArray, dx: FloatArray, batch: number, hw: number, c: number): void {
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < hw; p++) {
      const dst = (b * hw + p) * c;
      for (let ch = 0; ch < c; ch++) dx[dst + ch] = g[b * c + ch] / hw;
    }
  }
}
