/**
 * Weight initialisers: functions `(key, shape, options) => Tensor`.
 *
 * A layer's output variance is the sum of `fanIn` products `w·x`, so weights drawn with
 * variance `σ²` scale the variance of a signal by `fanIn·σ²` on the way forward and that of a
 * gradient by `fanOut·σ²` on the way back. The schemes below choose `σ²` to keep one or both
 * factors near one (for the activation each was derived for):
 *
 * | initialiser      | variance `σ²`              | distribution                              |
 * | ---------------- | -------------------------- | ----------------------------------------- |
 * | `glorotNormal`   | `2 / (fanIn + fanOut)`     | `N(0, σ²)`                                |
 * | `glorotUniform`  | `2 / (fanIn + fanOut)`     | `U(-a, a)`, `a = sqrt(6 / (fanIn + fanOut))` |
 * | `heNormal`       | `2 / fanIn`                | `N(0, σ²)`                                |
 * | `heUniform`      | `2 / fanIn`                | `U(-a, a)`, `a = sqrt(6 / fanIn)`         |
 * | `lecunNormal`    | `1 / fanIn`                | `N(0, σ²)`                                |
 * | `lecunUniform`   | `1 / fanIn`                | `U(-a, a)`, `a = sqrt(3 / fanIn)`         |
 *
 * (`U(-a, a)` has variance `a²/3`.) Glorot (Xavier) balances both directions for tanh-like
 * activations; He doubles LeCun's variance because ReLU zeroes half its inputs. The normal
 * variants are plain normals, not truncated ones.
 *
 * Fans come from the shape unless given: see {@linkcode computeFans}.
 *
 * @module
 */

import { type Key, normal, uniform } from "./random.ts";
import { checkDType, checkKey, checkNumber, checkOptions, checkShape } from "./_checks.ts";
import {
  DEFAULT_DTYPE,
  type DType,
  fromTypedArray,
  full,
  type Shape,
  type Tensor,
} from "./tensor.ts";

/** Options of an {@linkcode Initializer}. */
export interface InitOptions {
  /** Inputs feeding each unit; default from the shape (see {@linkcode computeFans}). */
  fanIn?: number;
  /** Units each input feeds; default from the shape (see {@linkcode computeFans}). */
  fanOut?: number;
  /** Element type of the result, default float32. */
  dtype?: DType;
}

/** Draws a tensor of the given shape. Deterministic in `key`. */
export type Initializer = (key: Key, shape: Shape, options?: InitOptions) => Tensor;

/**
 * The fans of a weight tensor, by the dense/convolution layout convention (input axis second
 * to last, output axis last, spatial axes before them):
 * `[in, out]` gives `(in, out)`; `[..., in, out]` gives `(r·in, r·out)` with `r` the product
 * of the leading (receptive-field) dimensions; `[n]` gives `(n, n)`; `[]` gives `(1, 1)`.
 *
 * @example
 * ```ts
 * import { computeFans } from "./init.ts";
 * const { fanIn, fanOut } = computeFans([3, 3, 8, 16]);
 * if (fanIn !== 72 || fanOut !== 144) throw new Error("unexpected");
 * ```
 */
export function computeFans(shape: Shape): { fanIn: number; fanOut: number } {
  checkShape("computeFans", shape);
  const r = shape.length;
  if (r === 0) return { fanIn: 1, fanOut: 1 };
  if (r === 1) return { fanIn: shape[0], fanOut: shape[0] };
  let field = 1;
  for (let i = 0; i < r - 2; i++) field *= shape[i];
  return { fanIn: field * shape[r - 2], fanOut: field * shape[r - 1] };
}

function resolve(op: string, key: Key, shape: Shape, options: InitOptions | undefined) {
  checkKey(op, key);
  checkShape(op, shape);
  const o = checkOptions(op, options, ["fanIn", "fanOut", "dtype"]);
  const fans = computeFans(shape);
  const { fanIn = fans.fanIn, fanOut = fans.fanOut, dtype = DEFAULT_DTYPE } = o;
  checkNumber(op, "fanIn", fanIn, { min: 0, minExclusive: true });
  checkNumber(op, "fanOut", fanOut, { min: 0, minExclusive: true });
  checkDType(op, dtype);
  return { fanIn, fanOut, dtype };
}

