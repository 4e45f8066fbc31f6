/**
 * Elementwise choices: `where` (by a mask), `maximum` and `minimum` (by comparison, with
 * broadcasting) and `clip` (to an interval).
 *
 * Each output element is one of the inputs' elements, so each pullback routes the cotangent to
 * the input that was chosen and sums it back to that input's shape, as `add` does for a
 * broadcast input. Ties of `maximum`/`minimum` split it evenly, as PyTorch does.
 *
 * @module
 */

import {
  allocate,
  assertSameDType,
  type FloatArray,
  fromTypedArray,
  type Shape,
  sizeOf,
  type Tensor,
} from "../tensor.ts";
import { checkNumber } from "../_checks.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { asDType, expandTo, reduceTo, SUM } from "./_strided.ts";
import { broadcastShapes } from "./broadcast.ts";
import { type Primitive, primitive } from "./primitive.ts";

/** For each position of `big`, the flat index of the element of `small` broadcast there. */
export function broadcastIndex(small: Shape, big: Shape): Int32Array {
  const iota = Int32Array.from({ length: sizeOf(small) }, (_, i) => i);
  const out = new Int32Array(sizeOf(big));
  expandTo(iota, small, big, out);
  return out;
}

/** `g · weight` (per element of the broadcast shape) summed back to `like`'s shape. */
function routed(g: FloatArray, weight: Float64Array, big: Shape, like: Tensor): Tensor {
  const w = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) w[i] = g[i] * weight[i];
  return fromTypedArray(asDType(reduceTo(SUM, w, big, like.shape), like.dtype), like.shape);
}

/**
 * Elementwise `cond != 0 ? a : b`, broadcasting all three (a NaN in `cond` counts as true).
 * `a` and `b` share a dtype, the output's; `cond` may have either. The mask is not
 * differentiable: its cotangent, when asked for, is zeros. `da` and `db` are `dy` where each
 * was chosen, summed back to their shapes.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().where(tensor([1, 0, 1]), tensor([1, 2, 3]), tensor([0]));
 * if (y.data.join() !== "1,0,3") throw new Error("unexpected");
 * ```
 */
export const where: Primitive<[cond: Tensor, a: Tensor, b: Tensor]> = primitive(
  "where",
  3,
  (_backend, cond: Tensor, a: Tensor, b: Tensor) => {
    assertTensor("where", cond, "the condition");
    assertTensor("where", a, "the first choice a");
    assertTensor("where", b, "the second choice b");
    assertSameDType("where", a, b);
    const big = broadcastShapes(broadcastShapes(cond.shape, a.shape, "where"), b.shape, "where");
    const ic = broadcastIndex(cond.shape, big);
    const ia = broadcastIndex(a.shape, big);
    const ib = broadcastIndex(b.shape, big);
    const n = ic.length;
    const out = allocate(a.dtype, n);
    const pick = new Float64Array(n); // 1 where a was chosen
    for (let i = 0; i < n; i++) {
      if (cond.data[ic[i]] !== 0) {
        out[i] = a.data[ia[i]];
        pick[i] = 1;
      } else {
        out[i] = b.data[ib[i]];
      }
    }
    const y = fromTypedArray(out, big);
    return [y, (dy, needs) => {
      const g = cotangent("where", dy, big);
      let other: Float64Array | undefined;
      if (needs[2]) {
        other = new Float64Array(n);
        complement(pick, other);
      }
      return [
        needs[0] ? fromTypedArray(allocate(cond.dtype, cond.data.length), cond.shape) : undefined,
        needs[1] ? routed(g, pick, big, a) : undefined,
        other !== undefined ? routed(g, other, big, b) : undefined,
      ];
    }];
  },
);

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8). The same holds for `clipBack` below.
function complement(pick: Float64Array, other: Float64Array): void {
  for (let i = 0; i < other.length; i++) other[i] = 1 - pick[i];
}

/**
 * `maximum` (`larger`) or `minimum`: the chosen element, and the weights of the cotangent for
 * `a` and `b`: 1 for the one chosen, ½ each on a tie, 0 for both where either is NaN (the
 * output is NaN there, as IEEE and PyTorch have it).
 */
