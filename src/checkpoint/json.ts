/**
 * A bounded JSON parser for file headers a reader must treat as hostile: it keeps every
 * object entry in order (so duplicate keys are seen, not silently merged), keeps each number's
 * text (so a 64-bit offset is read exactly), limits nesting (so no input overflows the stack)
 * and never looks anything up on a prototype. The grammar is RFC 8259's, with the choices of
 * Rust's serde_json, which the reference safetensors reader uses: whitespace is space, tab,
 * line feed and carriage return; a number whose value overflows a float64 is an error; a
 * `\u` escape of a lone surrogate is an error; nesting deeper than `maxDepth` arrays and
 * objects is an error.
 *
 * Numbers are judged by `json_number.ts` (serde_json's range verdict); `json_print.ts` prints
 * names and values in a bounded number of characters, for error messages.
 *
 * @module
 */

import { outOfRange } from "./json_number.ts";

/** A parsed JSON value, with object entries in file order and numbers with their text. */
export type JsonNode =
  | { readonly kind: "null" }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "number"; readonly text: string; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "array"; readonly items: readonly JsonNode[] }
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, JsonNode])[] };

/** Why a text is not JSON, and where (a UTF-16 offset into the text). */
export class JsonSyntaxError extends TypeError {
  /** The problem, without the position: `"duplicate key"`, `"recursion limit exceeded"`. */
  readonly reason: string;
  /** Offset of the problem in the text (UTF-16 code units). */
  readonly offset: number;
  /** Builds the error; the message is `reason at offset N`. */
  constructor(reason: string, offset: number) {
    super(`${reason} at offset ${offset}`);
    this.name = "JsonSyntaxError";
    this.reason = reason;
    this.offset = offset;
  }
}

/** Options of {@linkcode parseJson}. */
export interface ParseJsonOptions {
  /** Most arrays and objects open at once; deeper input is an error. Default 127. */
  maxDepth?: number;
}

const NULL: JsonNode = Object.freeze({ kind: "null" });
const TRUE: JsonNode = Object.freeze({ kind: "boolean", value: true });
const FALSE: JsonNode = Object.freeze({ kind: "boolean", value: false });
const ESCAPES: Readonly<Record<number, string>> = Object.freeze({
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
});
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Parses `text` as one JSON value (whitespace around it allowed, nothing else). Throws a
 * {@linkcode JsonSyntaxError} on the first problem.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json.ts";
 * const node = parseJson('{"a": 1, "a": 18446744073709551615}');
 * if (node.kind !== "object" || node.entries.length !== 2) throw new Error("unexpected");
 * const last = node.entries[1][1];
 * if (last.kind !== "number" || last.text !== "18446744073709551615") throw new Error("unexpected");
 * ```
 */
export function parseJson(text: string, options: ParseJsonOptions = {}): JsonNode {
  const maxDepth = options.maxDepth ?? 127;
  let i = 0;
  const n = text.length;

  const fail = (reason: string, at = i): never => {
    throw new JsonSyntaxError(reason, at);
  };
  const skipSpace = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  const hex4 = (): number => {
    if (i + 4 > n) fail("unexpected end of hex escape");
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      const d = c >= 0x30 && c <= 0x39
        ? c - 0x30
        : c >= 0x61 && c <= 0x66
        ? c - 0x57
        : c >= 0x41 && c <= 0x46
        ? c - 0x37
        : -1;
      if (d < 0) fail("invalid escape", i + k);
      v = v * 16 + d;
    }
    i += 4;
    return v;
  };
  const parseString = (): string => {
    // i is just past the opening quote.
    let out = "";
    let start = i;
    for (;;) {
      if (i >= n) fail("EOF while parsing a string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail("control character (\\u0000-\\u001F) found while parsing a string");
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      i++;
      if (i >= n) fail("EOF while parsing a string");
      const e = text.charCodeAt(i);
      if (e === 0x75) {
        i++;
        const u = hex4();
        if (u >= 0xdc00 && u <= 0xdfff) fail("lone trailing surrogate in hex escape", i - 6);
        if (u >= 0xd800 && u <= 0xdbff) {
          if (text.charCodeAt(i) !== 0x5c || text.charCodeAt(i + 1) !== 0x75) {
            fail("lone leading surrogate in hex escape", i - 6);
          }
          i += 2;
          const low = hex4();
          if (low < 0xdc00 || low > 0xdfff) fail("lone leading surrogate in hex escape", i - 12);
          out += String.fromCharCode(u, low);
        } else {
          out += String.fromCharCode(u);
        }
      } else {
        const s = ESCAPES[e];
        if (s === undefined) fail("invalid escape");
        out += s;
        i++;
      }
      start = i;
    }
  };
  const parseValue = (depth: number): JsonNode => {
    skipSpace();
    if (i >= n) fail("EOF while parsing a value");
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i++;
      return { kind: "string", value: parseString() };
    }
    if (c === 0x7b || c === 0x5b) {
      if (depth >= maxDepth) fail("recursion limit exceeded");
      i++;
      return c === 0x7b ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === 0x6e || c === 0x74 || c === 0x66) {
      for (const [word, node] of [["null", NULL], ["true", TRUE], ["false", FALSE]] as const) {
        if (text.startsWith(word, i)) {
          i += word.length;
          return node;
        }
      }
      fail("expected value");
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) fail(c === 0x2d ? "invalid number" : "expected value");
    const numberText = m![0];
    const after = text.charCodeAt(i + numberText.length);
    // "01", "1.", "1e" and "-" end the match early; serde_json calls them invalid numbers.
    if ((after >= 0x30 && after <= 0x39) || after === 0x2e || after === 0x65 || after === 0x45) {
      fail("invalid number", i + numberText.length);
    }
    if (outOfRange(numberText)) fail("number out of range");
    const value = Number(numberText);
    i += numberText.length;
    return { kind: "number", text: numberText, value };
  };
  const parseArray = (depth: number): JsonNode => {
    const items: JsonNode[] = [];
    skipSpace();
    if (text.charCodeAt(i) === 0x5d) {
      i++;
      return { kind: "array", items };
    }
    for (;;) {
      items.push(parseValue(depth));
      skipSpace();
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x5d) {
        i++;
        return { kind: "array", items };
      }
      fail(i >= n ? "EOF while parsing a list" : "expected `,` or `]`");
    }
  };
  const parseObject = (depth: number): JsonNode => {
    const entries: (readonly [string, JsonNode])[] = [];
    skipSpace();
    if (text.charCodeAt(i) === 0x7d) {
      i++;
      return { kind: "object", entries };
    }
    for (;;) {
      skipSpace();
      if (text.charCodeAt(i) !== 0x22) {
        fail(i >= n ? "EOF while parsing an object" : "key must be a string");
      }
      i++;
      const key = parseString();
      skipSpace();
      if (text.charCodeAt(i) !== 0x3a) {
        fail(i >= n ? "EOF while parsing an object" : "expected `:`");
      }
      i++;
      entries.push([key, parseValue(depth)]);
      skipSpace();
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x7d) {
        i++;
        return { kind: "object", entries };
      }
      fail(i >= n ? "EOF while parsing an object" : "expected `,` or `}`");
    }
  };

  const root = parseValue(0);
  skipSpace();
  if (i < n) fail("trailing characters");
  return root;
}
