/**
 * Shape and tensor assertions: the checks ops and layers run on their arguments, each throwing a
 * `TypeError` that names the caller's op and the offending shapes or dtypes.
 *
 * @module
 */

import { checkInteger, checkShape as checkShapeOf, describeValue } from "./_checks.ts";
import { isTensor, type Shape, type Tensor } from "./tensor_types.ts";

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * import { sizeOf } from "./tensor_checks.ts";
 * if (sizeOf([2, 3, 4]) !== 24) throw new Error("wrong size");
 * ```
 */
export function sizeOf(shape: Shape): number {
  return checkShapeOf("sizeOf", shape);
}

/** Formats a shape the way error messages print it: `[2,3]` (at most 16 dimensions shown). */
export function formatShape(shape: Shape): string {
  if (!Array.isArray(shape)) {
    throw new TypeError(`formatShape: shape must be an array, got ${describeValue(shape)}`);
  }
  return shape.length > 16 ? `[${shape.slice(0, 16).join(",")},…]` : `[${shape.join(",")}]`;
}

/**
 * Throws a `TypeError` naming `op` unless `shape` is a list of non-negative integers, and a
 * `RangeError` if it holds more elements than a tensor can (2³¹ − 1).
 *
 * @example
 * ```ts
 * import { checkShape } from "./tensor_checks.ts";
 * checkShape([2, 3], "myOp");
 * let message = "";
 * try {
 *   checkShape([2, -1], "myOp");
 * } catch (e) {
 *   message = (e as TypeError).message;
 * }
 * if (!message.startsWith("myOp:")) throw new Error("the message names the caller");
 * ```
 */
export function checkShape(shape: Shape, op: string): void {
  checkOp("checkShape", op);
  checkShapeOf(op, shape);
}

/** A `TypeError` naming `op` unless `t` is a tensor (see {@linkcode isTensor}). */
export function requireTensor(op: string, t: unknown, what = "the argument"): asserts t is Tensor {
  if (!isTensor(t)) {
    throw new TypeError(`${op}: ${what} must be a tensor, got ${describeValue(t)}`);
  }
}

/** The name of the user's op that an assertion reports must be a string. */
export function checkOp(fn: string, op: unknown): void {
  if (typeof op !== "string") {
    throw new TypeError(
      `${fn}: op (the name of the operation to report) must be a string, got ${describeValue(op)}`,
    );
  }
}

/** True when two shapes are equal dimension by dimension. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) {
    throw new TypeError(
      `shapesEqual: shapes must be arrays, got ${describeValue(a)} and ${describeValue(b)}`,
    );
  }
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Throws a `TypeError` naming `op` and both shapes unless `a` and `b` have the same shape.
 *
 * @example
 * ```ts
 * import { assertSameShape } from "./tensor_checks.ts";
 * import { zeros } from "./tensor.ts";
 * assertSameShape("add", zeros([2]), zeros([2]));
 * ```
 */
export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  checkOp("assertSameShape", op);
  requireTensor(`Cannot ${op}`, a, "the first tensor");
  requireTensor(`Cannot ${op}`, b, "the second tensor");
  if (!shapesEqual(a.shape, b.shape)) {
    throw new TypeError(
      `Cannot ${op}: shapes differ, ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
}

/** Throws a `TypeError` naming `op` and both dtypes unless `a` and `b` share a dtype. */
export function assertSameDType(op: string, a: Tensor, b: Tensor): void {
  checkOp("assertSameDType", op);
  requireTensor(`Cannot ${op}`, a, "the first tensor");
  requireTensor(`Cannot ${op}`, b, "the second tensor");
  if (a.dtype !== b.dtype) {
    throw new TypeError(`Cannot ${op}: dtypes differ, ${a.dtype} and ${b.dtype}`);
  }
}

/** Throws a `TypeError` naming `op` unless `t` is a tensor of the given rank. */
export function assertRank(op: string, t: Tensor, rank: number): void {
  checkOp("assertRank", op);
  requireTensor(`Cannot ${op}`, t);
  checkInteger("assertRank", "rank", rank, { min: 0 });
  if (t.shape.length !== rank) {
    throw new TypeError(
      `Cannot ${op}: expected a rank-${rank} tensor, got shape ${formatShape(t.shape)}`,
    );
  }
}
