/**
 * Elementwise arithmetic of two tensors with numpy broadcasting: `add`, `sub`, `mul`, `div`.
 *
 * Each VJP computes the cotangent at the broadcast shape and sums it back to each input's
 * shape (an input broadcast along an axis was used once per position on that axis, so its
 * gradient collects all of them). The products in `mul` and `div` are fused into that sum, so
 * no broadcast-sized temporary is made for them.
 *
 * @module
 */

import {
  allocate,
  assertSameDType,
  type FloatArray,
  fromTypedArray,
  shapesEqual,
  sizeOf,
  type Tensor,
} from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import {
  ADD,
  asDType,
  binaryLoop,
  type BinaryOp,
  broadcastStrides,
  coalesce,
  DIV,
  MUL,
  reduceTo,
  SUB,
  SUM,
} from "./_strided.ts";
import { broadcastShapes } from "./broadcast.ts";
import { denseBinary, denseNegate } from "./_dense_loops.ts";

import { type Primitive, primitive } from "./primitive.ts";

function forward(op: string, code: BinaryOp, a: Tensor, b: Tensor): Tensor {
  assertTensor(op, a, "the first argument");
  assertTensor(op, b, "the second argument");
  assertSameDType(op, a, b);
  const big = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(a.dtype, sizeOf(big));
  if (
    out.length > 0 && !(shapesEqual(a.shape, b.shape) && denseBinary(code, a.data, b.data, out))
  ) {
    const nest = coalesce(big, [broadcastStrides(a.shape, big), broadcastStrides(b.shape, big)]);
    binaryLoop(code, nest, a.data, b.data, out);
  }
  return fromTypedArray(out, big);
}

function wrap(acc: Float64Array, like: Tensor): Tensor {
  return fromTypedArray(asDType(acc, like.dtype), like.shape);
}

/**
 * Whether input `x` has the output's shape and the cotangent's dtype: then its cotangent needs
 * no reduction over broadcast axes, and the dense loops (or `dy` itself) serve.
 */
function unbroadcast(x: Tensor, y: Tensor, dy: Tensor): boolean {
  return x.dtype === dy.dtype && shapesEqual(x.shape, y.shape);
}

/** `code(g, s)` into a fresh array shaped like `like` (same length, dtype). */
function denseBack(code: BinaryOp, g: FloatArray, s: FloatArray, like: Tensor): Tensor {
  const out = allocate(like.dtype, g.length);
  if (!denseBinary(code, g, s, out)) {
    binaryLoop(code, { shape: [g.length], strides: [[1], [1]] }, g, s, out);
  }
  return fromTypedArray(out, like.shape);
}

function negated(g: FloatArray, like: Tensor): Tensor {
  const out = allocate(like.dtype, g.length);
  denseNegate(g, out);
  return fromTypedArray(out, like.shape);
}

// A top-level function, not a loop inside div's pullback closure: the closure is made afresh
// for every call, and its loop ran unoptimised often enough to box every element it read (16
// bytes of heap per element; measured under V8).
function mulInto(g: FloatArray, yd: FloatArray, gy: Float64Array): void {
  for (let i = 0; i < g.length; i++) gy[i] = g[i] * yd[i];
}

function negate(acc: Float64Array): Float64Array {
  for (let i = 0; i < acc.length; i++) acc[i] = -acc[i];
  return acc;
}

/**
 * `a + b` with broadcasting. d/da = 1, d/db = 1.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const a = tensor([[1, 2], [3, 4]]);
 * const [y, pullback] = vjp((t, b) => t.add(a, b), tensor([10, 20]));
 * if (y.data.join() !== "11,22,13,24") throw new Error("unexpected");
 * const db = pullback(tensor([[1, 1], [1, 1]]));
 * if (db.data.join() !== "2,2") throw new Error("b was used twice per element");
 * ```
 */