function extremum(op: string, larger: boolean, a: Tensor, b: Tensor) {
  assertTensor(op, a, "the first argument");
  assertTensor(op, b, "the second argument");
  assertSameDType(op, a, b);
  const big = broadcastShapes(a.shape, b.shape, op);
  const ia = broadcastIndex(a.shape, big);
  const ib = broadcastIndex(b.shape, big);
  const n = ia.length;
  const out = allocate(a.dtype, n);
  const wa = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = a.data[ia[i]], v = b.data[ib[i]];
    if (u === v) {
      out[i] = u;
      wa[i] = 0.5;
    } else if (larger ? u > v : u < v) {
      out[i] = u;
      wa[i] = 1;
    } else if (larger ? v > u : v < u) {
      out[i] = v;
    } else {
      out[i] = NaN;
      wa[i] = NaN; // marks "neither" for the pullback
    }
  }
  const y = fromTypedArray(out, big);
  return [y, (dy: Tensor, needs: readonly boolean[]) => {
    const g = cotangent(op, dy, big);
    let ga: Float64Array | undefined, gb: Float64Array | undefined;
    if (needs[0]) ga = wa.map((w) => (w === w ? w : 0));
    if (needs[1]) gb = wa.map((w) => (w === w ? 1 - w : 0));
    return [
      ga !== undefined ? routed(g, ga, big, a) : undefined,
      gb !== undefined ? routed(g, gb, big, b) : undefined,
    ];
  }] as const;
}

/**
 * The elementwise larger of `a` and `b`, with broadcasting; NaN where either is NaN. The
 * cotangent goes to the larger, half to each on a tie (as PyTorch).
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().maximum(tensor([1, 5, 3]), tensor([2]));
 * if (y.data.join() !== "2,5,3") throw new Error("unexpected");
 * ```
 */
export const maximum: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "maximum",
  2,
  (_backend, a: Tensor, b: Tensor) => extremum("maximum", true, a, b),
);

/**
 * The elementwise smaller of `a` and `b`, with broadcasting; NaN where either is NaN. The
 * cotangent goes to the smaller, half to each on a tie (as PyTorch).
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().minimum(tensor([1, 5, 3]), tensor([2]));
 * if (y.data.join() !== "1,2,2") throw new Error("unexpected");
 * ```
 */
export const minimum: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "minimum",
  2,
  (_backend, a: Tensor, b: Tensor) => extremum("minimum", false, a, b),
);

/**
 * `x` clamped elementwise to `[lo, hi]` (`lo <= hi`; either may be infinite, neither NaN).
 * The gradient is 1 where `lo <= x <= hi` (the bounds included) and 0 outside.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().clip(tensor([-2, 0.5, 7]), 0, 1);
 * if (y.data.join() !== "0,0.5,1") throw new Error("unexpected");
 * ```
 */
export const clip: Primitive<[x: Tensor, lo: number, hi: number]> = primitive(
  "clip",
  1,
  (_backend, x: Tensor, lo: number, hi: number) => {
    assertTensor("clip", x, "the input x");
    checkNumber("Cannot clip", "lo", lo, { infinite: true });
    checkNumber("Cannot clip", "hi", hi, { infinite: true });
    if (lo > hi) {
      throw new RangeError(`Cannot clip: lo must be <= hi, got lo = ${lo} and hi = ${hi}`);
    }
    const n = x.data.length;
    const out = allocate(x.dtype, n);
    for (let i = 0; i < n; i++) {
      const v = x.data[i];
      out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    const y = fromTypedArray(out, x.shape);
    return [y, (dy, needs) => {
      const g = cotangent("clip", dy, x.shape);
      if (!needs[0]) return [undefined];
      const dx = allocate(x.dtype, n);
      clipBack(x.data, g, dx, lo, hi);
      return [fromTypedArray(dx, x.shape)];
    }];
  },
);

function clipBack(xd: FloatArray, g: FloatArray, dx: FloatArray, lo: number, hi: number): void {
  for (let i = 0; i < dx.length; i++) {
    const v = xd[i];
    dx[i] = v >= lo && v <= hi ? g[i] : 0;
  }
}
