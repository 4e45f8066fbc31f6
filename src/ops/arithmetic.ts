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

import { allocate, assertSameDType, fromTypedArray, sizeOf, type Tensor } from "../tensor.ts";
import type { Vjp } from "../vjp.ts";
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

/** The pullback of a binary op: cotangents of both inputs, in argument order. */
export type BinaryVjp = Vjp<Tensor, [da: Tensor, db: Tensor]>;

function forward(op: string, code: BinaryOp, a: Tensor, b: Tensor): Tensor {
  assertTensor(op, a, "the first argument");
  assertTensor(op, b, "the second argument");
  assertSameDType(op, a, b);
  const big = broadcastShapes(a.shape, b.shape, op);
  const out = allocate(a.dtype, sizeOf(big));
  if (out.length > 0) {
    const nest = coalesce(big, [broadcastStrides(a.shape, big), broadcastStrides(b.shape, big)]);
    binaryLoop(code, nest, a.data, b.data, out);
  }
  return fromTypedArray(out, big);
}

function wrap(acc: Float64Array, like: Tensor): Tensor {
  return fromTypedArray(asDType(acc, like.dtype), like.shape);
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
 * import { add } from "./arithmetic.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = add(tensor([[1, 2], [3, 4]]), tensor([10, 20]));
 * if (y.data.join() !== "11,22,13,24") throw new Error("unexpected");
 * const [, db] = vjp(tensor([[1, 1], [1, 1]]));
 * if (db.data.join() !== "2,2") throw new Error("b was used twice per element");
 * ```
 */
export function add(a: Tensor, b: Tensor): [Tensor, BinaryVjp] {
  const y = forward("add", ADD, a, b);
  return [y, (dy) => {
    const g = cotangent("add", dy, y.shape);
    return [
      wrap(reduceTo(SUM, g, y.shape, a.shape), a),
      wrap(reduceTo(SUM, g, y.shape, b.shape), b),
    ];
  }];
}

/**
 * `a - b` with broadcasting. d/da = 1, d/db = -1.
 *
 * @example
 * ```ts
 * import { sub } from "./arithmetic.ts";
 * import { tensor } from "../tensor.ts";
 * const [y] = sub(tensor([5, 7]), tensor([1]));
 * if (y.data.join() !== "4,6") throw new Error("unexpected");
 * ```
 */
export function sub(a: Tensor, b: Tensor): [Tensor, BinaryVjp] {
  const y = forward("sub", SUB, a, b);
  return [y, (dy) => {
    const g = cotangent("sub", dy, y.shape);
    return [
      wrap(reduceTo(SUM, g, y.shape, a.shape), a),
      wrap(negate(reduceTo(SUM, g, y.shape, b.shape)), b),
    ];
  }];
}

/**
 * `a * b` elementwise with broadcasting. d/da = b, d/db = a.
 *
 * @example
 * ```ts
 * import { mul } from "./arithmetic.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = mul(tensor([2, 3]), tensor([4, 5]));
 * if (y.data.join() !== "8,15") throw new Error("unexpected");
 * const [da] = vjp(tensor([1, 1]));
 * if (da.data.join() !== "4,5") throw new Error("d(ab)/da = b");
 * ```
 */
export function mul(a: Tensor, b: Tensor): [Tensor, BinaryVjp] {
  const y = forward("mul", MUL, a, b);
  return [y, (dy) => {
    const g = cotangent("mul", dy, y.shape);
    return [
      wrap(reduceTo(MUL, g, y.shape, a.shape, b.data, b.shape), a),
      wrap(reduceTo(MUL, g, y.shape, b.shape, a.data, a.shape), b),
    ];
  }];
}

/**
 * `a / b` elementwise with broadcasting (IEEE: division by zero gives ±Infinity or NaN).
 * d/da = 1/b, d/db = -a/b² = -y/b.
 *
 * @example
 * ```ts
 * import { div } from "./arithmetic.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = div(tensor([1, 6]), tensor([2]));
 * if (y.data.join() !== "0.5,3") throw new Error("unexpected");
 * const [, db] = vjp(tensor([1, 1]));
 * if (db.data[0] !== -(1 / 4 + 6 / 4)) throw new Error("d(a/b)/db = -a/b²");
 * ```
 */
export function div(a: Tensor, b: Tensor): [Tensor, BinaryVjp] {
  const y = forward("div", DIV, a, b);
  return [y, (dy) => {
    const g = cotangent("div", dy, y.shape);
    const gy = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) gy[i] = g[i] * y.data[i];
    return [
      wrap(reduceTo(DIV, g, y.shape, a.shape, b.data, b.shape), a),
      wrap(negate(reduceTo(DIV, gy, y.shape, b.shape, b.data, b.shape)), b),
    ];
  }];
}