export const add: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "add",
  2,
  (_backend, a: Tensor, b: Tensor) => {
    const y = forward("add", ADD, a, b);
    return [y, (dy, needs) => {
      const g = cotangent("add", dy, y.shape);
      // Tensors are immutable, so an unbroadcast input's cotangent is dy itself, shared.
      return [
        needs[0]
          ? (unbroadcast(a, y, dy) ? dy : wrap(reduceTo(SUM, g, y.shape, a.shape), a))
          : undefined,
        needs[1]
          ? (unbroadcast(b, y, dy) ? dy : wrap(reduceTo(SUM, g, y.shape, b.shape), b))
          : undefined,
      ];
    }];
  },
);

/**
 * `a - b` with broadcasting. d/da = 1, d/db = -1.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().sub(tensor([5, 7]), tensor([1]));
 * if (y.data.join() !== "4,6") throw new Error("unexpected");
 * ```
 */
export const sub: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "sub",
  2,
  (_backend, a: Tensor, b: Tensor) => {
    const y = forward("sub", SUB, a, b);
    return [y, (dy, needs) => {
      const g = cotangent("sub", dy, y.shape);
      return [
        needs[0]
          ? (unbroadcast(a, y, dy) ? dy : wrap(reduceTo(SUM, g, y.shape, a.shape), a))
          : undefined,
        needs[1]
          ? (unbroadcast(b, y, dy)
            ? negated(g, b)
            : wrap(negate(reduceTo(SUM, g, y.shape, b.shape)), b))
          : undefined,
      ];
    }];
  },
);

/**
 * `a * b` elementwise with broadcasting. d/da = b, d/db = a.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const b = tensor([4, 5]);
 * const [y, pullback] = vjp((t, a) => t.mul(a, b), tensor([2, 3]));
 * if (y.data.join() !== "8,15") throw new Error("unexpected");
 * const da = pullback(tensor([1, 1]));
 * if (da.data.join() !== "4,5") throw new Error("d(ab)/da = b");
 * ```
 */
export const mul: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "mul",
  2,
  (_backend, a: Tensor, b: Tensor) => {
    const y = forward("mul", MUL, a, b);
    return [y, (dy, needs) => {
      const g = cotangent("mul", dy, y.shape);
      // Same shapes: each cotangent is one product per element, no sum, so the dense loop
      // gives what the float64 accumulator rounded once would.
      const same = shapesEqual(a.shape, b.shape);
      return [
        needs[0]
          ? (same && unbroadcast(a, y, dy)
            ? denseBack(MUL, g, b.data, a)
            : wrap(reduceTo(MUL, g, y.shape, a.shape, b.data, b.shape), a))
          : undefined,
        needs[1]
          ? (same && unbroadcast(b, y, dy)
            ? denseBack(MUL, g, a.data, b)
            : wrap(reduceTo(MUL, g, y.shape, b.shape, a.data, a.shape), b))
          : undefined,
      ];
    }];
  },
);

/**
 * `a / b` elementwise with broadcasting (IEEE: division by zero gives ±Infinity or NaN).
 * d/da = 1/b, d/db = -a/b² = -y/b.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const a = tensor([1, 6]);
 * const [y, pullback] = vjp((t, b) => t.div(a, b), tensor([2]));
 * if (y.data.join() !== "0.5,3") throw new Error("unexpected");
 * const db = pullback(tensor([1, 1]));
 * if (db.data[0] !== -(1 / 4 + 6 / 4)) throw new Error("d(a/b)/db = -a/b²");
 * ```
 */
export const div: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "div",
  2,
  (_backend, a: Tensor, b: Tensor) => {
    const y = forward("div", DIV, a, b);
    return [y, (dy, needs) => {
      const g = cotangent("div", dy, y.shape);
      let db: Tensor | undefined;
      if (needs[1]) {
        const gy = new Float64Array(g.length);
        mulInto(g, y.data, gy);
        db = wrap(negate(reduceTo(DIV, gy, y.shape, b.shape, b.data, b.shape)), b);
      }
      return [
        needs[0] ? wrap(reduceTo(DIV, g, y.shape, a.shape, b.data, b.shape), a) : undefined,
        db,
      ];
    }];
  },
);
