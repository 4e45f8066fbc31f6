/**
 * Bounded printing for error messages: a name ({@linkcode quote}) or a parsed JSON value
 * ({@linkcode describeJson}) in at most about a given number of characters, whatever a file
 * holds.
 *
 * @module
 */

import type { JsonNode } from "./json.ts";

/**
 * A string as a JSON literal of at most about `max` characters, cut with `…` when longer, so
 * that an error message stays short whatever a file holds.
 *
 * @example
 * ```ts
 * import { quote } from "./json_print.ts";
 * if (quote("a".repeat(1000), 10) !== '"aaaaaaaaaa"…') throw new Error("unexpected");
 * ```
 */
export function quote(s: string, max = 80): string {
  return s.length <= max ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, max))}…`;
}

/**
 * A JSON value printed in at most about `max` characters (`[[[[…` for a deep array), for
 * error messages. Never recurses deeper than the characters it prints.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json.ts";
 * import { describeJson } from "./json_print.ts";
 * if (describeJson(parseJson("[1, [2, 3]]")) !== "[1,[2,3]]") throw new Error("unexpected");
 * if (describeJson(parseJson("[".repeat(100) + "]".repeat(100)), 8).length > 9) {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function describeJson(node: JsonNode, max = 60): string {
  let out = "";
  const put = (s: string): boolean => {
    if (out.length + s.length > max) {
      out += s.slice(0, Math.max(0, max - out.length)) + "…";
      return false;
    }
    out += s;
    return true;
  };
  const walk = (v: JsonNode): boolean => {
    switch (v.kind) {
      case "null":
        return put("null");
      case "boolean":
        return put(String(v.value));
      case "number":
        return put(v.text.length > max ? v.text.slice(0, max) : v.text);
      case "string":
        return put(quote(v.value, max));
      case "array": {
        if (!put("[")) return false;
        for (let k = 0; k < v.items.length; k++) {
          if ((k > 0 && !put(",")) || !walk(v.items[k])) return false;
        }
        return put("]");
      }
      case "object": {
        if (!put("{")) return false;
        for (let k = 0; k < v.entries.length; k++) {
          const [key, value] = v.entries[k];
          if ((k > 0 && !put(",")) || !put(`${quote(key, max)}:`) || !walk(value)) return false;
        }
        return put("}");
      }
    }
  };
  walk(node);
  return out;
}
