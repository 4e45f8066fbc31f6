/**
 * Tensors: plain immutable values `{ dtype, shape, data }`.
 *
 * No function in gradstream writes into a tensor's `data`; every operation returns a new tensor.
 * The object itself is frozen, and the library never hands out a typed array it will write later,
 * so sharing tensors between parameter trees, optimiser states and closures is always safe.
 *
 * @module
 */

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
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape the way error messages print it: `[2,3]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Throws a `TypeError` naming `op` unless `shape` is a list of non-negative integers. */
export function checkShape(shape: Shape, op: string): void {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TypeError(
        `${op}: shape ${formatShape(shape)} has an invalid dimension ${d}; ` +
          `dimensions are non-negative integers`,
      );
    }
  }
}

/** Allocates a zero-filled typed array of the given dtype. */
export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
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
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new TypeError(
      `fromTypedArray: data must be a Float32Array or Float64Array, got ${
        (data as object)?.constructor?.name ?? typeof data
      }`,
    );
  }
  checkShape(shape, "fromTypedArray");
  if (sizeOf(shape) !== data.length) {
    throw new TypeError(
      `fromTypedArray: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements ` +
        `but data has ${data.length}`,
    );
  }
  return Object.freeze({ dtype: dtypeOf(data), shape: Object.freeze([...shape]), data });
}

function inferShape(value: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  if (!Array.isArray(v) && typeof v !== "number") {
    throw new TypeError(`${op}: expected numbers or nested arrays of numbers, got ${typeof v}`);
  }
  return shape;
}

function flattenInto(value: NestedArray, shape: Shape, depth: number, out: number[], op: string) {
  if (depth === shape.length) {
    if (typeof value !== "number") {
      throw new TypeError(`${op}: ragged nested array; expected a number at depth ${depth}`);
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
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const dt = dtype ?? dtypeOf(values);
    const data = allocate(dt, values.length);
    data.set(values);
    return fromTypedArray(data, shape ?? [values.length]);
  }
  const inferred = inferShape(values as NestedArray, "tensor");
  const flat: number[] = [];
  flattenInto(values as NestedArray, inferred, 0, flat, "tensor");
  const dt = dtype ?? DEFAULT_DTYPE;
  const data = allocate(dt, flat.length);
  data.set(flat);
  if (shape !== undefined) {
    checkShape(shape, "tensor");
    if (sizeOf(shape) !== flat.length) {
      throw new TypeError(
        `tensor: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements ` +
          `but ${flat.length} values were given`,
      );
    }
    return fromTypedArray(data, shape);
  }
  return fromTypedArray(data, inferred);
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
  checkShape(shape, "full");
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(value);
  return fromTypedArray(data, shape);
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
  return full(shape, 0, dtype);
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
  return full(shape, 1, dtype);
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
  return full([], value, dtype);
}

/** A tensor of zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, t.dtype);
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
  if (t.dtype === dtype) return t;
  const data = allocate(dtype, t.data.length);
  data.set(t.data);
  return fromTypedArray(data, t.shape);
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
  if (t.shape.length === 0) return t.data[0];
  const build = (depth: number, offset: number): NestedArray => {
    const n = t.shape[depth];
    if (depth === t.shape.length - 1) return Array.from(t.data.subarray(offset, offset + n));
    const stride = sizeOf(t.shape.slice(depth + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(build(depth + 1, offset + i * stride));
    return out;
  };
  return build(0, 0);
}

/** True when two shapes are equal dimension by dimension. */
export function shapesEqual(a: Shape, b: Shape): boolean {
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
  if (!shapesEqual(a.shape, b.shape)) {
    throw new TypeError(
      `Cannot ${op}: shapes differ, ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
}

/** Throws a `TypeError` naming `op` and both dtypes unless `a` and `b` share a dtype. */
export function assertSameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(`Cannot ${op}: dtypes differ, ${a.dtype} and ${b.dtype}`);
  }
}

/** Throws a `TypeError` naming `op` unless `t` is a tensor of the given rank. */
export function assertRank(op: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) {
    throw new TypeError(
      `Cannot ${op}: expected a rank-${rank} tensor, got shape ${formatShape(t.shape)}`,
    );
  }
}

/** True when `value` looks like a gradstream tensor. */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Tensor>;
  return (v.dtype === "float32" || v.dtype === "float64") && Array.isArray(v.shape) &&
    (v.data instanceof Float32Array || v.data instanceof Float64Array);
}
