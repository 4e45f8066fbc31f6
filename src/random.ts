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
  describeValue,
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

/** A PRNG key: two unsigned 32-bit words. */
export type Key = readonly [number, number];

/**
 * Threefry-2x32 with 20 rounds (Random123's rotation constants 13 15 26 6 / 17 29 16 24) on
 * `pairs` consecutive counters `(c0, c1), (c0, c1 + 1), ...` under the key `(key0, key1)`,
 * writing two words per counter into `out` from `offset`.
 *
 * The rounds are written out, in int32 arithmetic (`| 0` wraps like uint32 addition; the
 * stores into the Uint32Array reinterpret the bits): with loops over rotation tables and a key
 * schedule array, generation was 3-4x slower, and dropout draws a word per activation every
 * step. The known-answer tests in `test/random_test.ts` pin the output.
 */
function threefryBlocks(
  key0: number,
  key1: number,
  c0: number,
  c1: number,
  out: Uint32Array,
  offset: number,
  pairs: number,
): void {
  const k0 = key0 | 0, k1 = key1 | 0;
  const k2 = k0 ^ k1 ^ 0x1bd11bda;
  for (let p = 0, o = offset; p < pairs; p++, o += 2) {
    let x0 = (c0 + k0) | 0;
    let x1 = (c1 + p + k1) | 0;
    // rounds 1-4, then key injection 1
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k1) | 0;
    x1 = (x1 + k2 + 1) | 0;
    // rounds 5-8, then key injection 2
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
    x0 = (x0 + k2) | 0;
    x1 = (x1 + k0 + 2) | 0;
    // rounds 9-12, then key injection 3
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k0) | 0;
    x1 = (x1 + k1 + 3) | 0;
    // rounds 13-16, then key injection 4
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
    x0 = (x0 + k1) | 0;
    x1 = (x1 + k2 + 4) | 0;
    // rounds 17-20, then key injection 5
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0;
    x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k2) | 0;
    x1 = (x1 + k0 + 5) | 0;
    out[o] = x0;
    out[o + 1] = x1;
  }
}

/**
 * The Threefry-2x32 block function: encrypts counter `(c0, c1)` under `key`.
 * Returns two uint32 words written into `out` at `offset`.
 */
export function threefry2x32(key: Key, c0: number, c1: number, out: Uint32Array, offset = 0): void {
  const op = "threefry2x32";
  checkKeyOf(op, key);
  checkInteger(op, "c0", c0, { min: 0, max: 0xffffffff });
  checkInteger(op, "c1", c1, { min: 0, max: 0xffffffff });
  if (!(out instanceof Uint32Array)) {
    throw new TypeError(`${op}: out must be a Uint32Array, got ${describeValue(out)}`);
  }
  checkInteger(op, "offset", offset, { min: 0, max: out.length - 2 });
  threefryBlocks(key[0], key[1], c0, c1, out, offset, 1);
}

/**
 * A key from an integer seed (any safe integer; negative seeds are allowed).
 *
 * @example
 * ```ts
 * import { key } from "./random.ts";
 * const k = key(42);
 * if (k[0] !== 0 || k[1] !== 42) throw new Error("unexpected");
 * ```
 */
export function key(seed: number): Key {
  checkInteger("key", "seed", seed);
  const hi = Math.floor(seed / 0x100000000);
  return Object.freeze([hi >>> 0, seed >>> 0]) as Key;
}

/**
 * Derives `n` independent keys from `key` (default 2).
 *
 * @example
 * ```ts
 * import { key, split } from "./random.ts";
 * const [a, b] = split(key(0));
 * if (a[0] === b[0] && a[1] === b[1]) throw new Error("keys must differ");
 * ```
 */
export function split(k: Key, n = 2): Key[] {
  checkKeyOf("split", k);
  checkInteger("split", "n", n, { min: 1, max: 1 << 20 });
  const out = new Uint32Array(2);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) {
    threefryBlocks(k[0], k[1], 0, i, out, 0, 1);
    keys.push(Object.freeze([out[0], out[1]]) as Key);
  }
  return keys;
}

/**
 * Folds an integer (a step, an epoch, a layer index) into a key, giving a new key.
 *
 * @example
 * ```ts
 * import { foldIn, key } from "./random.ts";
 * const a = foldIn(key(1), 7), b = foldIn(key(1), 8);
 * if (a[1] === b[1]) throw new Error("keys must differ");
 * ```
 */
export function foldIn(k: Key, data: number): Key {
  checkKeyOf("foldIn", k);
  checkInteger("foldIn", "data", data, { min: 0, max: 0xffffffff });
  const out = new Uint32Array(2);
  threefryBlocks(k[0], k[1], 1, data, out, 0, 1);
  return Object.freeze([out[0], out[1]]) as Key;
}

/** `n` raw uint32 words from a key: Threefry of counters (0x80000000 | i/2 ...). */
export function randomBits(k: Key, n: number): Uint32Array {
  checkKeyOf("randomBits", k);
  checkInteger("randomBits", "n", n, { min: 0, max: 0x7ffffffe });
  return bits(k, n, "randomBits");
}

/** {@linkcode randomBits} without the checks, for callers that made them under their name. */
function bits(k: Key, n: number, op: string): Uint32Array {
  let words: Uint32Array;
  try {
    words = new Uint32Array(n + (n & 1));
  } catch (e) {
    throw new RangeError(`${op}: could not allocate ${n} random words (${(e as Error).message})`, {
      cause: e,
    });
  }
  // The high counter word is 2 so these streams never collide with split (0) or foldIn (1).
  threefryBlocks(k[0], k[1], 2, 0, words, 0, words.length >>> 1);
  return n === words.length ? words : words.subarray(0, n);
}

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