/** A zero-mean normal initialiser whose variance is `variance(fanIn, fanOut)`. */
function normalInit(op: string, variance: (fanIn: number, fanOut: number) => number): Initializer {
  return (key, shape, options) => {
    const { fanIn, fanOut, dtype } = resolve(op, key, shape, options);
    return normal(key, shape, { std: Math.sqrt(variance(fanIn, fanOut)), dtype });
  };
}

/** A uniform initialiser on `(-a, a)` with `a = sqrt(3·variance)`, so its variance is `variance`. */
function uniformInit(
  op: string,
  variance: (fanIn: number, fanOut: number) => number,
): Initializer {
  return (key, shape, options) => {
    const { fanIn, fanOut, dtype } = resolve(op, key, shape, options);
    const a = Math.sqrt(3 * variance(fanIn, fanOut));
    return uniform(key, shape, { min: -a, max: a, dtype });
  };
}

const glorotVariance = (fanIn: number, fanOut: number) => 2 / (fanIn + fanOut);
const heVariance = (fanIn: number) => 2 / fanIn;
const lecunVariance = (fanIn: number) => 1 / fanIn;

/**
 * Glorot (Xavier) normal: `N(0, 2 / (fanIn + fanOut))`.
 *
 * @example
 * ```ts
 * import { glorotNormal } from "./init.ts";
 * import { key } from "./random.ts";
 * const w = glorotNormal(key(0), [4, 3], { dtype: "float64" });
 * if (w.shape.join() !== "4,3" || w.dtype !== "float64") throw new Error("unexpected");
 * ```
 */
export const glorotNormal: Initializer = normalInit("glorotNormal", glorotVariance);

/**
 * Glorot (Xavier) uniform: `U(-a, a)` with `a = sqrt(6 / (fanIn + fanOut))`, variance
 * `2 / (fanIn + fanOut)`. The default weight initialiser of `dense`.
 *
 * @example
 * ```ts
 * import { glorotUniform } from "./init.ts";
 * import { key } from "./random.ts";
 * const w = glorotUniform(key(0), [4, 2]);
 * if (w.data.some((v) => Math.abs(v) >= 1)) throw new Error("a = sqrt(6/6) = 1 bounds it");
 * ```
 */
export const glorotUniform: Initializer = uniformInit("glorotUniform", glorotVariance);

/**
 * He (Kaiming) normal: `N(0, 2 / fanIn)`, for ReLU layers.
 *
 * @example
 * ```ts
 * import { heNormal } from "./init.ts";
 * import { key } from "./random.ts";
 * const w = heNormal(key(1), [8, 8]);
 * if (w.shape.join() !== "8,8") throw new Error("unexpected");
 * ```
 */
export const heNormal: Initializer = normalInit("heNormal", heVariance);

/**
 * He (Kaiming) uniform: `U(-a, a)` with `a = sqrt(6 / fanIn)`, variance `2 / fanIn`.
 *
 * @example
 * ```ts
 * import { heUniform } from "./init.ts";
 * import { key } from "./random.ts";
 * const w = heUniform(key(1), [6, 2]);
 * if (w.data.some((v) => Math.abs(v) >= 1)) throw new Error("a = sqrt(6/6) = 1 bounds it");
 * ```
 */
export const heUniform: Initializer = uniformInit("heUniform", heVariance);

/**
 * LeCun normal: `N(0, 1 / fanIn)`, for SELU and other self-normalising activations.
 *
 * @example
 * ```ts
 * import { lecunNormal } from "./init.ts";
 * import { key } from "./random.ts";
 * const w = lecunNormal(key(2), [3, 5], { fanIn: 100 });
 * if (w.shape.join() !== "3,5") throw new Error("unexpected");
 * ```
 */
export const lecunNormal: Initializer = normalInit("lecunNormal", lecunVariance);

/**
 * LeCun uniform: `U(-a, a)` with `a = sqrt(3 / fanIn)`, variance `1 / fanIn`.
 *
 * @example
 * ```ts
 * import { lecunUniform } from "./init.ts";
 * import { key } from "./random.ts";
 * const w = lecunUniform(key(2), [3, 5]);
 * if (w.data.some((v) => Math.abs(v) >= 1)) throw new Error("a = sqrt(3/3) = 1 bounds it");
 * ```
 */
