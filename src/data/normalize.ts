/**
 * Per-feature normalisation. Statistics are computed on the training inputs and then applied,
 * unchanged, to every other split, so that nothing about the test set leaks into training:
 *
 * ```ts ignore
 * const stats = featureStats(train.x);
 * const xTrain = standardize(train.x, stats), xTest = standardize(test.x, stats);
 * ```
 *
 * A feature is everything after the leading (example) axis: for `x` of shape `[N, 28, 28]` the
 * statistics have shape `[28, 28]`.
 *
 * @module
 */

import { checkNumber, checkOptions, describeValue } from "../_checks.ts";
import {
  allocate,
  formatShape,
  fromTypedArray,
  isTensor,
  shapesEqual,
  sizeOf,
  type Tensor,
} from "../tensor.ts";

/** Per-feature mean and (population) standard deviation, each of shape `x.shape.slice(1)`. */
export interface FeatureStats {
  /** Mean over the examples. */
  readonly mean: Tensor;
  /** Standard deviation over the examples (divides by N). */
  readonly std: Tensor;
}

/** Per-feature minimum and maximum, each of shape `x.shape.slice(1)`. */
export interface FeatureRange {
  /** Smallest value over the examples. */
  readonly min: Tensor;
  /** Largest value over the examples. */
  readonly max: Tensor;
}

function featureCount(op: string, x: Tensor): number {
  if (!isTensor(x)) {
    throw new TypeError(`${op}: x must be a tensor [N, ...features], got ${describeValue(x)}`);
  }
  if (x.shape.length === 0 || x.shape[0] === 0) {
    throw new TypeError(
      `${op}: need a batch of at least one example, got shape ${formatShape(x.shape)}`,
    );
  }
  return sizeOf(x.shape.slice(1));
}

function checkStatShape(op: string, x: Tensor, stat: Tensor, name: string): void {
  if (!isTensor(stat)) {
    throw new TypeError(
      `${op}: ${name} must be a tensor of shape ${formatShape(x.shape.slice(1))}, got ${
        describeValue(stat)
      }`,
    );
  }
  if (!shapesEqual(stat.shape, x.shape.slice(1))) {
    throw new TypeError(
      `${op}: ${name} has shape ${formatShape(stat.shape)} but the features of x of shape ` +
        `${formatShape(x.shape)} have shape ${formatShape(x.shape.slice(1))}`,
    );
  }
}

/**
 * Mean and standard deviation of each feature over the leading axis (two passes, in float64).
 *
 * @example
 * ```ts
 * import { featureStats } from "./normalize.ts";
 * import { tensor } from "../tensor.ts";
 * const { mean, std } = featureStats(tensor([[1, 10], [3, 10]]));
 * if (mean.data.join() !== "2,10" || std.data.join() !== "1,0") throw new Error("unexpected");
 * ```
 */
export function featureStats(x: Tensor): FeatureStats {
  const f = featureCount("featureStats", x), n = x.shape[0], d = x.data;
  const mean = new Float64Array(f), sq = new Float64Array(f);
  for (let i = 0; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) mean[j] += d[row + j];
  }
  for (let j = 0; j < f; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) {
      const e = d[row + j] - mean[j];
      sq[j] += e * e;
    }
  }
  const m = allocate(x.dtype, f), s = allocate(x.dtype, f);
  for (let j = 0; j < f; j++) {
    m[j] = mean[j];
    s[j] = Math.sqrt(sq[j] / n);
  }
  const shape = x.shape.slice(1);
  return { mean: fromTypedArray(m, shape), std: fromTypedArray(s, shape) };
}

/** Options of {@linkcode standardize}. */
export interface StandardizeOptions {
  /** Features whose std is at most this are only centred, never divided (default 1e-8). */
  epsilon?: number;
}

/**
 * `(x - mean) / std` per feature, with `stats` from the training inputs (default: from `x`).
 * A constant feature (std <= epsilon, e.g. MNIST's always-blank corner pixels) becomes 0
 * rather than NaN.
 *
 * @example
 * ```ts
 * import { featureStats, standardize } from "./normalize.ts";
 * import { tensor } from "../tensor.ts";
 * const train = tensor([[0, 5], [2, 5]]);
 * const stats = featureStats(train);
 * const test = standardize(tensor([[4, 5]]), stats);
 * if (test.data.join() !== "3,0") throw new Error("unexpected");
 * ```
 */
