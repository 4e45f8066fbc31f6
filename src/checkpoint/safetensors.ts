/**
 * The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian u64 header length N, N bytes of JSON header
 * `{ "__metadata__": { string: string }, name: { dtype, shape, data_offsets: [begin, end] }, ... }`
 * padded with spaces to 8-byte alignment, then the byte buffer, tensors contiguous,
 * little-endian, row-major, offsets relative to the start of the buffer.
 *
 * Decoding validates the whole header against the buffer before building any tensor, with the
 * verdicts of the reference reader (the Rust `safetensors` crate; the rules are listed in
 * `safetensors_header.ts`), so a truncated or malformed file is rejected with an error naming
 * the function, the tensor and the problem, and nothing is half-loaded. `TypeError` means
 * malformed content (bad JSON, unknown dtype, bad shape, a byte count that disagrees with dtype
 * and shape, non-string metadata); `RangeError` means a length or offset that points outside
 * the file or disagrees with where the data sits (truncation, overlaps, gaps, trailing bytes).
 * float32 and float64 tensors decode as gradstream tensors; every other dtype (`I64`, `F16`,
 * `BF16`, ...) as a {@linkcode StoredTensor} with its bytes, so no file is refused for one.
 *
 * @module
 */

import { checkStringRecord, describeValue, rethrowAs } from "../_checks.ts";
import { type DType, fromTypedArray, isTensor, type Tensor } from "../tensor.ts";
import { type Tree, treeLeaves } from "../tree.ts";
import { quote } from "./json_print.ts";
import { MAX_HEADER_BYTES, readHeader } from "./safetensors_header.ts";
import { DTYPE_BITS, isStoredTensor, type StoredTensor } from "./stored_tensor.ts";

/** The safetensors dtypes of gradstream tensors (other dtypes decode as `StoredTensor`s). */
export type SafetensorsDType = "F32" | "F64";

/** A decoded safetensors file: tensors by name and the `__metadata__` strings. */
export interface Safetensors {
  /** The float32 and float64 tensors, by name. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map (empty when the file has none). */
  metadata: Record<string, string>;
  /**
   * Tensors of the other dtypes (`I64`, `F16`, `BF16`, integers, 8-bit floats, ...), by name,
   * with their bytes; `storedToTensor` converts those a float tensor holds exactly.
   */
  others: Record<string, StoredTensor>;
}

/** A tensor with the name it is stored under. */
export interface NamedTensor {
  /** The name in the header. */
  readonly name: string;
  /** The tensor: a gradstream tensor, or a stored one of another dtype (`I64`, `F16`, ...). */
  readonly tensor: Tensor | StoredTensor;
}

const METADATA = "__metadata__";
const TO_SAFETENSORS: Readonly<Record<DType, SafetensorsDType>> = {
  float32: "F32",
  float64: "F64",
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

function checkText(op: string, what: string, s: string): void {
  // A lone surrogate has no UTF-8 form; JSON.stringify would escape it and readers refuse it.
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new TypeError(`${op}: ${what} ${quote(s, 60)} holds a lone surrogate (not Unicode text)`);
  }
}

