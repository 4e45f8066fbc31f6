/**
 * `softmax` and `logSoftmax` along one axis, shifted by the maximum so that no `exp` overflows:
 * inputs of ±1000 give exact 0/1 probabilities and finite log-probabilities.
 *
 * Both walk the tensor as `[outer, n, inner]`, with `n` the softmax axis; the innermost loop
 * runs over `inner` contiguously with one running maximum and sum per column, so softmax over
 * a leading axis is as cache-friendly as over the last.
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, cotangent, normalizeAxis } from "./_checks.ts";
import { asDType } from "./_strided.ts";
import { type Primitive, unary } from "./primitive.ts";

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

interface Layout {
  outer: number;
  n: number;
  inner: number;
}

function layout(op: string, x: Tensor, axis: number): Layout {
  assertTensor(op, x);
  const ax = normalizeAxis(op, axis, x.shape);
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < ax; d++) outer *= x.shape[d];
  for (let d = ax + 1; d < x.shape.length; d++) inner *= x.shape[d];
  return { outer, n: x.shape[ax], inner };
}

/**
 * `v - m` for the row maximum `m`, except where `m` is +Infinity: there Infinity - Infinity
 * would be NaN, while the limit puts all the mass on the infinite entries (shifted to 0) and
 * none on the others (-Infinity).
 */
function shift(v: number, m: number): number {
  return m === Infinity ? (v === Infinity ? 0 : -Infinity) : v - m;
}

/**
 * Writes `x - max` (or `exp(x - max)` when `storeExp`) into `out`, and the sums of
 * `exp(x - max)` along the axis into `sums` (`[outer, inner]`).
 */
function shiftedExpSums(
  x: ArrayLike<number>,
  l: Layout,
  storeExp: boolean,
  out: Float64Array,
  sums: Float64Array,
): void {
  const { outer, n, inner } = l;
  const mx = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    mx.fill(-Infinity);
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[row + i];
        // `!(v <= m)` lets a NaN in, so it propagates instead of being skipped.
        if (!(v <= mx[i])) mx[i] = v;
      }
    }
    const s = o * inner;
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      if (storeExp) {
        for (let i = 0; i < inner; i++) {
          const e = Math.exp(shift(x[row + i], mx[i]));
          out[row + i] = e;
          sums[s + i] += e;
        }
      } else {
        for (let i = 0; i < inner; i++) {
          const z = shift(x[row + i], mx[i]);
          out[row + i] = z;
          sums[s + i] += Math.exp(z);
        }
      }
    }
  }
}

/**
 * softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along `axis` (default -1; RangeError when out of range).
 * With y = softmax(x), the pullback is dx = y ⊙ (dy - Σ dy ⊙ y) along the axis.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().softmax(tensor([[0, 0], [1000, -1000]], [2, 2], "float64"));
 * if (y.data.join() !== "0.5,0.5,1,0") throw new Error("unexpected");
 * ```
 */
export const softmax: Primitive<[Tensor, axis?: number]> = unary<[axis?: number]>(
  "softmax",
  (x, axis = -1) => {
    const l = layout("softmax", x, axis);
    const { outer, n, inner } = l;
    const e = new Float64Array(x.data.length);
    const sums = new Float64Array(outer * inner);
    shiftedExpSums(x.data, l, true, e, sums);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const row = (o * n + j) * inner;
        for (let i = 0; i < inner; i++) e[row + i] /= sums[o * inner + i];
      }
    }
    const out = asDType(e, x.dtype);
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("softmax", dy, x.shape);
      const dot = new Float64Array(inner);
      const dx = allocate(x.dtype, g.length);
      softmaxBack(out, g, dx, dot, outer, n, inner);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8). The same holds for `logSoftmaxBack` below.
function softmaxBack(
  out: FloatArray,
  g: FloatArray,
  dx: FloatArray,
  dot: Float64Array,
  outer: number,
  n: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    dot.fill(0);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) {
        dot[i] += g[base + j * inner + i] * out[base + j * inner + i];
      }
    }
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) {
        const k = base + j * inner + i;
        dx[k] = out[k] * (g[k] - dot[i]);
      }
    }
  }
}

/**
 * logSoftmax(x)ᵢ = xᵢ - log Σⱼ e^(xⱼ) along `axis` (default -1), computed as
 * (xᵢ - m) - log Σⱼ e^(xⱼ - m) with m the maximum, so it is finite for every finite input
 * (where the exact value lies below the dtype's most negative finite number, which takes a
 * spread of inputs wider than the dtype's range, it saturates there).
 * The pullback is dx = dy - softmax(x) · Σ dy along the axis.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().logSoftmax(tensor([1000, -1000], [2], "float64"));
 * if (y.data[0] !== 0 || y.data[1] !== -2000) throw new Error("unexpected");
 * ```
 */
export const logSoftmax: Primitive<[Tensor, axis?: number]> = unary<[axis?: number]>(
  "logSoftmax",
  (x, axis = -1) => {
    const l = layout("logSoftmax", x, axis);
    const { outer, n, inner } = l;
    const z = new Float64Array(x.data.length);
    const sums = new Float64Array(outer * inner);
    shiftedExpSums(x.data, l, false, z, sums);
    for (let k = 0; k < sums.length; k++) sums[k] = Math.log(sums[k]);
    // Only when the input's spread exceeds the dtype's range is the exact value below the most
    // negative finite number; it saturates there instead of becoming -Infinity.
    const lowest = x.dtype === "float32" ? -FLOAT32_MAX : -Number.MAX_VALUE;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const row = (o * n + j) * inner;
        for (let i = 0; i < inner; i++) {
          const v = z[row + i] - sums[o * inner + i];
          z[row + i] = v < lowest ? lowest : v;
        }
      }
    }
    const out = asDType(z, x.dtype);
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("logSoftmax", dy, x.shape);
      const total = new Float64Array(inner);
      const dx = allocate(x.dtype, g.length);
      logSoftmaxBack(out, g, dx, total, outer, n, inner);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

function logSoftmaxBack(
  out: FloatArray,
  g: FloatArray,
  dx: FloatArray,
  total: Float64Array,
  outer: number,
  n: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    total.fill(0);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) total[i] += g[base + j * inner + i];
    }
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < inner; i++) {
        const k = base + j * inner + i;
        dx[k] = g[k] - Math.exp(out[k]) * total[i];
      }
    }
  }
}