export function standardize(
  x: Tensor,
  stats?: FeatureStats,
  options?: StandardizeOptions,
): Tensor {
  const { epsilon = 1e-8 } = checkOptions("standardize", options, ["epsilon"]);
  checkNumber("standardize", "epsilon", epsilon, { min: 0 });
  const f = featureCount("standardize", x), n = x.shape[0];
  if (stats === undefined) stats = featureStats(x);
  else checkOptions("standardize", stats, undefined, "stats");
  checkStatShape("standardize", x, stats.mean, "mean");
  checkStatShape("standardize", x, stats.std, "std");
  const mean = stats.mean.data, inv = new Float64Array(f);
  for (let j = 0; j < f; j++) inv[j] = stats.std.data[j] > epsilon ? 1 / stats.std.data[j] : 1;
  const out = allocate(x.dtype, x.data.length), d = x.data;
  for (let i = 0; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) out[row + j] = (d[row + j] - mean[j]) * inv[j];
  }
  return fromTypedArray(out, x.shape);
}

/**
 * Minimum and maximum of each feature over the leading axis.
 *
 * @example
 * ```ts
 * import { featureRange } from "./normalize.ts";
 * import { tensor } from "../tensor.ts";
 * const { min, max } = featureRange(tensor([[1, -2], [3, 4]]));
 * if (min.data.join() !== "1,-2" || max.data.join() !== "3,4") throw new Error("unexpected");
 * ```
 */
export function featureRange(x: Tensor): FeatureRange {
  const f = featureCount("featureRange", x), n = x.shape[0], d = x.data;
  const lo = allocate(x.dtype, f), hi = allocate(x.dtype, f);
  lo.set(d.subarray(0, f));
  hi.set(d.subarray(0, f));
  for (let i = 1; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) {
      const v = d[row + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  const shape = x.shape.slice(1);
  return { min: fromTypedArray(lo, shape), max: fromTypedArray(hi, shape) };
}

/** Options of {@linkcode minMaxScale}: the target interval. */
export interface MinMaxOptions {
  /** Value the feature minimum maps to (default 0). */
  min?: number;
  /** Value the feature maximum maps to (default 1). */
  max?: number;
}

/**
 * Maps each feature linearly so that `range.min` goes to `options.min` (0) and `range.max` to
 * `options.max` (1), with `range` from the training inputs (default: from `x`). Test values
 * outside the training range land outside the interval, as they should. A constant feature maps
 * to `options.min`.
 *
 * @example
 * ```ts
 * import { minMaxScale } from "./normalize.ts";
 * import { tensor } from "../tensor.ts";
 * const y = minMaxScale(tensor([[0, 7], [5, 7], [10, 7]]), undefined, { min: -1, max: 1 });
 * if (y.data.join() !== "-1,-1,0,-1,1,-1") throw new Error("unexpected");
 * ```
 */
export function minMaxScale(
  x: Tensor,
  range?: FeatureRange,
  options?: MinMaxOptions,
): Tensor {
  const { min = 0, max = 1 } = checkOptions("minMaxScale", options, ["min", "max"]);
  checkNumber("minMaxScale", "min", min);
  checkNumber("minMaxScale", "max", max);
  if (!(min < max)) {
    throw new RangeError(`minMaxScale: need finite min < max, got min=${min}, max=${max}`);
  }
  const f = featureCount("minMaxScale", x), n = x.shape[0];
  if (range === undefined) range = featureRange(x);
  else checkOptions("minMaxScale", range, undefined, "range");
  checkStatShape("minMaxScale", x, range.min, "range.min");
  checkStatShape("minMaxScale", x, range.max, "range.max");
  const lo = range.min.data, scale = new Float64Array(f);
  for (let j = 0; j < f; j++) {
    const width = range.max.data[j] - lo[j];
    scale[j] = width > 0 ? (max - min) / width : 0;
  }
  const out = allocate(x.dtype, x.data.length), d = x.data;
  for (let i = 0; i < n; i++) {
    const row = i * f;
    for (let j = 0; j < f; j++) out[row + j] = min + (d[row + j] - lo[j]) * scale[j];
  }
  return fromTypedArray(out, x.shape);
}
