/**
 * The tensor types (`Tensor`, `DType`, `Shape`, ...) and the structural test `isTensor`, below
 * every other tensor module so the constructors and the checks can both import them.
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
