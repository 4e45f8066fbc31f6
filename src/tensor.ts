/**
 * Tensors: plain immutable values `{ dtype, shape, data }`.
 *
 * No function in gradstream writes into a tensor's `data`; every operation returns a new tensor.
 * The object itself is frozen, and the library never hands out a typed array it will write later,
 * so sharing tensors between parameter trees, optimiser states and closures is always safe.
 *
 * The other half of the contract is the caller's: once a typed array is a tensor's `data`, do
 * not write into it. Kernels rely on that: the wasm Adam kernel keeps the parameters and
 * moments it wrote last and, handed the same arrays again, skips copying them in, so a write
 * into a parameter's `data` between steps would be silently lost. To change a value, build a
 * new tensor (`fromTypedArray(data.slice(), shape)`, then edit the copy before wrapping it).
 *
 * @module
 */

import {
  checkDType,
  checkInteger,
  checkNumber,
  checkShape as checkShapeOf,
  describeValue,
  MAX_ELEMENTS,
} from "./_checks.ts";

/** Element type of a tensor. Models default to `float32`; gradient checks run in `float64`. */
export type DType = "float32" | "float64";

/** The typed array behind a tensor of either dtype. */
export type FloatArray = Float32Array | Float64Array;

/** Dimensions of a tensor, outermost first (row-major). */
export type Shape = readonly number[];

/** An immutable n-dimensional array of floats, stored row-major. */
export interface Tensor {
  /** Element type: `float32` or `float64`. */
  readonly dtype: DType;
  /** Dimensions, outermost first. The empty shape `[]` is a scalar. */
  readonly shape: Shape;
  /** The elements in row-major order; never written after construction. */
  readonly data: FloatArray;
}

/** The deepest nesting `tensor` reads (far past any model's rank). */
const MAX_RANK = 64;

/** A nested array of numbers, as accepted by {@linkcode tensor}. */
export type NestedArray = number | readonly NestedArray[];

/** The default dtype of tensors built from plain numbers. */
export const DEFAULT_DTYPE: DType = "float32";

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * import { sizeOf } from "./tensor.ts";
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
 * import { checkShape } from "./tensor.ts";
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

/**
 * Allocates a zero-filled typed array of the given dtype. An unknown dtype is a `TypeError`, a
 * length that is not an integer in `[0, 2³¹ − 1]` a `RangeError`, and so is a failed
 * allocation (out of memory); each names `op` (default `allocate`).
 */
export function allocate(dtype: DType, length: number, op = "allocate"): FloatArray {
  if (dtype !== "float32" && dtype !== "float64") checkDType(op, dtype);
  if (!(Number.isInteger(length) && length >= 0 && length <= MAX_ELEMENTS)) {
    checkInteger(op, "the length", length, { min: 0, max: MAX_ELEMENTS });
  }
  try {
    return dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
  } catch (e) {
    throw new RangeError(
      `${op}: could not allocate ${length} ${dtype} elements (${
        (e as Error).message
      }); use a smaller shape or batch`,
      { cause: e },
    );
  }
}

function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? "float64" : "float32";
}

/**
 * Wraps a typed array as a tensor without copying. The caller promises never to write `data`
 * again; this is how ops and kernels hand over freshly allocated results.
 *
 * @example
 * ```ts
 * import { fromTypedArray } from "./tensor.ts";
 * const t = fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * if (t.dtype !== "float32" || t.shape[1] !== 3) throw new Error("unexpected");
 * ```
 */
export function fromTypedArray(data: FloatArray, shape: Shape): Tensor {
  return wrapData("fromTypedArray", data, shape);
}

function wrapData(op: string, data: FloatArray, shape: Shape): Tensor {
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new TypeError(
      `${op}: data must be a Float32Array or Float64Array, got ${describeValue(data)}`,
    );
  }
  const n = checkShapeOf(op, shape);
  if (n !== data.length) {
    throw new TypeError(
      `${op}: shape ${formatShape(shape)} needs ${n} elements but data has ${data.length}`,
    );
  }
  return Object.freeze({ dtype: dtypeOf(data), shape: Object.freeze([...shape]), data });
}

