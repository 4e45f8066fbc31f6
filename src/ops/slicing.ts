/**
 * Reading parts of a tensor: `slice` (a box), `index` (one position of an axis, the axis
 * dropped) and `take` (positions of an axis, in any order, repeats allowed).
 *
 * Each output element is one input element, so each pullback puts the cotangent back where the
 * element came from, in zeros elsewhere: a scatter for `slice` and `index`, a scatter-add for
 * `take` (a position taken twice collects both cotangents).
 *
 * @module
 */

import {
  allocate,
  type FloatArray,
  formatShape,
  fromTypedArray,
  type Shape,
  type Tensor,
} from "../tensor.ts";
import { describeValue } from "../_checks.ts";
import { assertTensor, cotangent, normalizeAxis } from "./_checks.ts";
import { boxAt, copyBox, whole } from "./_region.ts";
import { type Primitive, primitive } from "./primitive.ts";

function intList(op: string, name: string, v: unknown, shape: Shape): readonly number[] {
  if (!Array.isArray(v) || v.some((e) => typeof e !== "number")) {
    throw new TypeError(
      `Cannot ${op}: ${name} must be an array of integers, got ${describeValue(v)}`,
    );
  }
  if (v.length !== shape.length) {
    throw new TypeError(
      `Cannot ${op}: ${name} ${describeValue(v)} has ${v.length} entries for shape ${
        formatShape(shape)
      } (rank ${shape.length})`,
    );
  }
  return v;
}

/** One position along an axis of length `n`, negative counting from the end (RangeError). */
function position(op: string, what: string, i: unknown, n: number, shape: Shape): number {
  if (typeof i !== "number") {
    throw new TypeError(`Cannot ${op}: ${what} must be an integer, got ${describeValue(i)}`);
  }
  if (!Number.isInteger(i) || i < -n || i >= n) {
    throw new RangeError(
      `Cannot ${op}: ${what} ${i} is out of range for an axis of length ${n} in shape ${
        formatShape(shape)
      } (positions are integers in [${-n}, ${n - 1}])`,
    );
  }
  return i < 0 ? i + n : i;
}

/** The pullback of a box read out of `x`: the cotangent in that box of zeros of x's shape. */
function scatterBox(op: string, x: Tensor, begin: readonly number[], box: Shape, yShape: Shape) {
  return (dy: Tensor, needs: readonly boolean[]) => {
    const g = cotangent(op, dy, yShape);
    if (!needs[0]) return [undefined];
    const dx = allocate(x.dtype, x.data.length);
    copyBox(box, g, whole(box), dx, boxAt(x.shape, begin));
    return [fromTypedArray(dx, x.shape)];
  };
}

/**
 * The box of `x` starting at `begin` with extent `size` per axis, as `tf.slice`: a size of -1
 * runs to the end of that axis. The pullback scatters `dy` into zeros of x's shape.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().slice(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [-1, 2]);
 * if (y.data.join() !== "2,3,5,6") throw new Error("unexpected");
 * ```
 */
export const slice: Primitive<[x: Tensor, begin: readonly number[], size: readonly number[]]> =
  primitive(
    "slice",
    1,
    (_backend, x: Tensor, begin: readonly number[], size: readonly number[]) => {
      assertTensor("slice", x, "the input x");
      intList("slice", "begin", begin, x.shape);
      intList("slice", "size", size, x.shape);
      const out = x.shape.map((n, d) => {
        const b = begin[d], s = size[d];
        if (!Number.isInteger(b) || b < 0 || b > n) {
          throw new RangeError(
            `Cannot slice: begin[${d}] = ${b} is out of range for shape ${
              formatShape(x.shape)
            } (an integer in [0, ${n}])`,
          );
        }
        if (!Number.isInteger(s) || s < -1 || b + s > n) {
          throw new RangeError(
            `Cannot slice: size[${d}] = ${s} from begin ${b} runs past shape ${
              formatShape(x.shape)
            } (-1 or an integer in [0, ${n - b}])`,
          );
        }
        return s === -1 ? n - b : s;
      });
      const data = allocate(x.dtype, out.reduce((a, b) => a * b, 1));
      copyBox(out, x.data, boxAt(x.shape, begin), data, whole(out));
      const y = fromTypedArray(data, out);
      return [y, scatterBox("slice", x, begin, out, out)];
    },
  );

