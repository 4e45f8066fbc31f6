/**
 * The IDX file format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero bytes, a type
 * code, the number of dimensions), one big-endian uint32 per dimension, then the elements in
 * row-major order, big-endian. Files may be gzipped (`.gz`), as the original downloads are:
 * every gzip member is read (with Python's `gzip` verdicts, see `gunzip.ts`), and no more is
 * decompressed than the IDX header says the file holds, so a small `.gz` that expands
 * enormously is refused without the memory.
 *
 * @module
 */

import { checkBytes } from "../_checks.ts";
import { readFile } from "node:fs/promises";
import { fileError, filePath } from "../file_errors.ts";
import { gunzip, isGzip } from "./gunzip.ts";

/** Element types an IDX file can hold, by their type code. */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array behind each {@linkcode IdxType}. */
export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A decoded IDX file: element type, dimensions and elements in native byte order. */
export interface IdxArray {
  /** Element type named by the magic number's third byte. */
  readonly type: IdxType;
  /** Dimensions from the header, outermost first. */
  readonly shape: readonly number[];
  /** The elements, row-major. */
  readonly data: IdxData;
}

// Type code -> [name, bytes per element]; the codes are fixed by the format (LeCun et al.).
const TYPES: Readonly<Record<number, readonly [IdxType, number]>> = {
  0x08: ["uint8", 1],
  0x09: ["int8", 1],
  0x0b: ["int16", 2],
  0x0c: ["int32", 4],
  0x0d: ["float32", 4],
  0x0e: ["float64", 8],
};

const hex = (v: number, digits: number) => "0x" + v.toString(16).padStart(digits, "0");

/**
 * Decodes an IDX buffer (not gzipped; see {@linkcode gunzipIfNeeded}). Throws a `TypeError`
 * naming `name` on a bad magic number, a truncated header or body, or trailing bytes.
 *
 * @example
 * ```ts
 * import { parseIdx } from "./idx.ts";
 * // Magic 0x00000801 (uint8, one dimension), length 3, then the three labels.
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]);
 * const labels = parseIdx(bytes);
 * if (labels.shape[0] !== 3 || labels.data[0] !== 7) throw new Error("unexpected");
 * ```
 */
export function parseIdx(bytes: Uint8Array, name = "IDX buffer"): IdxArray {
  return parseIdxAs(bytes, "parseIdx", name);
}

const shapeText = (shape: readonly number[]) =>
  shape.length > 8
    ? `[${shape.slice(0, 8).join(",")},…] (${shape.length} dims)`
    : `[${shape.join(",")}]`;

/** Checks the magic number; returns the type, element width and number of dimensions. */
function readMagic(bytes: Uint8Array, op: string, name: string): [IdxType, number, number] {
  if (bytes.length < 4) {
    throw new TypeError(
      `${op}: ${name} is truncated: ${bytes.length} bytes, shorter than the 4-byte magic number`,
    );
  }
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  const entry = Object.hasOwn(TYPES, bytes[2]) ? TYPES[bytes[2]] : undefined;
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || entry === undefined || ndim === 0) {
    throw new TypeError(
      `${op}: ${name} has a bad magic number ${hex(magic, 8)}; expected 0x0000TTDD with ` +
        `type TT in 08,09,0b,0c,0d,0e and DD >= 1 dimensions`,
    );
  }
  return [entry[0], entry[1], ndim];
}

/** The byte length the header of `bytes` (magic and dimensions, all present) promises. */
function promisedLength(bytes: Uint8Array, width: number, ndim: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 1;
  for (let d = 0; d < ndim; d++) count *= view.getUint32(4 + 4 * d, false);
  return 4 + 4 * ndim + count * width;
}