function inferShape(value: NestedArray, op: string): number[] {
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

function flattenInto(value: NestedArray, shape: Shape, depth: number, out: number[], op: string) {
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
 * Builds a tensor from a number, a nested array, or a typed array plus shape. The data is
 * copied, so later writes to the argument never reach the tensor.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * const x = tensor([[1, 2], [3, 4]]);
 * if (x.shape.join() !== "2,2" || x.data[3] !== 4) throw new Error("unexpected");
 * const y = tensor(new Float64Array([1, 2, 3]), [3]);
 * if (y.dtype !== "float64") throw new Error("dtype follows the typed array");
 * ```
 */
export function tensor(
  values: NestedArray | FloatArray | readonly number[],
  shape?: Shape,
  dtype?: DType,
): Tensor {
  const op = "tensor";
  if (dtype !== undefined) checkDType(op, dtype);
  if (shape !== undefined) checkShapeOf(op, shape);
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const dt = dtype ?? dtypeOf(values);
    const data = allocate(dt, values.length, op);
    data.set(values);
    return wrapData(op, data, shape ?? [values.length]);
  }
  if (typeof values !== "number" && !Array.isArray(values)) {
    throw new TypeError(
      `${op}: values must be a number, a nested array of numbers or a Float32Array/` +
        `Float64Array, got ${describeValue(values)}`,
    );
  }
  const inferred = inferShape(values as NestedArray, op);
  checkShapeOf(op, inferred, "the values' shape");
  const flat: number[] = [];
  flattenInto(values as NestedArray, inferred, 0, flat, op);
  const dt = dtype ?? DEFAULT_DTYPE;
  const data = allocate(dt, flat.length, op);
  data.set(flat);
  if (shape !== undefined) {
    const n = checkShapeOf(op, shape);
    if (n !== flat.length) {
      throw new TypeError(
        `${op}: shape ${formatShape(shape)} needs ${n} elements ` +
          `but ${flat.length} values were given`,
      );
    }
    return wrapData(op, data, shape);
  }
  return wrapData(op, data, inferred);
}

/**
 * A tensor of the given shape filled with `value`.
 *
 * @example
 * ```ts
 * import { full } from "./tensor.ts";
 * const t = full([2, 2], 7, "float64");
 * if (t.data[3] !== 7 || t.dtype !== "float64") throw new Error("unexpected");
 * ```
 */
export function full(shape: Shape, value: number, dtype: DType = DEFAULT_DTYPE): Tensor {
  return fill("full", shape, value, dtype);
}

/** `full` under the name of the constructor the user called. */
function fill(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  const n = checkShapeOf(op, shape);
  checkNumber(op, "the fill value", value, { infinite: true });
  checkDType(op, dtype);
  const data = allocate(dtype, n, op);
  if (value !== 0) data.fill(value);
  return wrapData(op, data, shape);
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * import { zeros } from "./tensor.ts";
 * if (zeros([3]).data.some((v) => v !== 0)) throw new Error("not zero");
 * ```
 */
export function zeros(shape: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
  return fill("zeros", shape, 0, dtype);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * import { ones } from "./tensor.ts";
 * if (ones([2, 3]).data.some((v) => v !== 1)) throw new Error("not one");
 * ```
 */
export function ones(shape: Shape, dtype: DType = DEFAULT_DTYPE): Tensor {
  return fill("ones", shape, 1, dtype);
}

/**
 * A scalar tensor (shape `[]`).
 *
 * @example
 * ```ts
 * import { scalar } from "./tensor.ts";
 * if (scalar(2.5).shape.length !== 0) throw new Error("not a scalar");
 * ```
 */
export function scalar(value: number, dtype: DType = DEFAULT_DTYPE): Tensor {
  return fill("scalar", [], value, dtype);
}

/** A tensor of zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  requireTensor("zerosLike", t);
  return fill("zerosLike", t.shape, 0, t.dtype);
}

/** A `TypeError` naming `op` unless `t` is a tensor (see {@linkcode isTensor}). */
function requireTensor(op: string, t: unknown, what = "the argument"): asserts t is Tensor {
  if (!isTensor(t)) {
    throw new TypeError(`${op}: ${what} must be a tensor, got ${describeValue(t)}`);
  }
}

/**
 * Converts a tensor to another dtype (a copy; float64 to float32 rounds to nearest).
 *
 * @example
 * ```ts
 * import { astype, tensor } from "./tensor.ts";
 * const x = astype(tensor([1, 2]), "float64");
 * if (x.dtype !== "float64") throw new Error("unexpected");
 * ```
 */
export function astype(t: Tensor, dtype: DType): Tensor {
  requireTensor("astype", t);
  checkDType("astype", dtype);
  if (t.dtype === dtype) return t;
  const data = allocate(dtype, t.data.length, "astype");
  data.set(t.data);
  return wrapData("astype", data, t.shape);
}

/**
 * The value of a one-element tensor.
 *
 * @example
 * ```ts
 * import { item, scalar } from "./tensor.ts";
 * if (item(scalar(3)) !== 3) throw new Error("unexpected");
 * ```
 */
export function item(t: Tensor): number {
  requireTensor("item", t);
  if (t.data.length !== 1) {
    throw new TypeError(
      `item: tensor of shape ${formatShape(t.shape)} has ${t.data.length} elements, not 1`,
    );
  }
  return t.data[0];
}

/**
 * The tensor's elements as nested plain arrays (a number for a scalar).
 *
 * @example
 * ```ts
 * import { tensor, toNested } from "./tensor.ts";
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

/** The name of the user's op that an assertion reports must be a string. */
function checkOp(fn: string, op: unknown): void {
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
 * import { assertSameShape, zeros } from "./tensor.ts";
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

/**
 * True when `value` is a well-formed gradstream tensor: a `float32` or `float64` dtype that
 * matches its typed array, and a shape of non-negative integers whose product is the data's
 * length (so no op can read past the data or index a hole).
 */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Tensor>;
  const shape = v.shape, data = v.data;
  if (!Array.isArray(shape)) return false;
  if (v.dtype === "float32") {
    if (!(data instanceof Float32Array)) return false;
  } else if (v.dtype === "float64") {
    if (!(data instanceof Float64Array)) return false;
  } else return false;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!(Number.isInteger(d) && d >= 0)) return false;
    n *= d;
  }
  return n === data.length;
}
