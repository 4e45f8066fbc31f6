/**
 * Layout primitives: `reshape` and `transpose`. Both copy, so the result never aliases the
 * input's data, and each one's pullback is the inverse layout change applied to the cotangent.
 *
 * @module
 */

import {
  allocate,
  formatShape,
  fromTypedArray,
  type Shape,
  sizeOf,
  type Tensor,
} from "../tensor.ts";
import { type Primitive, unary } from "./primitive.ts";
import { assertTensor, cotangent, normalizeAxis } from "./_checks.ts";
import { coalesce, gatherLoop, stridesOf } from "./_strided.ts";
import { describeValue } from "../_checks.ts";

/**
 * The same elements in row-major order under a new shape. One dimension may be `-1`; it is
 * inferred from the element count. A shape of another size, more than one `-1`, or an invalid
 * dimension is a `TypeError`. The pullback reshapes the cotangent back.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.reshape(x, [3, -1]), tensor([[1, 2, 3], [4, 5, 6]]));
 * if (y.shape.join() !== "3,2" || y.data[2] !== 3) throw new Error("unexpected");
 * if (pullback(y).shape.join() !== "2,3") throw new Error("unexpected");
 * ```
 */
export const reshape: Primitive<[Tensor, shape: Shape]> = unary(
  "reshape",
  (x: Tensor, shape: Shape) => {
    assertTensor("reshape", x);
    const target = resolveShape(x, shape);
    const data = allocate(x.dtype, x.data.length);
    data.set(x.data);
    const y = fromTypedArray(data, target);
    return [y, (dy) => {
      const g = cotangent("reshape", dy, y.shape);
      const dx = allocate(x.dtype, g.length);
      dx.set(g);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

function resolveShape(x: Tensor, shape: Shape): number[] {
  const bad = (why: string) =>
    new TypeError(`Cannot reshape: ${formatShape(x.shape)} into ${describeValue(shape)}: ${why}`);
  if (!Array.isArray(shape)) throw bad("the shape must be an array of integers");
  let inferred = -1;
  let known = 1;
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === -1) {
      if (inferred >= 0) throw bad("at most one dimension may be -1");
      inferred = d;
    } else if (!Number.isInteger(n) || n < 0) {
      throw bad(`dimension ${describeValue(n)} is not a non-negative integer or -1`);
    } else {
      known *= n;
    }
  }
  const size = x.data.length;
  const out = [...shape];
  if (inferred >= 0) {
    if (known === 0 || size % known !== 0) {
      throw bad(`cannot infer the -1 dimension from ${size} elements`);
    }
    out[inferred] = size / known;
  } else if (known !== size) {
    throw bad(`${size} elements do not fill ${known}`);
  }
  return out;
}

/**
 * Permutes the axes: output axis `i` is input axis `axes[i]` (negative axes count from the
 * end). The default reverses the axes, so a matrix is transposed. A list that is not a
 * permutation of the axes is a `RangeError`. The pullback applies the inverse permutation.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().transpose(tensor([[1, 2, 3], [4, 5, 6]]));
 * if (y.shape.join() !== "3,2" || y.data.join() !== "1,4,2,5,3,6") throw new Error("unexpected");
 * ```
 */
export const transpose: Primitive<[Tensor, axes?: readonly number[]]> = unary(
  "transpose",
  (x: Tensor, axes?: readonly number[]) => {
    assertTensor("transpose", x);
    const rank = x.shape.length;
    const perm = axes === undefined ? x.shape.map((_, i) => rank - 1 - i) : checkPerm(x, axes);
    const inverse = new Array<number>(rank);
    for (let i = 0; i < rank; i++) inverse[perm[i]] = i;
    const y = permute(x.data, x.shape, perm, x);
    return [y, (dy) => {
      const g = cotangent("transpose", dy, y.shape);
      return permute(g, y.shape, inverse, x);
    }];
  },
);

function checkPerm(x: Tensor, axes: readonly number[]): number[] {
  const rank = x.shape.length;
  if (!Array.isArray(axes) || axes.length !== rank) {
    throw new RangeError(
      `Cannot transpose: axes ${describeValue(axes)} must list each of the ${rank} axes of shape ${
        formatShape(x.shape)
      } once`,
    );
  }
  const perm = axes.map((a) => normalizeAxis("transpose", a, x.shape));
  const seen = new Array<boolean>(rank).fill(false);
  for (const p of perm) {
    if (seen[p]) {
      throw new RangeError(
        `Cannot transpose: axes [${axes.join(",")}] repeat axis ${p} of shape ${
          formatShape(x.shape)
        }`,
      );
    }
    seen[p] = true;
  }
  return perm;
}

/** Copies `data` (of `shape`) into a fresh tensor in `like`'s dtype with axes permuted. */
function permute(data: ArrayLike<number>, shape: Shape, perm: number[], like: Tensor): Tensor {
  const outShape = perm.map((p) => shape[p]);
  const src = stridesOf(shape);
  const out = allocate(like.dtype, sizeOf(outShape));
  if (out.length > 0) gatherLoop(coalesce(outShape, [perm.map((p) => src[p])]), data, out);
  return fromTypedArray(out, outShape);
}
