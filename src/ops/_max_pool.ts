/**
 * The window checks and loops of max pooling, shared by `maxPool2d` (`pool.ts`) and the fused
 * `reluMaxPool2d` (`relu_pool.ts`). Internal to `src/ops/`.
 *
 * @module
 */

import type { FloatArray, Shape, Tensor } from "../tensor.ts";
import { checkOptions, describeValue } from "../_checks.ts";
import { nhwc, type Padding, type Pair, pair, type Window, window } from "./_window.ts";

/** Options of `maxPool2d`, `avgPool2d` and `reluMaxPool2d`. */
export interface Pool2dOptions {
  /** The window, one number or `[height, width]`. Required. */
  readonly size: Pair;
  /** Step of the window, one number or `[height, width]`. Default: the window's size. */
  readonly stride?: Pair;
  /**
   * `"valid"` (the default), `"same"` (TensorFlow's: `ceil(size / stride)` outputs per axis,
   * the odd pixel of padding at the bottom/right) or explicit `[[top, bottom], [left, right]]`,
   * each pad smaller than the window on its axis (so every window holds a real element).
   */
  readonly padding?: Padding;
}

/** The checked window of a pool primitive `op` over `x` (errors name `op`). */
export function poolWindow(op: string, x: Tensor, options: Pool2dOptions): Window {
  nhwc(op, x, "the input x");
  return poolWindowOf(op, x.shape, options);
}

/** {@linkcode poolWindow} over an NHWC input of shape `shape` (already checked). */
export function poolWindowOf(op: string, shape: Shape, options: Pool2dOptions): Window {
  const o = checkOptions(`Cannot ${op}`, options, ["size", "stride", "padding"]);
  if (o.size === undefined) {
    throw new TypeError(
      `Cannot ${op}: options.size (the window, a positive integer or [height, width]) is ` +
        `required, got options ${describeValue(options)}`,
    );
  }
  const size = pair(op, "size", o.size);
  const stride = o.stride === undefined ? size : pair(op, "stride", o.stride);
  return window(op, shape, size, stride, [1, 1], o.padding ?? "valid", true);
}

/**
 * Each window's first maximum (NaN counts as the largest) into `out`, its index into `arg`
 * (kept for the pullback, which then needs no search). The window's first real pixel is
 * copied, then the others compared: no per-element "first" test and no bounds array per
 * window (the first version took longer than the convolution after it on the MNIST CNN).
 */
export function maxForward(x: FloatArray, win: Window, out: FloatArray, arg: Int32Array): void {
  const { batch, h, w, c, oh, ow, sh, sw, kh, kw, top, left } = win;
  const inside = top === 0 && left === 0 && 2 * oh <= h && 2 * ow <= w;
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && inside) {
    return max2x2(x, win, out, arg);
  }
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      const r = i * sh - top, r0 = Math.max(r, 0), r1 = Math.min(r + kh, h);
      for (let j = 0; j < ow; j++) {
        const q = j * sw - left, q0 = Math.max(q, 0), q1 = Math.min(q + kw, w);
        const o = ((b * oh + i) * ow + j) * c, first = ((b * h + r0) * w + q0) * c;
        for (let ch = 0; ch < c; ch++) {
          out[o + ch] = x[first + ch];
          arg[o + ch] = first + ch;
        }
        for (let rr = r0; rr < r1; rr++) {
          for (let qq = rr === r0 ? q0 + 1 : q0; qq < q1; qq++) {
            maxInto(x, ((b * h + rr) * w + qq) * c, out, arg, o, c);
          }
        }
      }
    }
  }
}

/**
 * The common 2x2 window at stride 2, every window inside: four taps unrolled, row-major (the
 * first maximum wins ties; NaN wins over any number). With `rectify` (`reluMaxPool2d`) a
 * maximum that is not positive is stored as 0 (NaN stays) with argmax -1: the rectifier's zero
 * gradient, sent by the pullback to a spare element.
 */
export function max2x2(
  x: FloatArray,
  win: Window,
  out: FloatArray,
  arg: Int32Array,
  rectify = false,
): void {
  const { batch, h, w, c, oh, ow } = win;
  const down = w * c;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const o = ((b * oh + i) * ow + j) * c, s = ((b * h + 2 * i) * w + 2 * j) * c;
        for (let ch = 0; ch < c; ch++) {
          const p = s + ch;
          let best = p, m = x[p], v = x[p + c];
          if (v > m || (v !== v && m === m)) {
            m = v;
            best = p + c;
          }
          v = x[p + down];
          if (v > m || (v !== v && m === m)) {
            m = v;
            best = p + down;
          }
          v = x[p + down + c];
          if (v > m || (v !== v && m === m)) {
            m = v;
            best = p + down + c;
          }
          if (!rectify || m > 0) {
            out[o + ch] = m;
            arg[o + ch] = best;
          } else {
            out[o + ch] = m === m ? 0 : m;
            arg[o + ch] = -1;
          }
        }
      }
    }
  }
}

/** Pixel `src`'s `c` channels into the running maxima at `o` where they win. */
function maxInto(
  x: FloatArray,
  src: number,
  out: FloatArray,
  arg: Int32Array,
  o: number,
  c: number,
): void {
  for (let ch = 0; ch < c; ch++) {
    const v = x[src + ch], cur = out[o + ch];
    if (v > cur || (v !== v && cur === cur)) {
      out[o + ch] = v;
      arg[o + ch] = src + ch;
    }
  }
}

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8). The same holds for `globalAvgBack` below.
export function maxBack(g: FloatArray, arg: Int32Array, dx: FloatArray): void {
  for (let o = 0; o < arg.length; o++) dx[arg[o]] += g[o];
}
