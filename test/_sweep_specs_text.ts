/**
 * Sweep specs for the text helpers of `src/data/text.ts` (vocabulary, encoding, splitting and
 * windows); `readText` is asynchronous and is checked in `data_text_test.ts`.
 *
 * @module
 */

import * as g from "../mod.ts";
import { arg, count, dtype, num, options, type Spec, spec } from "./_sweep.ts";

const vocab = () => g.charVocabulary("hello");
const vocabArg = () => arg(vocab, null, undefined, "hello", {}, { chars: ["a"] }, [["a", 0]]);

/** The text helpers. */
export const textSpecs: Spec[] = [
  spec("charVocabulary", g.charVocabulary, [arg(() => "hello", null, undefined, "", 3, ["h"])]),
  spec("encodeText", g.encodeText, [vocabArg(), arg(() => "hole", null, 3, "help", ["h"])]),
  spec("decodeText", g.decodeText, [
    vocabArg(),
    arg(() => [1, 3, 2, 0], null, "1320", 3, [4], [-1], [0.5], [NaN], ["1"], {}),
  ]),
  spec("splitText", g.splitText, [
    arg(() => Int32Array.from([0, 1, 2, 3]), null, [0, 1], new Int32Array(1), "0123", {}),
    arg(() => 0.25, null, 0, 1, -0.5, 1.5, NaN, Infinity, "0.5"),
  ]),
  spec("textWindows", g.textWindows, [
    arg(() => [0, 1, 2, 3, 4], null, "01234", [0, 1], [0, -1, 2, 3, 4], [0, 0.5, 1, 2, 3], {}),
    count(2, 1, 4),
    options(() => ({ stride: 1 }), { stride: num(1, { int: true, min: 1 }), dtype: dtype() }),
  ]),
];
