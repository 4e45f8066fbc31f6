/**
 * Nested plain arrays to and from tensors: reading the shape of `[[1, 2], [3, 4]]`, flattening
 * it row-major, and building the nested arrays back from a tensor.
 *
 * @module
 */

import { describeValue } from "./_checks.ts";
import type { NestedArray, Shape, Tensor } from "./tensor_types.ts";
import { requireTensor } from "./tensor_checks.ts";

/** The deepest nesting `tensor` reads (far past any model's rank). */
const MAX_RANK = 64;

/** The shape of a nested array, read along its first elements; `TypeError`s name `op`. */
export function inferShape(value: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    if (shape.length === MAX_RANK) {
      throw new TypeError(`${op}: nested arrays deeper than ${MAX_RANK} levels are not a tensor`);
    }
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  if (!Array.isArray(v) && typeof v !== "number") {
    throw new TypeError(
      `${op}: expected numbers or nested arrays of numbers, got ${describeValue(v)}`,
    );
  }
  return shape;
}

/** Appends the numbers of `value` to `out` row-major; a ragged array is a `TypeError`. */
export function flattenInto(
  value: NestedArray,
  shape: Shape,
  depth: number,
  out: number[],
  op: string,
) {
  if (depth === shape.length) {
    if (typeof value !== "number") {
      throw new TypeError(
        `${op}: ragged nested array; expected a number at depth ${depth}, got ${
          describeValue(value)
        }`,
      );
    }
    out.push(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    throw new TypeError(
      `${op}: ragged nested array; expected ${shape[depth]} elements at depth ${depth}, got ${
        Array.isArray(value) ? value.length : typeof value
      }`,
    );
  }
  for (const v of value) flattenInto(v, shape, depth + 1, out, op);
}

/**
 * The tensor's elements as nested plain arrays (a number for a scalar).
 *
 * @example
 * ```ts
 * import { toNested } from "./tensor_nested.ts";
 * import { tensor } from "./tensor.ts";
 * const n = toNested(tensor([[1, 2], [3, 4]])) as number[][];
 * if (n[1][0] !== 3) throw new Error("unexpected");
 * ```
 */
export function toNested(t: Tensor): NestedArray {
  requireTensor("toNested", t);
  if (t.shape.length === 0) return t.data[0];
  const build = (depth: number, offset: number): NestedArray => {
    const n = t.shape[depth];
    if (depth === t.shape.length - 1) return Array.from(t.data.subarray(offset, offset + n));
    let stride = 1;
    for (let d = depth + 1; d < t.shape.length; d++) stride *= t.shape[d];
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(build(depth + 1, offset + i * stride));
    return out;
  };
  return build(0, 0);
}
