/**
 * fast-check arbitraries for shapes and tensors, so users can property-test their own layers
 * the way gradstream tests its own.
 *
 * @module
 */

import fc, { type Arbitrary } from "fast-check";
import { type DType, fromTypedArray, type Shape, type Tensor } from "../tensor.ts";
import {
  checkDType,
  checkInteger,
  checkNumber,
  checkOptions,
  checkShape,
  describeValue,
} from "../_checks.ts";

/** The largest rank and element count the arbitraries draw (fast-check builds every value). */
const MAX_RANK = 16;
const MAX_DRAWN = 1 << 20;

/** Options of {@linkcode shapeArb}. */
export interface ShapeArbOptions {
  /** Smallest rank, default 0 (scalars). */
  minRank?: number;
  /** Largest rank, default 3. */
  maxRank?: number;
  /** Smallest dimension, default 1. */
  minDim?: number;
  /** Largest dimension, default 5. */
  maxDim?: number;
}

/**
 * Shapes with rank and dimensions in the given ranges.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { shapeArb } from "./arbitraries.ts";
 * fc.assert(fc.property(shapeArb({ minRank: 1, maxRank: 2 }), (s) => s.length >= 1 && s.length <= 2));
 * ```
 */
export function shapeArb(options: ShapeArbOptions = {}): Arbitrary<number[]> {
  return shapes("shapeArb", options);
}

function shapes(op: string, options: ShapeArbOptions | undefined): Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, minDim = 1, maxDim = 5 } = checkOptions(op, options);
  checkInteger(op, "minRank", minRank, { min: 0, max: MAX_RANK });
  checkInteger(op, "maxRank", maxRank, { min: minRank, max: MAX_RANK });
  checkInteger(op, "minDim", minDim, { min: 0 });
  checkInteger(op, "maxDim", maxDim, { min: minDim });
  // Every shape drawn must be a tensor tensorArb can fill.
  if (Math.pow(maxDim, maxRank) > MAX_DRAWN) {
    throw new RangeError(
      `${op}: maxDim ${maxDim} at maxRank ${maxRank} allows ${
        Math.pow(maxDim, maxRank)
      } elements, more than the ${MAX_DRAWN} the arbitraries draw; lower maxDim or maxRank`,
    );
  }
  return fc.array(fc.integer({ min: minDim, max: maxDim }), {
    minLength: minRank,
    maxLength: maxRank,
  });
}

/** Options of {@linkcode tensorArb}. */
export interface TensorArbOptions {
  /** Element type, default float64 (what gradient checks need). */
  dtype?: DType;
  /** Smallest value, default -3. */
  min?: number;
  /** Largest value, default 3. */
  max?: number;
  /**
   * Points to keep away from, e.g. `[0]` for relu-like kinks: a drawn value closer than
   * `margin` to one of them is pushed out to distance `margin`, so finite differences never
   * straddle a kink.
   */
  avoid?: readonly number[];
  /** Distance kept from the `avoid` points, default 0.01. */
  margin?: number;
}

/**
 * Tensors of a fixed shape with finite values in `[min, max]`.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { tensorArb } from "./arbitraries.ts";
 * fc.assert(fc.property(tensorArb([2, 3], { avoid: [0] }), (t) => t.data.every((v) => Math.abs(v) >= 0.01)));
 * ```
 */
export function tensorArb(shape: Shape, options: TensorArbOptions = {}): Arbitrary<Tensor> {
  return tensors("tensorArb", shape, options);
}

function tensors(
  op: string,
  shape: Shape,
  options: TensorArbOptions | undefined,
): Arbitrary<Tensor> {
  const n = checkShape(op, shape);
  if (n > MAX_DRAWN) {
    throw new RangeError(
      `${op}: shape ${describeValue(shape)} has ${n} elements, more than the ${MAX_DRAWN} ` +
        `the arbitraries draw`,
    );
  }
  const { dtype = "float64", min = -3, max = 3, avoid = [], margin = 0.01 } = checkOptions(
    op,
    options,
  );
  checkDType(op, dtype);
  checkNumber(op, "min", min);
  checkNumber(op, "max", max, { min });
  checkNumber(op, "margin", margin, { min: 0 });
  if (!Array.isArray(avoid)) {
    throw new TypeError(`${op}: avoid must be an array of numbers, got ${describeValue(avoid)}`);
  }
  avoid.forEach((p, i) => checkNumber(op, `avoid[${i}]`, p));
  const value = fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => {
    for (const p of avoid) {
      if (Math.abs(v - p) < margin) return v < p ? p - margin : p + margin;
    }
    return v;
  });
  return fc.array(value, { minLength: n, maxLength: n }).map((values) =>
    fromTypedArray(
      dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values),
      shape,
    )
  );
}

/**
 * A shape drawn by {@linkcode shapeArb} and a tensor of that shape.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { shapedTensorArb } from "./arbitraries.ts";
 * fc.assert(fc.property(shapedTensorArb({ maxRank: 2 }), (t) => t.shape.length <= 2));
 * ```
 */
export function shapedTensorArb(
  options: ShapeArbOptions & TensorArbOptions = {},
): Arbitrary<Tensor> {
  const op = "shapedTensorArb";
  const o = checkOptions(op, options);
  const { minRank, maxRank, minDim, maxDim, ...tensorOptions } = o;
  const arb = shapes(op, { minRank, maxRank, minDim, maxDim });
  // Checked once here, not per draw, so a bad option fails where it was written.
  tensors(op, [], tensorOptions);
  return arb.chain((shape) => tensors(op, shape, tensorOptions));
}
