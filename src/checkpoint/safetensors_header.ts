/**
 * Reading and validating a safetensors header with the verdicts of the reference reader (the
 * Rust `safetensors` crate, 0.8, over serde_json), so that a file is accepted here exactly when
 * PyTorch and the Hugging Face tools accept it:
 *
 * - the header length is at most 100,000,000 bytes and lies inside the file; the header is
 *   UTF-8 and one JSON object, whitespace around it allowed, nesting at most 127 deep;
 * - `__metadata__` appears at most once, as `null` or an object of strings (a repeated
 *   metadata key keeps its last value);
 * - every other entry is a tensor: `{ "dtype", "shape", "data_offsets" }` (other fields are
 *   ignored, a repeated field is an error) or the array `[dtype, shape, data_offsets]`; a
 *   dtype is a name such as `"F32"` (or `{"F32": null}`); shape and offsets are unsigned
 *   64-bit integers written without a fraction or exponent; a repeated tensor name keeps its
 *   last entry, as a JSON object would;
 * - sorted by offsets, the tensors tile the buffer exactly, each spanning the bytes its dtype
 *   and shape need, the element count computed left to right in 64 bits without overflow.
 *
 * Each rejection is a `TypeError` (malformed content) or `RangeError` (a length or offset out
 * of place) whose message starts with the caller's prefix (the function, and the file when
 * there is one) and quotes at most a few dozen characters of the file.
 *
 * @module
 */

import { type JsonNode, JsonSyntaxError, parseJson } from "./json.ts";
import { describeJson, quote } from "./json_print.ts";
import { DTYPE_BITS, isStoredDType, type StoredDType } from "./stored_tensor.ts";

/** The largest header the reference reader accepts. */
export const MAX_HEADER_BYTES = 100_000_000;
/** The deepest nesting of arrays and objects the reference reader (serde_json) accepts. */
export const MAX_HEADER_DEPTH = 127;
const METADATA = "__metadata__";
const U64_MAX = (1n << 64n) - 1n;

/** One validated tensor entry: offsets are relative to the start of the buffer. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: StoredDType;
  readonly shape: readonly bigint[];
  readonly begin: number;
  readonly end: number;
}

/** A validated header: where the buffer starts, the metadata and the entries in data order. */
export interface Header {
  readonly bufferStart: number;
  readonly metadata: Record<string, string>;
  readonly entries: readonly HeaderEntry[];
}

const describe = (node: JsonNode) => describeJson(node, 40);
const shapeText = (shape: readonly bigint[]) =>
  shape.length > 8
    ? `[${shape.slice(0, 8).join(",")},…] (${shape.length} dims)`
    : `[${shape.join(",")}]`;

function readU64(node: JsonNode, fail: (m: string) => never, what: string): bigint {
  // serde_json hands usize only an unsigned integer literal; "-0", "1.0" and "1e2" are floats.
  if (node.kind !== "number" || !/^(?:0|[1-9][0-9]*)$/.test(node.text)) {
    return fail(`${what} must be an unsigned integer, got ${describe(node)}`);
  }
  const v = BigInt(node.text);
  if (v > U64_MAX) fail(`${what} ${node.text.slice(0, 30)} does not fit in 64 bits`);
  return v;
}

interface RawEntry {
  name: string;
  dtype: StoredDType;
  shape: bigint[];
  begin: bigint;
  end: bigint;
}

function readEntry(name: string, node: JsonNode, prefix: string): RawEntry {
  const where = `${prefix}: tensor ${quote(name, 60)}`;
  const fail = (m: string): never => {
    throw new TypeError(`${where}: ${m}`);
  };
  let fields: (JsonNode | undefined)[];
  if (node.kind === "object") {
    fields = [undefined, undefined, undefined];
    for (const [k, v] of node.entries) {
      const at = k === "dtype" ? 0 : k === "shape" ? 1 : k === "data_offsets" ? 2 : -1;
      if (at < 0) continue; // serde ignores fields it does not know
      if (fields[at] !== undefined) fail(`header entry repeats the field "${k}"`);
      fields[at] = v;
    }
    ["dtype", "shape", "data_offsets"].forEach((k, at) => {
      if (fields[at] === undefined) fail(`header entry has no "${k}"`);
    });
  } else if (node.kind === "array") {
    if (node.items.length !== 3) {
      fail(
        `header entry as an array must be [dtype, shape, data_offsets], got ${node.items.length} elements`,
      );
    }
    fields = [...node.items];
  } else {
    return fail(`header entry must be an object, got ${describe(node)}`);
  }
  const [dtypeNode, shapeNode, offsetsNode] = fields as JsonNode[];
  let dtypeName: string | undefined;
  if (dtypeNode.kind === "string") dtypeName = dtypeNode.value;
  else if (
    dtypeNode.kind === "object" && dtypeNode.entries.length === 1 &&
    dtypeNode.entries[0][1].kind === "null"
  ) dtypeName = dtypeNode.entries[0][0];
  if (dtypeName === undefined || !isStoredDType(dtypeName)) {
    fail(
      `unknown dtype ${
        dtypeName === undefined ? describe(dtypeNode) : quote(dtypeName, 30)
      } (safetensors names ${Object.keys(DTYPE_BITS).join(", ")})`,
    );
  }
  if (shapeNode.kind !== "array") {
    fail(`shape must be an array of unsigned integers, got ${describe(shapeNode)}`);
  }
  const shape = (shapeNode as { items: readonly JsonNode[] }).items.map((d) =>
    readU64(d, fail, "each shape dimension")
  );
  if (offsetsNode.kind !== "array" || offsetsNode.items.length !== 2) {
    fail(`data_offsets must be [begin, end], got ${describe(offsetsNode)}`);
  }
  const [b, e] = (offsetsNode as { items: readonly JsonNode[] }).items;
  const begin = readU64(b, fail, "data_offsets' begin");
  const end = readU64(e, fail, "data_offsets' end");
  return { name, dtype: dtypeName as StoredDType, shape, begin, end };
}

