/**
 * Text for character-level models: read a UTF-8 file, build a character vocabulary, encode
 * the text to ids, hold out its tail, and cut it into `[seqLen]` windows whose targets are the
 * next characters, a dataset that `batches` turns into `[batch, seqLen]` mini-batches.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { checkDType, checkInteger, checkNumber, checkOptions, describeValue } from "../_checks.ts";
import { fileError, filePath } from "../file_errors.ts";
import { allocate, DEFAULT_DTYPE, type DType, fromTypedArray } from "../tensor.ts";
import type { Dataset } from "./dataset.ts";

/**
 * The distinct characters of a text (Unicode code points, so an emoji is one character),
 * sorted by code point; a character's id is its position in `chars`.
 */
export interface CharVocabulary {
  /** The characters, by id. */
  readonly chars: readonly string[];
  /** Each character's id. */
  readonly ids: ReadonlyMap<string, number>;
}

/** Options of {@linkcode textWindows}. */
export interface TextWindowOptions {
  /** Ids between the starts of two windows; default `seqLen` (windows that just touch). */
  stride?: number;
  /** Element type of the dataset's tensors (ids stored as floats); default float32. */
  dtype?: DType;
}

function checkText(op: string, text: unknown): asserts text is string {
  if (typeof text !== "string") {
    throw new TypeError(`${op}: text must be a string, got ${describeValue(text)}`);
  }
}

function checkVocabulary(op: string, vocab: unknown): asserts vocab is CharVocabulary {
  const v = vocab as Partial<CharVocabulary> | null;
  if (
    typeof v !== "object" || v === null || !Array.isArray(v.chars) || !(v.ids instanceof Map)
  ) {
    throw new TypeError(
      `${op}: vocab must be a vocabulary from charVocabulary, got ${describeValue(vocab)}`,
    );
  }
}

function checkIds(op: string, ids: unknown): asserts ids is ArrayLike<number> {
  if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView))) {
    throw new TypeError(
      `${op}: ids must be an array or typed array of character ids, got ${describeValue(ids)}`,
    );
  }
}

/**
 * The vocabulary of `text`: its distinct characters sorted by code point. Throws a
 * `TypeError` for a text that is not a string or is empty.
 *
 * @example
 * ```ts
 * import { charVocabulary } from "./text.ts";
 * const vocab = charVocabulary("hello");
 * if (vocab.chars.join("") !== "ehlo" || vocab.ids.get("l") !== 2) throw new Error("unexpected");
 * ```
 */
export function charVocabulary(text: string): CharVocabulary {
  checkText("charVocabulary", text);
  if (text.length === 0) throw new TypeError("charVocabulary: text is empty");
  const seen = new Set<string>(text); // a string iterates by code point
  const chars = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const ids = new Map(chars.map((c, i) => [c, i]));
  return Object.freeze({ chars: Object.freeze(chars), ids });
}

/**
 * The ids of `text`'s characters in `vocab`, one per code point. A character the vocabulary
 * lacks is a `RangeError` naming it and its position.
 *
 * @example
 * ```ts
 * import { charVocabulary, encodeText } from "./text.ts";
 * const ids = encodeText(charVocabulary("hello"), "hole");
 * if (ids.join() !== "1,3,2,0") throw new Error("unexpected");
 * ```
 */
export function encodeText(vocab: CharVocabulary, text: string): Int32Array {
  checkVocabulary("encodeText", vocab);
  checkText("encodeText", text);
  const out = new Int32Array(text.length); // at most one id per UTF-16 unit
  let n = 0;
  for (const c of text) {
    const id = vocab.ids.get(c);
    if (id === undefined) {
      throw new RangeError(
        `encodeText: character ${JSON.stringify(c)} (U+${
          c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")
        }) at character ${n} is not in the vocabulary of ${vocab.chars.length}`,
      );
    }
    out[n++] = id;
  }
  return out.slice(0, n);
}

/**
 * The text of `ids` in `vocab` (the inverse of {@linkcode encodeText}). An id that is not an
 * integer in `[0, vocab size)` is a `RangeError` naming it and its position.
 *
 * @example
 * ```ts
 * import { charVocabulary, decodeText } from "./text.ts";
 * if (decodeText(charVocabulary("hello"), [1, 3, 2, 0]) !== "hole") throw new Error("unexpected");
 * ```
 */
export function decodeText(vocab: CharVocabulary, ids: ArrayLike<number>): string {
  checkVocabulary("decodeText", vocab);
  checkIds("decodeText", ids);
  const parts: string[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const c = vocab.chars[ids[i]];
    if (!Number.isInteger(ids[i]) || c === undefined) {
      throw new RangeError(
        `decodeText: id ${describeValue(ids[i])} at position ${i} is not an integer in ` +
          `[0, ${vocab.chars.length})`,
      );
    }
    parts[i] = c;
  }
  return parts.join("");
}

