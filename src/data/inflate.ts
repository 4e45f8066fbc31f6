/**
 * DEFLATE decompression (RFC 1951) in plain TypeScript, with zlib's verdicts: what zlib
 * rejects (an over-subscribed or incomplete Huffman code, a length code past 285, a distance
 * past the data, a stored block whose lengths disagree) is rejected here with zlib's words,
 * and the end of the compressed stream is known exactly, so a gzip file's members and trailer
 * can be read after it. Output is bounded: the caller says how many bytes it will take, so a
 * small file that claims to expand enormously costs no more memory than the caller allows.
 *
 * The runtimes' `DecompressionStream` is not used: Deno and Bun disagree on concatenated
 * members and trailing bytes, neither reports where a stream ends, and neither bounds its
 * output.
 *
 * @module
 */

import {
  build,
  CLEN_ORDER,
  DIST_BASE,
  DIST_EXTRA,
  FIXED_DISTS,
  FIXED_LENS,
  type Huffman,
  LEN_BASE,
  LEN_EXTRA,
} from "./huffman.ts";

/** Why a DEFLATE stream is invalid (zlib's message), or that it ended early. */
export class InflateError extends TypeError {
  /** Builds the error; `reason` is the message. */
  constructor(reason: string) {
    super(reason);
    this.name = "InflateError";
  }
}

/** The output would pass the caller's limit. */
export class InflateLimitError extends RangeError {
  /** Builds the error for a stream that expands past `limit` bytes. */
  constructor(readonly limit: number) {
    super(`expands past ${limit} bytes`);
    this.name = "InflateLimitError";
  }
}

/** The result of {@linkcode inflateRaw}. */
export interface Inflated {
  /** The decompressed bytes (at most the limit). */
  readonly output: Uint8Array;
  /** Bytes of input the stream used (the rest follows it: a gzip trailer, say). */
  readonly consumed: number;
  /** True when decoding stopped at the limit in `partial` mode (the stream is not checked further). */
  readonly cut: boolean;
}

/**
 * Decompresses the raw DEFLATE stream at the start of `input`. Throws an
 * {@linkcode InflateError} for an invalid or truncated stream, and an
 * {@linkcode InflateLimitError} when the output would exceed `limit` bytes, unless `partial`,
 * in which case it returns the first `limit` bytes with `cut: true`.
 *
 * @example
 * ```ts
 * import { inflateRaw } from "./inflate.ts";
 * // A stored (uncompressed) final block holding "hi".
 * const { output, consumed } = inflateRaw(new Uint8Array([1, 2, 0, 0xfd, 0xff, 104, 105, 9]));
 * if (new TextDecoder().decode(output) !== "hi" || consumed !== 7) throw new Error("unexpected");
 * ```
 */
