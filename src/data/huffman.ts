/**
 * The Huffman side of DEFLATE (RFC 1951): the length and distance tables, the canonical table
 * builder with zlib's verdicts on over-subscribed and incomplete codes, and the fixed tables.
 *
 * @module
 */

/** Base lengths of the length codes 257..285 (RFC 1951 §3.2.5). */
export const LEN_BASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
/** Extra bits of the length codes 257..285. */
export const LEN_EXTRA = [
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
];
/** Base distances of the distance codes 0..29. */
export const DIST_BASE = [
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
];
/** Extra bits of the distance codes 0..29. */
export const DIST_EXTRA = [
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
];
/** The order in which a dynamic block lists its code-length code lengths. */
export const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A decoding table indexed by the next `bits` input bits: `symbol << 4 | length`, 0 = invalid. */
export interface Huffman {
  readonly table: Int32Array;
  readonly bits: number;
}

/** Which code a table is for (it decides zlib's message and which incomplete codes pass). */
export type Kind = "codes" | "lens" | "dists";

/**
 * Builds the canonical Huffman table of `lengths`, or names zlib's error. As zlib does, an
 * incomplete code is allowed only for literal/length and distance codes with a single code of
 * length one, and a distance code may be empty (then only literals can be used).
 */
export function build(lengths: ArrayLike<number>, kind: Kind): Huffman | string {
  const count = new Int32Array(16);
  let max = 0;
  for (let s = 0; s < lengths.length; s++) {
    count[lengths[s]]++;
    if (lengths[s] > max) max = lengths[s];
  }
  count[0] = 0;
  const names = { codes: "code lengths", lens: "literal/lengths", dists: "distances" };
  if (max === 0) {
    return kind === "dists" ? { table: new Int32Array(2), bits: 1 } : `invalid ${names[kind]} set`;
  }
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - count[len];
    if (left < 0) return `invalid ${names[kind]} set`;
  }
  if (left > 0 && (kind === "codes" || max !== 1)) return `invalid ${names[kind]} set`;
  const next = new Int32Array(16);
  for (let len = 2; len <= 15; len++) next[len] = (next[len - 1] + count[len - 1]) << 1;
  const size = 1 << max;
  const table = new Int32Array(size);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    let code = next[len]++, rev = 0;
    for (let k = 0; k < len; k++) {
      rev = (rev << 1) | (code & 1);
      code >>= 1;
    }
    for (let j = rev; j < size; j += 1 << len) table[j] = (s << 4) | len;
  }
  return { table, bits: max };
}

function fixedTables(): [Huffman, Huffman] {
  const lens = new Uint8Array(288);
  lens.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  const dists = new Uint8Array(32).fill(5);
  return [build(lens, "lens") as Huffman, build(dists, "lens") as Huffman];
}
/** The fixed literal/length and distance tables of block type 1. */
export const [FIXED_LENS, FIXED_DISTS] = fixedTables();