/**
 * Position `i` of axis `axis` of `x`, the axis dropped: `index(x, i, 1)` is numpy's
 * `x[:, i]`. Negative `i` and `axis` count from the end. The pullback scatters `dy` into
 * zeros of x's shape.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().index(tensor([[1, 2, 3], [4, 5, 6]]), -1, 1);
 * if (y.data.join() !== "3,6" || y.shape.join() !== "2") throw new Error("unexpected");
 * ```
 */
export const index: Primitive<[x: Tensor, i: number, axis: number]> = primitive(
  "index",
  1,
  (_backend, x: Tensor, i: number, axis: number) => {
    assertTensor("index", x, "the input x");
    const d = normalizeAxis("index", axis, x.shape);
    const p = position("index", "the position i", i, x.shape[d], x.shape);
    const begin = x.shape.map((_, k) => (k === d ? p : 0));
    const box = x.shape.map((n, k) => (k === d ? 1 : n));
    const out = x.shape.filter((_, k) => k !== d);
    const data = allocate(x.dtype, out.reduce((a, b) => a * b, 1));
    copyBox(box, x.data, boxAt(x.shape, begin), data, whole(box));
    const y = fromTypedArray(data, out);
    return [y, scatterBox("index", x, begin, box, out)];
  },
);

/**
 * The positions `indices` of axis `axis` of `x`, in that order (repeats allowed; negative
 * indices and axis count from the end): numpy's `take(x, indices, axis)`. The output has
 * `indices.length` in place of the axis. The pullback adds each `dy` slab back to the
 * position it was taken from.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().take(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0, 2], 0);
 * if (y.data.join() !== "5,6,1,2,5,6") throw new Error("unexpected");
 * ```
 */
export const take: Primitive<[x: Tensor, indices: readonly number[], axis: number]> = primitive(
  "take",
  1,
  (_backend, x: Tensor, indices: readonly number[], axis: number) => {
    assertTensor("take", x, "the input x");
    const d = normalizeAxis("take", axis, x.shape);
    if (!Array.isArray(indices)) {
      throw new TypeError(
        `Cannot take: indices must be an array of integers, got ${describeValue(indices)}`,
      );
    }
    const n = x.shape[d];
    const at = Int32Array.from(indices, (i, k) => position("take", `indices[${k}]`, i, n, x.shape));
    const outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const k = at.length;
    const out = x.shape.map((m, j) => (j === d ? k : m));
    const data = allocate(x.dtype, outer * k * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < k; j++) {
        const src = (o * n + at[j]) * inner, dst = (o * k + j) * inner;
        for (let e = 0; e < inner; e++) data[dst + e] = x.data[src + e];
      }
    }
    const y = fromTypedArray(data, out);
    return [y, (dy, needs) => {
      const g = cotangent("take", dy, out);
      if (!needs[0]) return [undefined];
      // Accumulated in double: a position taken many times sums many cotangents.
      const acc = new Float64Array(x.data.length);
      takeBack(g, at, acc, outer, n, inner);
      const dx = allocate(x.dtype, acc.length);
      dx.set(acc);
      return [fromTypedArray(dx, x.shape)];
    }];
  },
);

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8).
function takeBack(
  g: FloatArray,
  at: Int32Array,
  acc: Float64Array,
  outer: number,
  n: number,
  inner: number,
): void {
  const k = at.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const dst = (o * n + at[j]) * inner, src = (o * k + j) * inner;
      for (let e = 0; e < inner; e++) acc[dst + e] += g[src + e];
    }
  }
}
