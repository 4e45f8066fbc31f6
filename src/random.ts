/**
 * Explicit, splittable pseudo-random keys (Threefry-2x32, 20 rounds, as in JAX and Random123).
 *
 * A key is a pair of unsigned 32-bit integers. Functions never advance hidden state: the same
 * key always gives the same numbers, on every runtime. Use {@linkcode split} to derive fresh,
 * independent keys instead of reusing one.
 *
 * Bits are turned into floats without any runtime-dependent maths for `uniform`, `bernoulli` and
 * `permutation`, so they are bit-identical across engines. `normal` uses the Box-Muller transform
 * (`Math.log`, `Math.cos`, `Math.sin`), whose last bit can differ between JavaScript engines.
 *
 * @module
 */

import {
  checkDType,
  checkInteger,
  checkKey as checkKeyOf,
  checkNumber,
  checkOptions,
  checkShape,
} from "./_checks.ts";
import {
  allocate,
  DEFAULT_DTYPE,
  type DType,
  type FloatArray,
  fromTypedArray,
  type Shape,
  type Tensor,
} from "./tensor.ts";

export { foldIn, type Key, key, randomBits, split, threefry2x32 } from "./random_keys.ts";
import { bits, type Key } from "./random_keys.ts";

const TWO_POW_M24 = 1 / 16777216;
const TWO_POW_M53 = 1 / 9007199254740992;

/** Fills `out` with floats uniform in [0, 1): 24 bits for float32, 53 bits for float64. */
function unitFloats(k: Key, n: number, dtype: DType, op: string): FloatArray {
  const out = allocate(dtype, n, op);
  if (dtype === "float32") {
    const w = bits(k, n, op);
    for (let i = 0; i < n; i++) out[i] = (w[i] >>> 8) * TWO_POW_M24;
  } else {
    const w = bits(k, 2 * n, op);
    for (let i = 0; i < n; i++) {
      out[i] = ((w[2 * i] >>> 5) * 67108864 + (w[2 * i + 1] >>> 6)) * TWO_POW_M53;
    }
  }
  return out;
}

/** The checks every sampler makes, under its name; returns the element count. */
function checkDraw(op: string, k: Key, shape: Shape, dtype: unknown): number {
  checkKeyOf(op, k);
  const n = checkShape(op, shape);
  checkDType(op, dtype);
  return n;
}

/** Options of {@linkcode uniform}. */
export interface UniformOptions {
  /** Lower bound (inclusive), default 0. */
  min?: number;
  /** Upper bound (exclusive), default 1. */
  max?: number;
  /** Element type, default float32. */
  dtype?: DType;
}

/**
 * Samples uniformly from [min, max).
 *
 * @example
 * ```ts
 * import { key, uniform } from "./random.ts";
 * const u = uniform(key(0), [1000], { min: -1, max: 1 });
 * if (u.data.some((v) => v < -1 || v >= 1)) throw new Error("out of range");
 * ```
 */
export function uniform(k: Key, shape: Shape, options: UniformOptions = {}): Tensor {
  const op = "uniform";
  const { min = 0, max = 1, dtype = DEFAULT_DTYPE } = checkOptions(op, options, [
    "min",
    "max",
    "dtype",
  ]);
  const n = checkDraw(op, k, shape, dtype);
  checkNumber(op, "min", min);
  checkNumber(op, "max", max);
  if (!(min < max)) {
    throw new RangeError(`uniform: need finite min < max, got min=${min}, max=${max}`);
  }
  const data = unitFloats(k, n, dtype, op);
  const scale = max - min;
  for (let i = 0; i < n; i++) data[i] = min + scale * data[i];
  // Rounding to float32 can land exactly on max; keep the interval half-open.
  if (dtype === "float32") {
    for (let i = 0; i < n; i++) {
      if (data[i] >= max) data[i] = Math.fround(max - Math.abs(max) * 1e-7);
    }
  }
  return fromTypedArray(data, shape);
}

/** Options of {@linkcode normal}. */
export interface NormalOptions {
  /** Mean, default 0. */
  mean?: number;
  /** Standard deviation, default 1. */
  std?: number;
  /** Element type, default float32. */
  dtype?: DType;
}

/**
 * Samples from a normal distribution (Box-Muller on float64 uniforms, then cast).
 *
 * @example
 * ```ts
 * import { key, normal } from "./random.ts";
 * const z = normal(key(0), [10000]);
 * let mean = 0;
 * for (const v of z.data) mean += v / z.data.length;
 * if (Math.abs(mean) > 0.05) throw new Error("mean too far from 0");
 * ```
 */
export function normal(k: Key, shape: Shape, options: NormalOptions = {}): Tensor {
  const op = "normal";
  const { mean = 0, std = 1, dtype = DEFAULT_DTYPE } = checkOptions(op, options, [
    "mean",
    "std",
    "dtype",
  ]);
  const n = checkDraw(op, k, shape, dtype);
  checkNumber(op, "mean", mean);
  checkNumber(op, "std", std, { min: 0 });
  const pairs = Math.ceil(n / 2);
  const u = unitFloats(k, 2 * pairs, "float64", op);
  const data = allocate(dtype, n, op);
  for (let i = 0; i < pairs; i++) {
    // 1 - u is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - u[2 * i]));
    const theta = 2 * Math.PI * u[2 * i + 1];
    data[2 * i] = mean + std * r * Math.cos(theta);
    if (2 * i + 1 < n) data[2 * i + 1] = mean + std * r * Math.sin(theta);
  }
  return fromTypedArray(data, shape);
}

/**
 * Samples 1 with probability `p` and 0 otherwise.
 *
 * @example
 * ```ts
 * import { bernoulli, key } from "./random.ts";
 * const b = bernoulli(key(3), [4], 1);
 * if (b.data.some((v) => v !== 1)) throw new Error("p = 1 gives ones");
 * ```
 */
export function bernoulli(k: Key, shape: Shape, p: number, dtype: DType = DEFAULT_DTYPE): Tensor {
  const op = "bernoulli";
  const n = checkDraw(op, k, shape, dtype);
  checkNumber(op, "p", p, { min: 0, max: 1 });
  const u = unitFloats(k, n, "float64", op);
  const data = allocate(dtype, n, op);
  for (let i = 0; i < n; i++) data[i] = u[i] < p ? 1 : 0;
  return fromTypedArray(data, shape);
}

/**
 * A uniformly random permutation of `0 .. n-1` (Fisher-Yates driven by the key).
 *
 * @example
 * ```ts
 * import { key, permutation } from "./random.ts";
 * const p = permutation(key(0), 5);
 * if ([...p].sort().join() !== "0,1,2,3,4") throw new Error("not a permutation");
 * ```
 */
export function permutation(k: Key, n: number): Uint32Array {
  checkKeyOf("permutation", k);
  checkInteger("permutation", "n", n, { min: 0, max: 0x3fffffff });
  let perm: Uint32Array;
  try {
    perm = new Uint32Array(n);
  } catch (e) {
    throw new RangeError(`permutation: could not allocate ${n} indices (${(e as Error).message})`, {
      cause: e,
    });
  }
  for (let i = 0; i < n; i++) perm[i] = i;
  const u = unitFloats(k, n, "float64", "permutation");
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}
