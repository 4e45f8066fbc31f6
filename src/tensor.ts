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
import {
  DEFAULT_DTYPE,
  type DType,
  type FloatArray,
  type NestedArray,
  type Shape,
  type Tensor,
} from "./tensor_types.ts";
import { formatShape, requireTensor } from "./tensor_checks.ts";
import { flattenInto, inferShape } from "./tensor_nested.ts";

export { toNested } from "./tensor_nested.ts";

export { DEFAULT_DTYPE, isTensor } from "./tensor_types.ts";
export type { DType, FloatArray, NestedArray, Shape, Tensor } from "./tensor_types.ts";
export {
  assertRank,
  assertSameDType,
  assertSameShape,
  checkShape,
  formatShape,
  shapesEqual,
  sizeOf,
} from "./tensor_checks.ts";

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