function checkMetadata(op: string, metadata: Readonly<Record<string, string>>): void {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`${op}: metadata must be an object of strings, got ${String(metadata)}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `${op}: metadata value for ${quote(k, 60)} must be a string, got ${typeof v}`,
      );
    }
    checkText(op, "metadata key", k);
    checkText(op, "metadata value for", v);
  }
}

function storedLayout(op: string, name: string, t: Tensor | StoredTensor) {
  if (isTensor(t)) {
    const d = t.data;
    return {
      dtype: TO_SAFETENSORS[t.dtype],
      shape: JSON.stringify(t.shape),
      bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
      size: d.BYTES_PER_ELEMENT,
    };
  }
  if (!isStoredTensor(t)) {
    throw new TypeError(`${op}: ${quote(name, 60)} is neither a tensor nor a stored tensor`);
  }
  const dims = t.exactShape ?? t.shape.map((d) => {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new TypeError(`${op}: ${quote(name, 60)} has an invalid dimension ${d}`);
    }
    return BigInt(d);
  });
  const bits = dims.reduce((a, d) => a * d, 1n) * BigInt(DTYPE_BITS[t.dtype]);
  if (bits % 8n !== 0n || bits / 8n !== BigInt(t.bytes.length)) {
    throw new TypeError(
      `${op}: ${quote(name, 60)} is ${t.dtype} of shape [${dims.join(",")}] but holds ` +
        `${t.bytes.length} bytes`,
    );
  }
  // Stored bytes are already little-endian: copy them as bytes.
  return { dtype: t.dtype, shape: `[${dims.join(",")}]`, bytes: t.bytes, size: 1 };
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
  const layouts = entries.map(({ name, tensor }) => {
    if (name === METADATA) throw new TypeError(`${op}: "${METADATA}" is reserved, not a name`);
    if (seen.has(name)) throw new TypeError(`${op}: two tensors are named ${quote(name, 60)}`);
    checkText(op, "the tensor name", name);
    seen.add(name);
    const layout = storedLayout(op, name, tensor);
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${layout.dtype}","shape":${layout.shape},` +
        `"data_offsets":[${offset},${offset + layout.bytes.length}]}`,
    );
    offset += layout.bytes.length;
    return layout;
  });
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  // Spaces pad the header so the buffer starts 8-byte aligned (8 + n is a multiple of 8).
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) {
    throw new RangeError(
      `${op}: the header would be ${n} bytes, over the ${MAX_HEADER_BYTES}-byte limit that ` +
        `safetensors readers accept (too many tensors or too much metadata)`,
    );
  }
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const { bytes, size } of layouts) {
    copyLittleEndian(bytes, out, at, size);
    at += bytes.length;
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
  const op = "encodeSafetensors";
  if (typeof tree !== "object" || tree === null) {
    throw new TypeError(
      `${op}: expected a record of named tensors such as { w: tensor }, got ${describeValue(tree)}`,
    );
  }
  if (metadata !== undefined) checkStringRecord(op, "metadata", metadata);
  const leaves = rethrowAs(op, () => treeLeaves(tree));
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
  return decodeSafetensorsAs(bytes, "decodeSafetensors");
}

/** {@linkcode decodeSafetensors} whose errors start with `prefix` (a function and a file). */
export function decodeSafetensorsAs(bytes: Uint8Array, prefix: string): Safetensors {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${prefix}: expected a Uint8Array, got ${typeof bytes}`);
  }
  const { bufferStart, metadata, entries } = readHeader(bytes, prefix);
  const tensors: Record<string, Tensor> = {};
  const others: Record<string, StoredTensor> = {};
  // defineProperty throughout, so that a tensor named "__proto__" is data like any other.
  const put = (record: object, name: string, value: unknown) =>
    Object.defineProperty(record, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  for (const e of entries) {
    const src = bytes.subarray(bufferStart + e.begin, bufferStart + e.end);
    const safe = e.shape.every((d) => d <= BigInt(Number.MAX_SAFE_INTEGER));
    const shape = e.shape.map(Number);
    if (safe && (e.dtype === "F32" || e.dtype === "F64")) {
      const size = e.dtype === "F64" ? 8 : 4;
      const raw = new Uint8Array(src.length);
      copyLittleEndian(src, raw, 0, size);
      const data = size === 8 ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
      put(tensors, e.name, fromTypedArray(data, shape));
    } else {
      put(
        others,
        e.name,
        Object.freeze({
          dtype: e.dtype,
          shape: Object.freeze(shape),
          ...(safe ? {} : { exactShape: Object.freeze([...e.shape]) }),
          bytes: src.slice(),
        }),
      );
    }
  }
  return { tensors, metadata, others };
}