function jsonFailure(prefix: string, what: string, e: unknown): never {
  if (e instanceof JsonSyntaxError) {
    throw new TypeError(
      `${prefix}: ${what} is not valid JSON (${e.reason} at character ${e.offset})`,
    );
  }
  throw e;
}

/**
 * Parses and validates the header of safetensors `bytes` (see the module doc for the rules).
 * `prefix` starts every error message: the function the user called, and the file.
 */
export function readHeader(bytes: Uint8Array, prefix: string): Header {
  if (bytes.length < 8) {
    throw new RangeError(
      `${prefix}: the file is ${bytes.length} bytes, too short for the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new RangeError(
      `${prefix}: the header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit ` +
        `of the safetensors format${
          headerLength > BigInt(bytes.length - 8) ? " and runs past the end of the file" : ""
        }`,
    );
  }
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new RangeError(
      `${prefix}: the header length ${headerLength} runs past the end of the ${bytes.length}-byte ` +
        `file (truncated file?)`,
    );
  }
  const n = Number(headerLength);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + n),
    );
  } catch {
    throw new TypeError(`${prefix}: the header is not valid UTF-8`);
  }
  let root: JsonNode;
  try {
    root = parseJson(text, { maxDepth: MAX_HEADER_DEPTH });
  } catch (e) {
    jsonFailure(prefix, "the header", e);
  }
  if (root!.kind !== "object") {
    throw new TypeError(`${prefix}: the header must be a JSON object, got ${describe(root!)}`);
  }
  const metadata: Record<string, string> = {};
  let seenMetadata = false;
  const byName = new Map<string, RawEntry>();
  for (const [name, node] of root!.entries) {
    if (name !== METADATA) {
      byName.set(name, readEntry(name, node, prefix));
      continue;
    }
    if (seenMetadata) throw new TypeError(`${prefix}: the header has a second "${METADATA}" entry`);
    seenMetadata = true;
    if (node.kind === "null") continue;
    if (node.kind !== "object") {
      throw new TypeError(
        `${prefix}: ${METADATA} must be an object of strings (or null), got ${describe(node)}`,
      );
    }
    for (const [k, v] of node.entries) {
      if (v.kind !== "string") {
        throw new TypeError(
          `${prefix}: metadata value for ${quote(k, 60)} must be a string, got ${
            v.kind === "number" ? "number" : v.kind
          } ${describe(v)}`,
        );
      }
      // defineProperty, so that a key named "__proto__" is data and not a prototype.
      Object.defineProperty(metadata, k, {
        value: v.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  const bufferLength = bytes.length - 8 - n;
  const raw = [...byName.values()].sort((a, b) =>
    a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0
  );
  const entries: HeaderEntry[] = [];
  let expected = 0n;
  let previous: string | undefined;
  for (const e of raw) {
    const where = `${prefix}: tensor ${quote(e.name, 60)}`;
    const span = `data_offsets [${e.begin},${e.end}]`;
    if (e.end < e.begin) throw new RangeError(`${where}: ${span} end before they begin`);
    if (e.begin < expected) {
      throw new RangeError(
        `${where} at ${span} overlaps ${quote(previous ?? "", 60)} (which ends at ${expected})`,
      );
    }
    if (e.begin > expected) {
      throw new RangeError(
        `${where} at ${span} leaves a gap of ${e.begin - expected} bytes after ${
          previous === undefined ? "the header" : quote(previous, 60)
        }`,
      );
    }
    let count = 1n;
    for (const d of e.shape) {
      count *= d;
      if (count > U64_MAX) {
        throw new RangeError(`${where}: shape ${shapeText(e.shape)} overflows 64 bits`);
      }
    }
    const bits = count * BigInt(DTYPE_BITS[e.dtype]);
    if (bits > U64_MAX) {
      throw new RangeError(`${where}: shape ${shapeText(e.shape)} overflows 64 bits`);
    }
    if (bits % 8n !== 0n) {
      throw new TypeError(
        `${where}: ${e.dtype} shape ${shapeText(e.shape)} does not fill a whole number of bytes`,
      );
    }
    if (bits / 8n !== e.end - e.begin) {
      throw new TypeError(
        `${where}: ${e.dtype} shape ${shapeText(e.shape)} needs ${bits / 8n} bytes but ${span} ` +
          `span ${e.end - e.begin}`,
      );
    }
    if (e.end > BigInt(bufferLength)) {
      throw new RangeError(
        `${where}: ${span} run past the end of the ${bufferLength}-byte buffer (truncated file?)`,
      );
    }
    entries.push({
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      begin: Number(e.begin),
      end: Number(e.end),
    });
    expected = e.end;
    previous = e.name;
  }
  if (expected !== BigInt(bufferLength)) {
    throw new RangeError(
      `${prefix}: the tensors cover ${expected} bytes but the buffer holds ${bufferLength} ` +
        `(trailing bytes)`,
    );
  }
  return { bufferStart: 8 + n, metadata, entries };
}