function parseIdxAs(bytes: Uint8Array, op: string, name: string): IdxArray {
  checkBytes(op, "bytes", bytes);
  const [type, width, ndim] = readMagic(bytes, op, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new TypeError(
      `${op}: ${name} is truncated: header of ${ndim} dimensions needs ${headerBytes} bytes, ` +
        `got ${bytes.length}`,
    );
  }
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const expected = headerBytes + count * width;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? "is truncated" : "has trailing bytes";
    throw new TypeError(
      `${op}: ${name} ${what}: ${type} shape ${shapeText(shape)} needs ${expected} bytes, ` +
        `got ${bytes.length}`,
    );
  }
  return Object.freeze({
    type,
    shape: Object.freeze(shape),
    data: decodeBody(view, headerBytes, count, type),
  });
}

/** Copies the body into a fresh native-endian array (IDX is big-endian; most CPUs are not). */
function decodeBody(view: DataView, offset: number, count: number, type: IdxType): IdxData {
  switch (type) {
    case "uint8":
      return new Uint8Array(
        view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count),
      );
    case "int8":
      return new Int8Array(
        view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count),
      );
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Gunzips `bytes` when they start with the gzip magic (0x1f 0x8b) and returns them unchanged
 * otherwise. Every member is read; a corrupt or truncated file, or one that expands past
 * `maxBytes` (default 2^32), is refused with an error naming `name`.
 *
 * @example
 * ```ts
 * import { gunzipIfNeeded } from "./idx.ts";
 * const plain = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 0]);
 * if ((await gunzipIfNeeded(plain)) !== plain) throw new Error("plain bytes pass through");
 * ```
 */
export function gunzipIfNeeded(
  bytes: Uint8Array,
  options: { maxBytes?: number; name?: string } = {},
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return Promise.resolve(bytes);
  const prefix = `gunzipIfNeeded: ${options.name ?? "gzip buffer"}`;
  return Promise.resolve().then(() => gunzip(bytes, { maxBytes: options.maxBytes, prefix }));
}

/**
 * Decodes IDX bytes that may be gzipped, decompressing no more than the header promises:
 * first the header, then the body up to its promised length (a file that expands further
 * has trailing bytes and is refused as soon as it does).
 */
export function decodeIdxFile(bytes: Uint8Array, op: string, name: string): IdxArray {
  checkBytes(op, "bytes", bytes);
  if (!isGzip(bytes)) return parseIdxAs(bytes, op, name);
  const prefix = `${op}: ${name}`;
  const head = gunzip(bytes, { maxBytes: 4 + 4 * 255, prefixOnly: true, prefix });
  const [, width, ndim] = readMagic(head, op, name);
  if (head.length < 4 + 4 * ndim) return parseIdxAs(gunzip(bytes, { prefix }), op, name);
  const promised = promisedLength(head, width, ndim);
  // One byte past the promise is enough to see trailing bytes.
  const limit = Math.min(promised + 1, 2 ** 32);
  let body: Uint8Array;
  try {
    body = gunzip(bytes, { maxBytes: limit, prefix });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new TypeError(
      `${op}: ${name} has trailing bytes: it decompresses to more than the ${promised} bytes its ` +
        `header promises`,
    );
  }
  return parseIdxAs(body, op, name);
}

/**
 * Reads and decodes an IDX file, gzipped or not. Errors name the file: a missing or
 * unreadable one (with the Deno flag that grants a denied read), a corrupt `.gz`, a bad
 * header or body.
 *
 * @example
 * ```ts
 * import { readIdx } from "./idx.ts";
 * import { writeFile, mkdtemp } from "node:fs/promises";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * const path = join(await mkdtemp(join(tmpdir(), "idx-")), "labels-idx1-ubyte");
 * await writeFile(path, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 4, 9]));
 * const labels = await readIdx(path);
 * if (labels.data[1] !== 9) throw new Error("unexpected");
 * ```
 */
export async function readIdx(path: string): Promise<IdxArray> {
  filePath("readIdx", path);
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw fileError("readIdx", path, e, "read");
  }
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return decodeIdxFile(bytes, "readIdx", path);
}
