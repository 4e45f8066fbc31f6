/**
 * The safetensors format (https://huggingface.co/docs/safetensors), for float32 and float64
 * tensors: an 8-byte little-endian u64 header length N, N bytes of JSON header
 * `{ "__metadata__": { string: string }, name: { dtype, shape, data_offsets: [begin, end] }, ... }`
 * padded with spaces to 8-byte alignment, then the byte buffer, tensors contiguous,
 * little-endian, row-major, offsets relative to the start of the buffer.
 *
 * Decoding validates the whole header against the buffer before building any tensor, so a
 * truncated or malformed file is rejected with an error naming the tensor and the problem and
 * nothing is half-loaded. `TypeError` means malformed content (bad JSON, unknown dtype, bad
 * shape, a byte count that disagrees with dtype and shape, non-string metadata); `RangeError`
 * means a length or offset that points outside the file or disagrees with where the data sits
 * (truncation, offsets out of range, overlaps, gaps, trailing bytes).
 *
 * @module
 */

import { type DType, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import { type Tree, treeLeaves } from "../tree.ts";

/** The safetensors dtypes gradstream reads and writes. */
export type SafetensorsDType = "F32" | "F64";

/** A decoded safetensors file: tensors by name and the `__metadata__` strings. */
export interface Safetensors {
  /** The tensors, by name. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map (empty when the file has none). */
  metadata: Record<string, string>;
}

/** A tensor with the name it is stored under. */
export interface NamedTensor {
  /** The name in the header. */
  readonly name: string;
  /** The tensor. */
  readonly tensor: Tensor;
}

const METADATA = "__metadata__";
const TO_SAFETENSORS: Readonly<Record<DType, SafetensorsDType>> = {
  float32: "F32",
  float64: "F64",
};
const FROM_SAFETENSORS: Readonly<Record<string, { dtype: DType; size: number }>> = {
  F32: { dtype: "float32", size: 4 },
  F64: { dtype: "float64", size: 8 },
};
/** The file is little-endian; on a big-endian host each element's bytes are reversed. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies `src` into `dst`, converting between little-endian and host order. */
function copyLittleEndian(src: Uint8Array, dst: Uint8Array, dstOffset: number, size: number) {
  if (LITTLE_ENDIAN_HOST) {
    dst.set(src, dstOffset);
    return;
  }
  for (let i = 0; i < src.length; i += size) {
    for (let b = 0; b < size; b++) dst[dstOffset + i + b] = src[i + size - 1 - b];
  }
}

function checkMetadata(op: string, metadata: Readonly<Record<string, string>>): void {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`${op}: metadata must be an object of strings, got ${String(metadata)}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new TypeError(`${op}: metadata value for "${k}" must be a string, got ${typeof v}`);
    }
  }
}

/**
 * Serialises named tensors, in the given order, as safetensors bytes. Names must be unique and
 * not `__metadata__`. The building block of {@linkcode encodeSafetensors} and checkpoints.
 */
export function encodeNamedTensors(
  entries: readonly NamedTensor[],
  metadata?: Readonly<Record<string, string>>,
  op = "encodeSafetensors",
): Uint8Array {
  const seen = new Set<string>();
  const parts: string[] = [];
  if (metadata !== undefined) {
    checkMetadata(op, metadata);
    parts.push(`${JSON.stringify(METADATA)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const { name, tensor } of entries) {
    if (name === METADATA) throw new TypeError(`${op}: "${METADATA}" is reserved, not a name`);
    if (seen.has(name)) throw new TypeError(`${op}: two tensors are named "${name}"`);
    seen.add(name);
    const bytes = tensor.data.byteLength;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${TO_SAFETENSORS[tensor.dtype]}","shape":${
        JSON.stringify(tensor.shape)
      },"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  // Spaces pad the header so the buffer starts 8-byte aligned (8 + n is a multiple of 8).
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const { tensor } of entries) {
    const d = tensor.data;
    copyLittleEndian(
      new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
      out,
      at,
      d.BYTES_PER_ELEMENT,
    );
    at += d.byteLength;
  }
  return out;
}

/**
 * Serialises a tree of tensors (a record `{ name: tensor }` is the simplest tree) as
 * safetensors bytes. Each leaf is named by its path (`params.0.w`), in `treeLeaves` order;
 * `metadata` becomes the header's `__metadata__`. float32 is stored as `F32`, float64 as `F64`.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * import { tensor } from "../tensor.ts";
 * const bytes = encodeSafetensors({ w: tensor([[1, 2], [3, 4]]) }, { epoch: "3" });
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * if (tensors.w.data[3] !== 4 || metadata.epoch !== "3") throw new Error("unexpected");
 * ```
 */