/**
 * Splits encoded text in two, in order: the first part for training and the last
 * `heldOutFraction` of it (rounded, at least one id and at most all but one) held out, so the
 * held-out text is one stretch the model never trained on, not windows scattered through it.
 * Throws a `RangeError` unless `0 < heldOutFraction < 1` and there are at least two ids.
 *
 * @example
 * ```ts
 * import { splitText } from "./text.ts";
 * const { train, heldOut } = splitText(new Int32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 0.2);
 * if (train.join() !== "0,1,2,3,4,5,6,7" || heldOut.join() !== "8,9") throw new Error("unexpected");
 * ```
 */
export function splitText(
  ids: Int32Array,
  heldOutFraction: number,
): { train: Int32Array; heldOut: Int32Array } {
  if (!(ids instanceof Int32Array)) {
    throw new TypeError(
      `splitText: ids must be an Int32Array from encodeText, got ${describeValue(ids)}`,
    );
  }
  checkNumber("splitText", "heldOutFraction", heldOutFraction, {
    min: 0,
    max: 1,
    minExclusive: true,
    maxExclusive: true,
  });
  const n = ids.length;
  if (n < 2) throw new RangeError(`splitText: need at least 2 ids to split, got ${n}`);
  const held = Math.min(n - 1, Math.max(1, Math.round(n * heldOutFraction)));
  return { train: ids.slice(0, n - held), heldOut: ids.slice(n - held) };
}

/**
 * Windows of `seqLen` ids cut from `ids`, one every `stride` ids from the start: `x` of shape
 * `[N, seqLen]` holds each window and `y` (same shape) the id that follows each of its
 * positions, so a model that reads `x[i, 0..t]` learns to predict `y[i, t]`. Ids are stored
 * as floats, as class labels are. N is `floor((ids.length - seqLen - 1) / stride) + 1`; fewer
 * than `seqLen + 1` ids is a `RangeError`, as is an id that is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { textWindows } from "./text.ts";
 * const { x, y } = textWindows([0, 1, 2, 3, 4], 2);
 * if (x.data.join() !== "0,1,2,3" || y.data.join() !== "1,2,3,4") throw new Error("unexpected");
 * ```
 */
export function textWindows(
  ids: ArrayLike<number>,
  seqLen: number,
  options?: TextWindowOptions,
): Dataset {
  const op = "textWindows";
  checkIds(op, ids);
  checkInteger(op, "seqLen", seqLen, { min: 1 });
  const o = checkOptions(op, options, ["stride", "dtype"]);
  // An explicit null is an error, not the default.
  const stride = o.stride === undefined ? seqLen : o.stride;
  checkInteger(op, "options.stride", stride, { min: 1 });
  const dtype = checkDType(op, o.dtype === undefined ? DEFAULT_DTYPE : o.dtype, "options.dtype");
  if (ids.length < seqLen + 1) {
    throw new RangeError(
      `${op}: ${ids.length} ids are too few for one window of ${seqLen} and its next id ` +
        `(need at least ${seqLen + 1})`,
    );
  }
  for (let i = 0; i < ids.length; i++) {
    if (!(Number.isInteger(ids[i]) && ids[i] >= 0)) {
      throw new RangeError(
        `${op}: id ${describeValue(ids[i])} at position ${i} is not a non-negative integer`,
      );
    }
  }
  const n = Math.floor((ids.length - seqLen - 1) / stride) + 1;
  const x = allocate(dtype, n * seqLen, op), y = allocate(dtype, n * seqLen, op);
  for (let w = 0; w < n; w++) copyWindow(ids, w * stride, seqLen, x, y, w * seqLen);
  return { x: fromTypedArray(x, [n, seqLen]), y: fromTypedArray(y, [n, seqLen]) };
}

/** One window and its next-character targets, written at `at`. */
function copyWindow(
  ids: ArrayLike<number>,
  start: number,
  seqLen: number,
  x: Float32Array | Float64Array,
  y: Float32Array | Float64Array,
  at: number,
): void {
  for (let j = 0; j < seqLen; j++) {
    x[at + j] = ids[start + j];
    y[at + j] = ids[start + j + 1];
  }
}

/**
 * The text of a UTF-8 file (a leading byte-order mark dropped). Bytes that are not UTF-8, or
 * a NUL byte (a binary file), are a `TypeError` naming the file; a file that cannot be read
 * is an `Error` naming it (and, under Deno, the `--allow-read` flag that grants it).
 *
 * @example
 * ```ts
 * import { readText } from "./text.ts";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const path = join(mkdtempSync(join(tmpdir(), "text-")), "poem.txt");
 * writeFileSync(path, "\uFEFFTo be, or not to be");
 * if ((await readText(path)) !== "To be, or not to be") throw new Error("unexpected");
 * ```
 */
export async function readText(path: string | URL): Promise<string> {
  const file = filePath("readText", path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw fileError("readText", file, e, "read");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TypeError(`readText: ${file} is not UTF-8 text`);
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    throw new TypeError(`readText: ${file} has a NUL byte at character ${nul}; not a text file`);
  }
  return text;
}
