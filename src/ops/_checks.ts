/**
 * Argument checks shared by the ops: tensors, cotangents, axes and scalar options. Internal to
 * gradstream (used by `src/ops/` and the activation layers, never re-exported), so its helpers
 * can change with the code that uses them.
 *
 * @module
 */

import {
  type FloatArray,
  formatShape,
  isTensor,
  type Shape,
  shapesEqual,
  type Tensor,
} from "../tensor.ts";
import { checkNumber, describeValue } from "../_checks.ts";

/** Throws a `TypeError` naming `op` unless `x` is a tensor. */
export function assertTensor(op: string, x: unknown, what = "input"): asserts x is Tensor {
  if (!isTensor(x)) {
    throw new TypeError(`Cannot ${op}: ${what} must be a tensor, got ${describeValue(x)}`);
  }
}

/**
 * The data of a cotangent after checking it is a tensor of the output's shape. Its dtype may
 * differ from the output's: the pullback reads it as numbers and answers in the input's dtype.
 */
export function cotangent(op: string, dy: unknown, shape: Shape): FloatArray {
  assertTensor(`${op} VJP`, dy, "the cotangent");
  if (!shapesEqual(dy.shape, shape)) {
    throw new TypeError(
      `Cannot ${op} VJP: cotangent shape ${formatShape(dy.shape)} differs from output shape ${
        formatShape(shape)
      }`,
    );
  }
  return dy.data;
}

/** One axis, negative counting from the end, checked against `rank` (RangeError). */
export function normalizeAxis(op: string, axis: number, shape: Shape): number {
  const rank = shape.length;
  if (typeof axis !== "number") {
    throw new TypeError(`Cannot ${op}: axis must be an integer, got ${describeValue(axis)}`);
  }
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(
      `Cannot ${op}: axis ${axis} is out of range for shape ${formatShape(shape)} ` +
        `(rank ${rank}; axes are integers in [${-rank}, ${rank - 1}])`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * A mask of the axes to reduce: all of them when `axis` is undefined, else the listed ones
 * (negative allowed, each at most once; RangeError otherwise).
 */
export function axisMask(
  op: string,
  axis: number | readonly number[] | undefined,
  shape: Shape,
): boolean[] {
  const mask = new Array<boolean>(shape.length).fill(axis === undefined);
  if (axis === undefined) return mask;
  const list = typeof axis === "number" ? [axis] : axis;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `Cannot ${op}: axis must be a number or an array of numbers, got ${describeValue(axis)}`,
    );
  }
  for (const a of list) {
    const d = normalizeAxis(op, a, shape);
    if (mask[d]) {
      throw new RangeError(
        `Cannot ${op}: axis ${a} is repeated in ${describeValue(list)} for shape ${
          formatShape(shape)
        }`,
      );
    }
    mask[d] = true;
  }
  return mask;
}

/** Throws a `RangeError` naming `op` unless `value` is a finite number (at least `min`). */
export function checkFinite(op: string, name: string, value: number, min = -Infinity): void {
  checkNumber(`Cannot ${op}`, name, value, min === -Infinity ? {} : { min });
}
