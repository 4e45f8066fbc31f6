/**
 * Integer-valued results with no derivative: `argmax`, `oneHot` and `equal`. Their outputs
 * are piecewise constant, so they have no pullback; a trace rejects them on an input that
 * needs a gradient (call them on constants: labels, or a prediction outside the
 * differentiated function). Integers are stored as floats, in the input's dtype.
 *
 * @module
 */

import { allocate, assertSameDType, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkInteger } from "../_checks.ts";
import { assertTensor, normalizeAxis } from "./_checks.ts";
import { broadcastShapes } from "./broadcast.ts";
import { broadcastIndex } from "./select.ts";
import { type Primitive, primitive } from "./primitive.ts";

/**
 * The position of the largest element along `axis` (default the last; negative counts from
 * the end), the axis removed, in x's dtype. The first position wins a tie; a NaN wins over
 * any number (so a NaN is found, as numpy's `argmax`). The axis must not be empty.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().argmax(tensor([[1, 9, 3], [7, 2, 7]]));
 * if (y.data.join() !== "1,0") throw new Error("unexpected");
 * ```
 */
export const argmax: Primitive<[x: Tensor, axis?: number]> = primitive(
  "argmax",
  1,
  (_backend, x: Tensor, axis: number = -1) => {
    assertTensor("argmax", x, "the input x");
    const d = normalizeAxis("argmax", axis, x.shape);
    const n = x.shape[d];
    if (n === 0) {
      throw new RangeError(
        `Cannot argmax: axis ${axis} of shape ${
          formatShape(x.shape)
        } is empty (no largest element)`,
      );
    }
    const outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const out = allocate(x.dtype, outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let e = 0; e < inner; e++) {
        const base = o * n * inner + e;
        let best = x.data[base];
        let at = 0;
        for (let j = 1; j < n && best === best; j++) {
          const v = x.data[base + j * inner];
          if (v > best || v !== v) {
            best = v;
            at = j;
          }
        }
        out[o * inner + e] = at;
      }
    }
    return [fromTypedArray(out, x.shape.filter((_, k) => k !== d)), undefined];
  },
);

/**
 * One-hot rows: for indices of any shape (integers stored as floats, each in `[0, classes)`),
 * a tensor of shape `[...indices.shape, classes]` in their dtype, 1 at each index and 0
 * elsewhere.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().oneHot(tensor([2, 0]), 3);
 * if (y.data.join() !== "0,0,1,1,0,0") throw new Error("unexpected");
 * ```
 */
export const oneHot: Primitive<[indices: Tensor, classes: number]> = primitive(
  "oneHot",
  1,
  (_backend, indices: Tensor, classes: number) => {
    assertTensor("oneHot", indices, "the indices");
    checkInteger("Cannot oneHot", "classes", classes, { min: 1 });
    const n = indices.data.length;
    const out = allocate(indices.dtype, n * classes, "oneHot");
    for (let i = 0; i < n; i++) {
      const c = indices.data[i];
      if (!Number.isInteger(c) || c < 0 || c >= classes) {
        throw new RangeError(
          `Cannot oneHot: index ${c} at flat position ${i} of shape ${
            formatShape(indices.shape)
          } is not an integer in [0, ${classes - 1}]`,
        );
      }
      out[i * classes + c] = 1;
    }
    return [fromTypedArray(out, [...indices.shape, classes]), undefined];
  },
);

/**
 * 1 where `a` and `b` are equal and 0 elsewhere, with broadcasting, in their (shared) dtype.
 * NaN equals nothing, as IEEE has it. Accuracy is `mean(equal(argmax(logits), labels))`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().equal(tensor([[1, 2], [3, 2]]), tensor([1, 2]));
 * if (y.data.join() !== "1,1,0,1") throw new Error("unexpected");
 * ```
 */
export const equal: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "equal",
  2,
  (_backend, a: Tensor, b: Tensor) => {
    assertTensor("equal", a, "the first argument");
    assertTensor("equal", b, "the second argument");
    assertSameDType("equal", a, b);
    const big = broadcastShapes(a.shape, b.shape, "equal");
    const ia = broadcastIndex(a.shape, big);
    const ib = broadcastIndex(b.shape, big);
    const out = allocate(a.dtype, ia.length);
    for (let i = 0; i < ia.length; i++) out[i] = a.data[ia[i]] === b.data[ib[i]] ? 1 : 0;
    return [fromTypedArray(out, big), undefined];
  },
);
