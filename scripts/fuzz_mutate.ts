/**
 * Seeded mutated files for fuzzing the file readers: safetensors files, gradstream
 * checkpoints, IDX files (plain and gzipped) and bare gzip files, each built from a valid seed file and then
 * damaged at the byte, JSON-token, skeleton or gzip level. The same seed gives the same
 * cases on every runtime. Used by `test/files_fuzz_test.ts` (a few thousand cases) and by
 * `scripts/fuzz_files.ts` (the long run against the reference readers).
 *
 * @module
 */

import { constants, deflateRawSync, gzipSync } from "node:zlib";
import { encodeCheckpoint } from "../src/checkpoint/checkpoint_tree.ts";
import { encodeNamedTensors } from "../src/checkpoint/safetensors.ts";
import { foldIn, key, randomBits } from "../src/random.ts";
import { tensor } from "../src/tensor.ts";

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
type Draws = ReturnType<typeof draws>;

const enc = new TextEncoder();
const u8 = (xs: number[]) => new Uint8Array(xs);

function container(header: string, data: Uint8Array, pad = true): Uint8Array {
  let h = enc.encode(header);
  if (pad && h.length % 8) h = new Uint8Array([...h, ...new Array(8 - (h.length % 8)).fill(0x20)]);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function safetensorsSeeds(): Uint8Array[] {
  const stored = [
    {
      name: "count",
      tensor: { dtype: "I64" as const, shape: [], bytes: u8([7, 0, 0, 0, 0, 0, 0, 0]) },
    },
    { name: "half", tensor: { dtype: "F16" as const, shape: [2], bytes: u8([0, 0x3e, 0, 0xc0]) } },
    { name: "brain", tensor: { dtype: "BF16" as const, shape: [1, 1], bytes: u8([0x80, 0x3f]) } },
    { name: "mask", tensor: { dtype: "BOOL" as const, shape: [2], bytes: u8([1, 0]) } },
    { name: "none", tensor: { dtype: "U8" as const, shape: [0, 3], bytes: u8([]) } },
  ];
  return [
    encodeNamedTensors(
      [{ name: "a", tensor: tensor([[1, 2], [3, 4]]) }, {
        name: "b",
        tensor: tensor([5], [1], "float64"),
      }],
      { epoch: "3" },
    ),
    encodeNamedTensors([{ name: "w", tensor: tensor([0.5, -1]) }, ...stored]),
    encodeNamedTensors([]),
    container(
      ' {"__metadata__":null,"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      u8([0, 0, 128, 63]),
    ),
    container(
      '{"x":["F32",[1],[0,4]],"y":{"dtype":{"U8":null},"shape":[2],"data_offsets":[4,6]}}',
      u8([0, 0, 128, 63, 1, 2]),
      false,
    ),
    container(
      '{"y":{"data_offsets":[4,8],"shape":[1],"dtype":"I32","extra":[1,{"k":null}]},"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}',
      u8([0, 0, 128, 63, 1, 0, 0, 0]),
    ),
  ];
}

function checkpointSeeds(): Uint8Array[] {
  return [
    encodeCheckpoint({
      params: [{ w: tensor([[1, 2], [3, 4]]), b: tensor([0, 1]) }, null, {
        gamma: tensor([1], [1], "float64"),
      }],
      state: [null, null, { mean: tensor([0]), var: tensor([1]) }],
      step: 12,
      best: Infinity,
      tag: "run",
      flags: [true, false, -0, NaN],
    }),
    encodeCheckpoint({
      optState: [[{ count: tensor([3], [], "float64") }, null]],
      nested: { a: { b: { c: [] } } },
    }),
  ];
}

function idx(code: number, shape: number[], body: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + body.length);
  out[2] = code;
  out[3] = shape.length;
  const v = new DataView(out.buffer);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * shape.length);
  return out;
}

function idxSeeds(): Uint8Array[] {
  const images = idx(0x08, [3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));
  const plain = [
    idx(0x08, [4], [1, 9, 0, 3]),
    images,
    idx(0x0b, [2], [0x80, 0, 0, 1]),
    idx(0x0d, [1, 1], [0x3f, 0x80, 0, 0]),
    idx(0x0e, [1], [0x40, 0, 0, 0, 0, 0, 0, 0]),
    idx(0x09, [0], []),
  ];
  const gz = (b: Uint8Array, level = 6) => new Uint8Array(gzipSync(b, { level }));
  const big = idx(0x08, [64, 64], new Array(4096).fill(0).map((_, i) => (i * 7) & 0xff));
  return [
    ...plain,
    ...plain.map((b) => gz(b)),
    gz(images, 0),
    gz(big, 1),
    gz(big, 9),
    new Uint8Array([...gz(images.subarray(0, 7)), ...gz(images.subarray(7))]),
    new Uint8Array([...gz(plain[0]), 0, 0, 0]),
    // A bomb: the header promises 16 bytes, the stream holds 4 MiB of zeros.
    gz(new Uint8Array([...idx(0x08, [16], []), ...new Uint8Array(4 << 20)]), 9),
  ];
}