export const lecunUniform: Initializer = uniformInit("lecunUniform", lecunVariance);

/**
 * Initialises to a constant `c` (ignores the key and fans). Named with `Init` to stay apart
 * from the tensor constructor `full` and the schedule `constant`.
 *
 * @example
 * ```ts
 * import { constantInit } from "./init.ts";
 * import { key } from "./random.ts";
 * const b = constantInit(0.1)(key(0), [3]);
 * if (b.data.some((v) => Math.abs(v - 0.1) > 1e-7)) throw new Error("unexpected");
 * ```
 */
export function constantInit(c: number): Initializer {
  return constantOf("constantInit", c);
}

function constantOf(name: string, c: number): Initializer {
  checkNumber(name, "c", c);
  return (key, shape, options) => {
    const { dtype } = resolve(name, key, shape, options);
    return full(shape, c, dtype);
  };
}

/**
 * Initialises to zeros: the usual bias initialiser. (Zero weights would make every unit of a
 * layer compute the same function and receive the same gradient, so they never diverge.)
 *
 * @example
 * ```ts
 * import { zerosInit } from "./init.ts";
 * import { key } from "./random.ts";
 * if (zerosInit(key(0), [4]).data.some((v) => v !== 0)) throw new Error("unexpected");
 * ```
 */
export const zerosInit: Initializer = constantOf("zerosInit", 0);

/**
 * Orthogonal (Saxe et al. 2014): the weight, viewed as a matrix `[rows, cols]` (`cols` the last
 * axis, `rows` the product of the others), has orthonormal rows when `rows <= cols` and
 * orthonormal columns otherwise. The matrix is the Q of a QR decomposition (modified
 * Gram-Schmidt, in double) of a Gaussian drawn from `key`; R's diagonal, the column norms, is
 * positive, which makes Q uniformly distributed. The default recurrent-weight initialiser of
 * `rnn`, `lstm` and `gru`: a product of orthogonal matrices neither grows nor shrinks a vector, so the
 * state does not explode or vanish on the way through the first steps. Fans are ignored.
 *
 * @example
 * ```ts
 * import { orthogonal } from "./init.ts";
 * import { key } from "./random.ts";
 * const q = orthogonal(key(0), [2, 2], { dtype: "float64" }).data;
 * // Orthonormal rows: unit length, perpendicular.
 * if (Math.abs(q[0] * q[0] + q[1] * q[1] - 1) > 1e-12) throw new Error("unexpected");
 * if (Math.abs(q[0] * q[2] + q[1] * q[3]) > 1e-12) throw new Error("unexpected");
 * ```
 */
export const orthogonal: Initializer = orthogonalInit;

function orthogonalInit(key: Key, shape: Shape, options?: InitOptions): Tensor {
  const { dtype } = resolve("orthogonal", key, shape, options);
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const rows = shape.length === 0 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) return full(shape, 0, dtype);
  // Orthonormalise the columns of a tall [m, k] Gaussian, then transpose if the weight is wide.
  const m = Math.max(rows, cols), k = Math.min(rows, cols);
  const a = Float64Array.from(normal(key, [m, k], { dtype: "float64" }).data);
  gramSchmidt(a, m, k);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      if (rows >= cols) data[i * cols + j] = a[i * k + j];
      else data[j * cols + i] = a[i * k + j];
    }
  }
  return fromTypedArray(dtype === "float64" ? data : Float32Array.from(data), shape);
}

/**
 * Modified Gram-Schmidt on the columns of the `m × k` row-major matrix `a` (m >= k), in place:
 * Q's columns (R's diagonal, the norms, positive). A column that is (numerically) dependent on the
 * ones before (probability zero for a Gaussian) is replaced by a unit basis vector made
 * orthogonal to them.
 */
function gramSchmidt(a: Float64Array, m: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let attempt = 0; attempt <= m; attempt++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[i * k + p] * a[i * k + j];
        for (let i = 0; i < m; i++) a[i * k + j] -= dot * a[i * k + p];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[i * k + j] * a[i * k + j];
      norm = Math.sqrt(norm);
      if (norm > 1e-10) {
        for (let i = 0; i < m; i++) a[i * k + j] /= norm;
        break;
      }
      for (let i = 0; i < m; i++) a[i * k + j] = i === attempt % m ? 1 : 0;
    }
  }
}
