/**
 * Numpy broadcasting: the shape rule, and the two primitives it induces, `broadcastTo` and its
 * adjoint `sumTo` (each is the other's pullback).
 *
 * @module
 */

import {
  allocate,
  checkShape,
  formatShape,
  fromTypedArray,
  type Shape,
  type Tensor,
} from "../tensor.ts";
import { type Primitive, unary } from "./primitive.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { asDType, expandTo, reduceTo, SUM } from "./_strided.ts";
import { checkShape as checkShapeOf } from "../_checks.ts";

/**
 * The shape two shapes broadcast to under numpy's rule: align them on the right; along each
 * axis the sizes must be equal or one of them 1 (a missing leading axis counts as 1). Throws a
 * `TypeError` naming `op` and both shapes when they do not broadcast.
 *
 * @example
 * ```ts
 * import { broadcastShapes } from "./broadcast.ts";
 * const s = broadcastShapes([4, 1, 3], [5, 1]);
 * if (s.join() !== "4,5,3") throw new Error("unexpected");
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op = "broadcastShapes"): number[] {
  checkShapeOf(op, a, "the first shape");
  checkShapeOf(op, b, "the second shape");
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let d = 1; d <= rank; d++) {
    const m = d <= a.length ? a[a.length - d] : 1;
    const n = d <= b.length ? b[b.length - d] : 1;
    if (m !== n && m !== 1 && n !== 1) {
      throw new TypeError(
        `Cannot ${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast ` +
          `(axis ${-d}: ${m} vs ${n})`,
      );
    }
    out[rank - d] = m === 1 ? n : m;
  }
  checkShapeOf(op, out, "the broadcast shape");
  return out;
}

/**
 * Broadcasts `x` to `shape` (numpy rules; `shape` must be what `x` and `shape` broadcast to).
 * The pullback sums the cotangent back over the broadcast axes.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.broadcastTo(x, [3, 2]), tensor([1, 2]));
 * if (y.data.join() !== "1,2,1,2,1,2") throw new Error("unexpected");
 * const dx = pullback(tensor([[1, 1], [1, 1], [1, 1]]));
 * if (dx.data.join() !== "3,3") throw new Error("each input element was used 3 times");
 * ```
 */
export const broadcastTo: Primitive<[Tensor, shape: Shape]> = unary(
  "broadcastTo",
  (x: Tensor, shape: Shape) => {
    const op = "broadcastTo";
    assertTensor(op, x);
    checkShape(shape, op);
    const target = broadcastShapes(x.shape, shape, op);
    if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
      throw new TypeError(
        `Cannot ${op}: shape ${formatShape(x.shape)} does not broadcast to ${formatShape(shape)}`,
      );
    }
    const data = allocate(x.dtype, target.reduce((p, d) => p * d, 1));
    expandTo(x.data, x.shape, target, data);
    const y = fromTypedArray(data, target);
    return [y, (dy) => {
      const g = cotangent(op, dy, y.shape);
      return fromTypedArray(asDType(reduceTo(SUM, g, target, x.shape), x.dtype), x.shape);
    }];
  },
);

/**
 * Sums `x` down to `shape`, the adjoint of {@linkcode broadcastTo}: every axis where `shape`
 * has 1 (or is missing on the left) is summed. `x`'s shape must be what `shape` broadcasts to.
 * Useful for bias gradients. The pullback broadcasts the cotangent back.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().sumTo(tensor([[1, 2], [3, 4], [5, 6]]), [2]);
 * if (y.data.join() !== "9,12") throw new Error("unexpected");
 * ```
 */
export const sumTo: Primitive<[Tensor, shape: Shape]> = unary(
  "sumTo",
  (x: Tensor, shape: Shape) => {
    const op = "sumTo";
    assertTensor(op, x);
    checkShape(shape, op);
    const big = broadcastShapes(x.shape, shape, op);
    if (big.length !== x.shape.length || big.some((d, i) => d !== x.shape[i])) {
      throw new TypeError(
        `Cannot ${op}: shape ${formatShape(x.shape)} does not reduce to ${formatShape(shape)}`,
      );
    }
    const small = [...shape];
    const y = fromTypedArray(asDType(reduceTo(SUM, x.data, big, small), x.dtype), small);
    return [y, (dy) => {
      const g = cotangent(op, dy, y.shape);
      const data = allocate(x.dtype, x.data.length);
      expandTo(g, small, big, data);
      return fromTypedArray(data, x.shape);
    }];
  },
);
