/**
 * PRNG keys: Threefry-2x32 with 20 rounds (as in JAX and Random123), `key`, `split`, `foldIn`
 * and raw bits. The samplers over these keys live in `./random.ts`, which re-exports this
 * module's public names.
 *
 * @module
 */

import { checkInteger, checkKey as checkKeyOf, describeValue } from "./_checks.ts";

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
export function bits(k: Key, n: number, op: string): Uint32Array {
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