export function inflateRaw(input: Uint8Array, limit = Infinity, partial = false): Inflated {
  const n = input.length;
  let pos = 0, buf = 0, cnt = 0;
  // Never longer than the limit, so that a literal fits whenever the buffer has room.
  let out = new Uint8Array(Math.min(limit, Math.max(1024, n * 4)));
  let length = 0;
  const truncated = () =>
    new InflateError("the compressed data ends before the end-of-stream marker");
  const fill = () => {
    while (cnt <= 24) {
      buf |= (pos < n ? input[pos] : 0) << cnt;
      pos++;
      cnt += 8;
    }
  };
  const take = (k: number): number => {
    if (cnt < k) fill();
    const v = buf & ((1 << k) - 1);
    buf >>>= k;
    cnt -= k;
    if (pos > n && pos * 8 - cnt > n * 8) throw truncated();
    return v;
  };
  const decode = (h: Huffman, what: string): number => {
    if (cnt < 15) fill();
    const e = h.table[buf & ((1 << h.bits) - 1)];
    if (e === 0) throw new InflateError(`invalid ${what} code`);
    const len = e & 15;
    buf >>>= len;
    cnt -= len;
    if (pos > n && pos * 8 - cnt > n * 8) throw truncated();
    return e >> 4;
  };
  /** Room for `k` more bytes, or false when the limit says stop (partial mode). */
  const room = (k: number): boolean => {
    if (length + k > limit) {
      if (partial) return false;
      throw new InflateLimitError(limit);
    }
    if (length + k > out.length) {
      const bigger = new Uint8Array(Math.min(limit, Math.max(out.length * 2, length + k)));
      bigger.set(out.subarray(0, length));
      out = bigger;
    }
    return true;
  };
  const done = (cut: boolean): Inflated => ({
    output: out.subarray(0, cut ? Math.min(length, limit) : length),
    consumed: pos - Math.floor(cnt / 8),
    cut,
  });
  const lengths = new Uint8Array(286 + 30);
  for (;;) {
    const last = take(1);
    const type = take(2);
    if (type === 0) {
      // Stored: drop to the byte boundary and give back the whole bytes the bit buffer holds.
      take(cnt & 7);
      pos -= cnt >> 3;
      buf = 0;
      cnt = 0;
      if (pos + 4 > n) throw truncated();
      const len = input[pos] | (input[pos + 1] << 8);
      const nlen = input[pos + 2] | (input[pos + 3] << 8);
      if (len !== (~nlen & 0xffff)) throw new InflateError("invalid stored block lengths");
      pos += 4;
      const k = Math.min(len, n - pos);
      if (!room(k)) {
        out.set(input.subarray(pos, pos + (limit - length)), length);
        length = limit;
        return done(true);
      }
      out.set(input.subarray(pos, pos + k), length);
      length += k;
      pos += k;
      if (k < len) throw truncated();
    } else if (type === 3) {
      throw new InflateError("invalid block type");
    } else {
      let lens = FIXED_LENS, dists = FIXED_DISTS;
      if (type === 2) {
        const nlen = take(5) + 257, ndist = take(5) + 1, ncode = take(4) + 4;
        if (nlen > 286 || ndist > 30) throw new InflateError("too many length or distance symbols");
        const clens = new Uint8Array(19);
        for (let k = 0; k < ncode; k++) clens[CLEN_ORDER[k]] = take(3);
        const codes = build(clens, "codes");
        if (typeof codes === "string") throw new InflateError(codes);
        lengths.fill(0);
        for (let have = 0; have < nlen + ndist;) {
          const sym = decode(codes, "code lengths");
          if (sym < 16) {
            lengths[have++] = sym;
            continue;
          }
          let value = 0, copy: number;
          if (sym === 16) {
            if (have === 0) throw new InflateError("invalid bit length repeat");
            value = lengths[have - 1];
            copy = 3 + take(2);
          } else copy = sym === 17 ? 3 + take(3) : 11 + take(7);
          if (have + copy > nlen + ndist) throw new InflateError("invalid bit length repeat");
          lengths.fill(value, have, have + copy);
          have += copy;
        }
        if (lengths[256] === 0) throw new InflateError("invalid code -- missing end-of-block");
        const l = build(lengths.subarray(0, nlen), "lens");
        if (typeof l === "string") throw new InflateError(l);
        const d = build(lengths.subarray(nlen, nlen + ndist), "dists");
        if (typeof d === "string") throw new InflateError(d);
        lens = l;
        dists = d;
      }
      const lensTable = lens.table, lensMask = (1 << lens.bits) - 1;
      for (;;) {
        // decode(lens) written out: this loop is where the time goes.
        if (cnt < 15) fill();
        const entry = lensTable[buf & lensMask];
        if (entry === 0) throw new InflateError("invalid literal/length code");
        buf >>>= entry & 15;
        cnt -= entry & 15;
        if (pos > n && pos * 8 - cnt > n * 8) throw truncated();
        const sym = entry >> 4;
        if (sym < 256) {
          if (length >= out.length && !room(1)) return done(true);
          out[length++] = sym;
          continue;
        }
        if (sym === 256) break;
        if (sym > 285) throw new InflateError("invalid literal/length code");
        const li = sym - 257;
        const len = LEN_BASE[li] + (LEN_EXTRA[li] ? take(LEN_EXTRA[li]) : 0);
        const ds = decode(dists, "distance");
        if (ds > 29) throw new InflateError("invalid distance code");
        const dist = DIST_BASE[ds] + (DIST_EXTRA[ds] ? take(DIST_EXTRA[ds]) : 0);
        if (dist > length) throw new InflateError("invalid distance too far back");
        if (!room(len)) {
          const k = limit - length;
          for (let j = 0; j < k; j++, length++) out[length] = out[length - dist];
          return done(true);
        }
        for (let j = 0; j < len; j++, length++) out[length] = out[length - dist];
      }
    }
    if (last) return done(false);
  }
}
