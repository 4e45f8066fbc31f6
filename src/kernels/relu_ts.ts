/**
 * The float32 rectifier and its pullback in plain TypeScript: the reference for
 * `Backend.relu` and `Backend.reluBack`, and the loops that run where a backend has neither.
 *
 * Both work on the bits, with no branch per element: the sign of a branch's condition is a coin
 * toss on a layer's pre-activations, and the mispredictions made the branching loops ~3x slower
 * (float32 [128, 256], V8 and JavaScriptCore). They give, bit for bit, `v > 0 || v !== v ? v : 0`
 * (NaN kept, with its payload) and `x > 0 ? g : 0` (+0 otherwise).
 *
 * @module
 */

import type { ReluBackKernel, ReluKernel } from "./kernels.ts";

/** The bits of a float32 array, for the branch-free loops below. */
function bits(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * `y = x` where `x > 0` or `x` is NaN, else +0.
 *
 * @example
 * ```ts
 * import { reluTs } from "./relu_ts.ts";
 * const y = new Float32Array(3);
 * reluTs(new Float32Array([-1, 2, NaN]), y);
 * if (y[0] !== 0 || y[1] !== 2 || !Number.isNaN(y[2])) throw new Error("unexpected");
 * ```
 */
export const reluTs: ReluKernel = (x, y) => relu32(bits(x), bits(y));

/**
 * `dx = g` where `x > 0`, else +0.
 *
 * @example
 * ```ts
 * import { reluBackTs } from "./relu_ts.ts";
 * const dx = new Float32Array(2);
 * reluBackTs(new Float32Array([-1, 2]), new Float32Array([5, 5]), dx);
 * if (dx.join() !== "0,5") throw new Error("unexpected");
 * ```
 */
export const reluBackTs: ReluBackKernel = (x, g, dx) => reluBack32(bits(x), bits(g), bits(dx));

/** keep = (bits > 0) | (|bits| > +Inf's bits), as a mask. */
function relu32(xb: Int32Array, yb: Int32Array): void {
  for (let i = 0; i < xb.length; i++) {
    const b = xb[i];
    // (~b & -b) < 0 exactly when b > 0 as an int32; 0x7f800000 - |b| < 0 exactly for NaN.
    yb[i] = b & (((~b & -b) | (0x7f800000 - (b & 0x7fffffff))) >> 31);
  }
}

/** keep = bits in [1, +Inf's bits] (positive, not NaN), as a mask. */
function reluBack32(xb: Int32Array, gb: Int32Array, db: Int32Array): void {
  for (let i = 0; i < gb.length; i++) {
    // u = bits - 1 lies in [0, 0x7f7fffff] exactly when x > 0: both signs below must be 1.
    const u = (xb[i] - 1) | 0;
    db[i] = gb[i] & (~u >> 31) & ((u - 0x7f800000) >> 31);
  }
}
