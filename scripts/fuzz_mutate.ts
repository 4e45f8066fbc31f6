/**
 * Seeded mutated files for fuzzing the file readers: safetensors files, gradstream
 * checkpoints, IDX files (plain and gzipped) and bare gzip files, each built from a valid seed file and then
 * damaged at the byte, JSON-token, skeleton or gzip level. The same seed gives the same
 * cases on every runtime. Used by `test/files_fuzz_test.ts` (a few thousand cases) and by
 * `scripts/fuzz_files.ts` (the long run against the reference readers).
 *
 * The seed files are built in `fuzz_seeds.ts`, the JSON-token damage in `fuzz_mutate_json.ts`.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { foldIn, key, randomBits } from "../src/random.ts";
import { mutateJson } from "./fuzz_mutate_json.ts";
import { container, seeds } from "./fuzz_seeds.ts";

/** Which reader a case is for. */
export type FuzzKind = "safetensors" | "checkpoint" | "idx" | "gzip" | "deflate";

/** One fuzz case: the reader it targets, the bytes, and how they were made (for reports). */
export interface FuzzCase {
  readonly kind: FuzzKind;
  readonly bytes: Uint8Array;
  readonly how: string;
}

/** A stream of random integers drawn from a Threefry key, refilled as it runs out. */
function draws(seed: number, index: number) {
  const base = foldIn(key(seed), index);
  let block = 0, words = randomBits(base, 64), at = 0;
  const next = () => {
    if (at === words.length) {
      words = randomBits(foldIn(base, ++block), 64);
      at = 0;
    }
    return words[at++];
  };
  const below = (n: number) => next() % n;
  return {
    below,
    pick: <T>(xs: readonly T[]): T => xs[below(xs.length)],
    chance: (p: number) => next() / 2 ** 32 < p,
  };
}
/** The draw stream a mutator takes. */
export type Draws = ReturnType<typeof draws>;

function mutateBytes(bytes: Uint8Array, r: Draws): Uint8Array {
  const b = [...bytes];
  const at = () => r.below(Math.max(1, b.length));
  switch (r.below(6)) {
    case 0:
      if (b.length) b[at()] ^= 1 << r.below(8);
      break;
    case 1:
      if (b.length) {
        b[at()] = r.pick([
          0,
          0xff,
          0x7f,
          0x80,
          0x22,
          0x7b,
          0x5b,
          0x5c,
          0x2d,
          0x30,
          0x20,
          0x1f,
          0x8b,
          r.below(256),
        ]);
      }
      break;
    case 2:
      b.splice(at(), 0, ...Array.from({ length: 1 + r.below(8) }, () => r.below(256)));
      break;
    case 3:
      b.splice(at(), 1 + r.below(8));
      break;
    case 4:
      b.length = r.below(b.length + 1);
      break;
    default:
      b.push(...Array.from({ length: 1 + r.below(8) }, () => r.pick([0, r.below(256)])));
  }
  return new Uint8Array(b);
}

/** Splits safetensors bytes into header text and the rest; undefined if not readable. */
function splitSafetensors(bytes: Uint8Array): { header: string; data: Uint8Array } | undefined {
  if (bytes.length < 8) return undefined;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > bytes.length - 8) return undefined;
  try {
    const header = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
    return { header, data: bytes.subarray(8 + n) };
  } catch {
    return undefined;
  }
}

function mutateContainer(bytes: Uint8Array, r: Draws, skeleton: boolean): [Uint8Array, string] {
  const parts = splitSafetensors(bytes);
  if (parts === undefined || r.chance(0.3)) return [mutateBytes(bytes, r), "bytes"];
  let { header, data } = parts;
  let how = "json";
  if (skeleton && r.chance(0.6)) {
    // Damage the tree skeleton inside the metadata and re-encode the metadata properly.
    try {
      const parsed = JSON.parse(header);
      const tree = parsed.__metadata__?.["gradstream.tree"];
      if (typeof tree === "string") {
        parsed.__metadata__["gradstream.tree"] = mutateJson(tree, r);
        header = JSON.stringify(parsed);
        how = "skeleton";
      }
    } catch { /* a damaged header stays as it is */ }
  } else {
    header = mutateJson(header, r);
  }
  if (r.chance(0.2)) data = mutateBytes(data, r);
  const out = container(header, data, r.chance(0.5));
  return [r.chance(0.1) ? mutateBytes(out, r) : out, how];
}