export function encodeSafetensors(
  tree: Tree,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const leaves = treeLeaves(tree);
  if (leaves.length === 1 && leaves[0].path.length === 0) {
    throw new TypeError(
      `encodeSafetensors: a bare tensor has no name; pass a record such as { x: tensor }`,
    );
  }
  return encodeNamedTensors(
    leaves.map((l) => ({ name: l.path.join("."), tensor: l.value })),
    metadata,
  );
}

interface Entry {
  name: string;
  dtype: DType;
  size: number;
  shape: number[];
  begin: number;
  end: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseEntry(op: string, name: string, info: unknown, bufferLength: number): Entry {
  const where = `${op}: tensor "${name}"`;
  if (!isPlainObject(info)) throw new TypeError(`${where}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== "string" || !(dtype in FROM_SAFETENSORS)) {
    throw new TypeError(
      `${where}: unknown or unsupported dtype ${JSON.stringify(dtype)} (gradstream reads F32, F64)`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TypeError(
      `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    throw new TypeError(
      `${where}: data_offsets must be [begin, end] of non-negative integers, got ${
        JSON.stringify(offsets)
      }`,
    );
  }
  const [begin, end] = offsets as number[];
  if (begin > end) {
    throw new RangeError(`${where}: data_offsets [${begin},${end}] end before they begin`);
  }
  const { dtype: dt, size } = FROM_SAFETENSORS[dtype];
  let bytes = size;
  for (const d of shape) bytes *= d;
  if (bytes !== end - begin) {
    throw new TypeError(
      `${where}: ${dtype} shape ${formatShape(shape)} needs ${bytes} bytes but data_offsets ` +
        `[${begin},${end}] span ${end - begin}`,
    );
  }
  if (end > bufferLength) {
    throw new RangeError(
      `${where}: data_offsets [${begin},${end}] run past the end of the ${bufferLength}-byte ` +
        `buffer (truncated file?)`,
    );
  }
  return { name, dtype: dt, size, shape, begin, end };
}

/**
 * Parses and validates safetensors bytes, then copies each tensor into a fresh, aligned typed
 * array (little-endian in the file, host order in memory). Only `F32` and `F64` are supported.
 * Throws (see the module doc) before building anything if the file is malformed.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * import { tensor } from "../tensor.ts";
 * const bytes = encodeSafetensors({ b: tensor([0.5], [1], "float64") });
 * if (decodeSafetensors(bytes).tensors.b.dtype !== "float64") throw new Error("unexpected");
 * let threw = false;
 * try { decodeSafetensors(bytes.subarray(0, bytes.length - 1)); } catch { threw = true; }
 * if (!threw) throw new Error("a truncated file must be rejected");
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  const op = "decodeSafetensors";
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${op}: expected a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length < 8) {
    throw new RangeError(
      `${op}: the file is ${bytes.length} bytes, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new RangeError(
      `${op}: the header length ${headerLength} runs past the end of the ${bytes.length}-byte ` +
        `file (truncated file?)`,
    );
  }
  const n = Number(headerLength);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new TypeError(`${op}: the header is not valid UTF-8`);
  }
  if (!text.startsWith("{")) throw new TypeError(`${op}: the header must start with "{"`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${op}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw new TypeError(`${op}: the header is not a JSON object`);
  const bufferLength = bytes.length - 8 - n;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA) {
      if (!isPlainObject(info)) throw new TypeError(`${op}: ${METADATA} must be an object`);
      checkMetadata(op, info as Record<string, string>);
      metadata = Object.fromEntries(Object.entries(info)) as Record<string, string>;
    } else {
      entries.push(parseEntry(op, name, info, bufferLength));
    }
  }
  // The spec asks for tensors that tile the buffer exactly: no overlaps, no gaps, no tail.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous = "";
  for (const e of entries) {
    if (e.begin < expected) {
      throw new RangeError(
        `${op}: tensor "${e.name}" at data_offsets [${e.begin},${e.end}] overlaps "${previous}" ` +
          `(which ends at ${expected})`,
      );
    }
    if (e.begin > expected) {
      throw new RangeError(
        `${op}: tensor "${e.name}" at data_offsets [${e.begin},${e.end}] leaves a gap of ` +
          `${e.begin - expected} bytes after ${previous ? `"${previous}"` : "the header"}`,
      );
    }
    expected = e.end;
    previous = e.name;
  }
  if (expected !== bufferLength) {
    throw new RangeError(
      `${op}: the tensors cover ${expected} bytes but the buffer holds ${bufferLength} ` +
        `(trailing bytes)`,
    );
  }
  const base = 8 + n;
  const tensors = Object.fromEntries(entries.map((e) => {
    const raw = new Uint8Array(e.end - e.begin);
    copyLittleEndian(bytes.subarray(base + e.begin, base + e.end), raw, 0, e.size);
    const data = e.dtype === "float64"
      ? new Float64Array(raw.buffer)
      : new Float32Array(raw.buffer);
    return [e.name, fromTypedArray(data, e.shape)];
  }));
  return { tensors, metadata };
}
