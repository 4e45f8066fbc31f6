/**
 * JSON-token damage for the fuzz cases of `fuzz_mutate.ts`: numbers, strings and characters
 * replaced, something inserted, deep nesting.
 *
 * @module
 */

import type { Draws } from "./fuzz_mutate.ts";

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
export function mutateJson(text: string, r: Draws): string {
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