function mutateIdx(bytes: Uint8Array, r: Draws): [Uint8Array, string] {
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gz && r.chance(0.6)) {
    const b = bytes.slice();
    switch (r.below(4)) {
      case 0: // the FEXTRA, FNAME, FCOMMENT or FHCRC flag, or a reserved one
        b[3] ^= 1 << r.below(8);
        return [b, "gzip-flags"];
      case 1: // the CRC or the length in the trailer
        if (b.length >= 8) b[b.length - 1 - r.below(8)] ^= 1 << r.below(8);
        return [b, "gzip-trailer"];
      case 2:
        return [
          new Uint8Array([
            ...b,
            ...r.pick([[0, 0], [0x1f, 0x8b], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0], [7]]),
          ]),
          "gzip-after",
        ];
      default:
        return [mutateBytes(b, r), "gzip-bytes"];
    }
  }
  let plain = bytes;
  if (gz) return [mutateBytes(bytes, r), "gzip-bytes"];
  const b = plain.slice();
  if (r.chance(0.5) && b.length >= 8) {
    const v = new DataView(b.buffer);
    const d = r.below(Math.max(1, Math.min(b[3], Math.floor((b.length - 4) / 4))));
    v.setUint32(
      4 + 4 * d,
      r.pick([
        0,
        1,
        0xffffffff,
        0x10000,
        v.getUint32(4 + 4 * d) + 1,
        v.getUint32(4 + 4 * d) - 1,
      ]) >>> 0,
    );
    plain = b;
  } else plain = mutateBytes(b, r);
  if (r.chance(0.4)) {
    return [new Uint8Array(gzipSync(plain, { level: r.pick([0, 1, 9]) })), "idx+gzip"];
  }
  return [plain, "idx"];
}

function flipBits(bytes: Uint8Array, r: Draws): Uint8Array {
  const b = bytes.slice();
  const flips = 1 + r.below(3);
  for (let k = 0; k < flips && b.length > 0; k++) b[r.below(b.length)] ^= 1 << r.below(8);
  return b;
}

/** Damages a gzip file, mostly inside its DEFLATE stream, where a decoder has the most to check. */
function mutateGzip(bytes: Uint8Array, r: Draws): [Uint8Array, string] {
  const b = bytes.slice();
  if (b.length > 18 && r.chance(0.7)) {
    const flips = 1 + r.below(3);
    for (let k = 0; k < flips; k++) b[10 + r.below(b.length - 18)] ^= 1 << r.below(8);
    return [b, "deflate-bits"];
  }
  return mutateIdx(b, r);
}

/**
 * `count` cases from `seed`, cycling safetensors, checkpoint, IDX, bare gzip and raw DEFLATE. Case `i` depends only on
 * `seed` and `i` (a Threefry key folded with `i`), so any case can be replayed alone with
 * `fuzzCases(seed, 1, i)`.
 */
export function* fuzzCases(
  seed: number,
  count: number,
  start = 0,
): Generator<FuzzCase & { index: number }> {
  const s = seeds();
  const kinds: FuzzKind[] = ["safetensors", "checkpoint", "idx", "gzip", "deflate"];
  for (let i = start; i < start + count; i++) {
    const r = draws(seed, i);
    const kind = kinds[i % kinds.length];
    const pool = s[kind];
    let bytes = r.pick(pool);
    let how = "seed";
    // One case in 20 is a seed as it is: valid files must keep being accepted.
    if (r.chance(0.95)) {
      const rounds = 1 + r.below(3);
      const hows: string[] = [];
      for (let k = 0; k < rounds; k++) {
        const [b, h] = kind === "idx"
          ? mutateIdx(bytes, r)
          : kind === "gzip"
          ? mutateGzip(bytes, r)
          : kind === "deflate"
          ? [r.chance(0.7) ? flipBits(bytes, r) : mutateBytes(bytes, r), "deflate"] as [
            Uint8Array,
            string,
          ]
          : mutateContainer(bytes, r, kind === "checkpoint");
        bytes = b;
        hows.push(h);
      }
      how = hows.join("+");
    }
    yield { kind, bytes, how, index: i };
  }
}
