/**
 * The loops of the fused rectifier and max pool (`relu_pool.ts`, `conv_relu_pool.ts`): the
 * rectified maxima with their argmax, and the pullback's scatter. Private to `src/ops/`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import type { FloatArray } from "../tensor.ts";
import { max2x2, maxForward } from "./_max_pool.ts";
import type { Window } from "./_window.ts";

/**
 * The rectified maxima of `x`'s windows into `out` and their argmax into `arg`, on the backend's
 * `reluMaxPool2x2` kernel for float32 2x2 windows where it has one, else the loop.
 */
export function reluMaxPoolInto(
  backend: Backend,
  x: FloatArray,
  win: Window,
  out: FloatArray,
  arg: Int32Array,
): void {
  const kernel = backend.reluMaxPool2x2;
  const fast = kernel !== undefined && x instanceof Float32Array && twoByTwo(win) &&
    kernel(x, win.batch, win.h, win.w, win.c, out as Float32Array, arg);
  if (!fast) reluMaxForward(x, win, out, arg);
}

/** The maxima, rectified, into `out`; `arg` the index of each positive maximum, else -1. */
export function reluMaxForward(x: FloatArray, win: Window, out: FloatArray, arg: Int32Array): void {
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
export function twoByTwo(win: Window): boolean {
  const { h, w, oh, ow, sh, sw, kh, kw, top, left } = win;
  const inside = top === 0 && left === 0 && 2 * oh <= h && 2 * ow <= w;
  return kh === 2 && kw === 2 && sh === 2 && sw === 2 && inside;
}

/**
 * `dx[arg[o]] += g[o]`, the cotangents of non-positive maxima (`arg` -1) into `dx[spare]`.
 * A top-level loop, not one inside the pullback closure (see `maxBack` in `_max_pool.ts`).
 */
export function reluMaxBack(g: FloatArray, arg: Int32Array, dx: FloatArray, spare: number): void {
  for (let o = 0; o < arg.length; o++) {
    const a = arg[o];
    dx[a + ((a >> 31) & (spare + 1))] += g[o]; // a, or `spare` where a is -1
  }
}

/**
 * `dz[base + arg[o]] += g[o]` for the outputs `o` in `[o0, o1)` whose maximum was positive (`arg`
 * not -1): one image's pooled cotangents sent back, where its argmax indexes the image. A
 * top-level loop, so the JIT compiles it on its own.
 */
export function reluMaxBackImage(
  g: FloatArray,
  arg: Int32Array,
  o0: number,
  o1: number,
  dz: FloatArray,
  base: number,
): void {
  for (let o = o0; o < o1; o++) {
    const a = arg[o];
    if (a >= 0) dz[base + a] += g[o];
  }
}