const NUMBERS = [
  "-0",
  "24.0",
  "1e2",
  "0",
  "18446744073709551615",
  "18446744073709551616",
  "9007199254740993",
  "-1",
  "4294967296",
  "01",
  "1e400",
  "4611686018427387904",
  "3",
  "1.7976931348623157e308",
  "1.7976931348623158e308",
  "1e-400",
  "0e99999999999",
];
const STRINGS = [
  '"toString"',
  '"constructor"',
  '"__proto__"',
  '"hasOwnProperty"',
  '"F16"',
  '"I64"',
  '"BF16"',
  '"F4"',
  '"C64"',
  '"__metadata__"',
  '"\\ud800"',
  '"a\\udc00b"',
  '"\\u0041"',
  '"\\u005f_metadata__"',
  '""',
  '"gradstream.tree"',
  '"tensor"',
  '"object"',
  '"number"',
  '"NaN"',
];
const INSERTS = [
  "null",
  "{}",
  "[]",
  ",",
  ":",
  '"',
  "\\",
  " ",
  "\t",
  "\u0001",
  '"__metadata__":null,',
  '"__metadata__":{},',
  '"dtype":"F32",',
  "[[[[",
  "]]",
  "}",
  "{",
];

function tokens(text: string, re: RegExp): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(re)) out.push([m.index!, m.index! + m[0].length]);
  return out;
}

/** Damages JSON text: a number, a string or a character replaced, something inserted, deep nesting. */
function mutateJson(text: string, r: Draws): string {
  const splice = (a: number, b: number, s: string) => text.slice(0, a) + s + text.slice(b);
  switch (r.below(7)) {
    case 0: {
      const t = tokens(text, /-?\d+(\.\d+)?([eE][+-]?\d+)?/g);
      if (t.length === 0) return text;
      const [a, b] = r.pick(t);
      return splice(a, b, r.pick(NUMBERS));
    }
    case 1: {
      const t = tokens(text, /"(?:[^"\\]|\\.)*"/g);
      if (t.length === 0) return text;
      const [a, b] = r.pick(t);
      return splice(a, b, r.pick(STRINGS));
    }
    case 2: {
      const at = r.below(text.length + 1);
      return splice(at, at, r.pick(INSERTS));
    }
    case 3: {
      const at = r.below(text.length);
      return splice(at, at + 1 + r.below(3), "");
    }
    case 4: {
      // Deep nesting, around a value or as an extra field.
      const depth = r.pick([120, 126, 127, 128, 300, 2000, 5000]);
      const open = r.chance(0.5) ? "[".repeat(depth) : '{"k":'.repeat(depth);
      const close = open[0] === "[" ? "]".repeat(depth) : "}".repeat(depth);
      const t = tokens(text, /\[|\{/g);
      if (t.length === 0) return text;
      const [a] = r.pick(t);
      return splice(
        a + 1,
        a + 1,
        `"deep":${open}1${close}${text[a + 1] === "}" || text[a + 1] === "]" ? "" : ","}`,
      );
    }
    case 5: {
      // A repeated entry: copy a "key":value pair found by a small scan.
      const t = tokens(text, /"(?:[^"\\]|\\.)*":\{[^{}]*\}/g);
      if (t.length === 0) return text;
      const [a, b] = r.pick(t);
      return splice(b, b, "," + text.slice(a, b));
    }
    default: {
      return (r.chance(0.5) ? " \n\t\r".slice(0, 1 + r.below(4)) : "") + text +
        (r.chance(0.5) ? " " : "\u0000");
    }
  }
}

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

function gzipSeeds(): Uint8Array[] {
  const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog ".repeat(40));
  const noise = new Uint8Array(700).map((_, i) => (i * 2654435761) >>> 24);
  const runs = new Uint8Array(3000).map((_, i) => (i >> 7) & 3);
  const out: Uint8Array[] = [];
  for (const data of [text, noise, runs, new Uint8Array(0)]) {
    for (const level of [0, 1, 9]) {
      for (
        const strategy of [
          constants.Z_DEFAULT_STRATEGY,
          constants.Z_FIXED,
          constants.Z_HUFFMAN_ONLY,
        ]
      ) {
        out.push(new Uint8Array(gzipSync(data, { level, strategy })));
      }
    }
  }
  out.push(new Uint8Array([...out[0], ...out[10]]));
  return out;
}

/** Raw DEFLATE streams (the gzip seeds' bodies): a decoder's verdicts with no CRC to hide them. */
function deflateSeeds(): Uint8Array[] {
  const text = new TextEncoder().encode("abracadabra, abracadabra! ".repeat(30));
  const runs = new Uint8Array(2000).map((_, i) => (i >> 5) % 5);
  const out: Uint8Array[] = [];
  for (const data of [text, runs, new Uint8Array([1, 2, 3]), new Uint8Array(0)]) {
    for (const level of [0, 1, 9]) {
      for (const strategy of [constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_RLE]) {
        out.push(new Uint8Array(deflateRawSync(data, { level, strategy })));
      }
    }
  }
  return out;
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

/** Seed files, built once per call of {@linkcode fuzzCases}. */
function seeds() {
  return {
    safetensors: safetensorsSeeds(),
    checkpoint: checkpointSeeds(),
    idx: idxSeeds(),
    gzip: gzipSeeds(),
    deflate: deflateSeeds(),
  };
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
