/**
 * The valid seed files `fuzz_mutate.ts` damages: safetensors files, gradstream checkpoints,
 * IDX files (plain and gzipped), bare gzip files and raw DEFLATE streams.
 *
 * @module
 */

import { constants, deflateRawSync, gzipSync } from "node:zlib";
import { encodeCheckpoint } from "../src/checkpoint/checkpoint_tree.ts";
import { encodeNamedTensors } from "../src/checkpoint/safetensors.ts";
import { tensor } from "../src/tensor.ts";

const enc = new TextEncoder();
const u8 = (xs: number[]) => new Uint8Array(xs);

/** A safetensors file: the header length, the header (space-padded to 8 bytes unless `pad` is false), the data. */
export function container(header: string, data: Uint8Array, pad = true): Uint8Array {
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

/** Seed files, built once per call of `fuzzCases` (in `fuzz_mutate.ts`). */
export function seeds() {
  return {
    safetensors: safetensorsSeeds(),
    checkpoint: checkpointSeeds(),
    idx: idxSeeds(),
    gzip: gzipSeeds(),
    deflate: deflateSeeds(),
  };
}
