import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  charVocabulary,
  decodeText,
  encodeText,
  readText,
  splitText,
  textWindows,
} from "../src/data/text.ts";

/** A short real text, inline: the tests never need the corpus package. */
const HAMLET = "To be, or not to be, that is the question:\n" +
  "Whether 'tis nobler in the mind to suffer\n" +
  "The slings and arrows of outrageous fortune";

/** Non-empty strings with characters outside the BMP (surrogate pairs) among them. */
const textArb = fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 });
/** Id sequences of drawn length, with the window length and stride to cut them by. */
const windowsArb = fc.integer({ min: 1, max: 12 }).chain((seqLen) =>
  fc.record({
    seqLen: fc.constant(seqLen),
    stride: fc.integer({ min: 1, max: 15 }),
    ids: fc.array(fc.integer({ min: 0, max: 90 }), { minLength: seqLen + 1, maxLength: 80 }),
  })
);

test("charVocabulary() holds each distinct code point once, sorted by code point", () => {
  fc.assert(
    fc.property(textArb, (text) => {
      const { chars } = charVocabulary(text);
      assert.deepEqual(new Set(chars), new Set(text));
      assert.equal(chars.length, new Set(text).size);
      for (let i = 1; i < chars.length; i++) {
        assert.ok(chars[i - 1].codePointAt(0)! < chars[i].codePointAt(0)!);
      }
    }),
  );
});

test("charVocabulary() ids are the positions in chars", () => {
  const vocab = charVocabulary(HAMLET);
  vocab.chars.forEach((c, i) => assert.equal(vocab.ids.get(c), i));
  assert.equal(vocab.ids.size, vocab.chars.length);
});

test("decodeText() inverts encodeText(), one id per code point", () => {
  fc.assert(
    fc.property(textArb, (text) => {
      const vocab = charVocabulary(text);
      const ids = encodeText(vocab, text);
      assert.equal(ids.length, [...text].length);
      assert.equal(decodeText(vocab, ids), text);
    }),
  );
});

test("encodeText() names a character the vocabulary lacks and its position", () => {
  const vocab = charVocabulary("abc");
  assert.throws(() => encodeText(vocab, "abzc"), (e: Error) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /encodeText: character "z" \(U\+007A\) at character 2/);
    return true;
  });
});

test("decodeText() rejects an id outside the vocabulary", () => {
  const vocab = charVocabulary("abc");
  assert.throws(() => decodeText(vocab, [0, 3]), RangeError);
  assert.throws(() => decodeText(vocab, [0.5]), RangeError);
  assert.throws(() => decodeText(vocab, [-1]), /id -1 at position 0/);
});

test("charVocabulary(), encodeText() and decodeText() reject what is not text or a vocabulary", () => {
  assert.throws(() => charVocabulary(""), TypeError);
  assert.throws(
    () => charVocabulary(42 as unknown as string),
    /charVocabulary: text must be a string/,
  );
  assert.throws(() => encodeText({ chars: [] } as never, "a"), /encodeText: vocab must be/);
  assert.throws(() => decodeText(charVocabulary("a"), "0" as never), /decodeText: ids must be/);
});

test("splitText() keeps the order: train then the held-out tail make the whole", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 2, maxLength: 200 }),
      fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      (raw, fraction) => {
        const ids = Int32Array.from(raw);
        const { train, heldOut } = splitText(ids, fraction);
        assert.deepEqual([...train, ...heldOut], raw);
        const expected = Math.min(raw.length - 1, Math.max(1, Math.round(raw.length * fraction)));
        assert.equal(heldOut.length, expected);
      },
    ),
  );
});

test("splitText() rejects a fraction outside (0, 1) and fewer than two ids", () => {
  const ids = Int32Array.from([0, 1, 2]);
  for (const f of [0, 1, -0.5, NaN]) assert.throws(() => splitText(ids, f), RangeError);
  assert.throws(() => splitText(Int32Array.from([0]), 0.5), /at least 2 ids/);
  assert.throws(() => splitText([0, 1] as never, 0.5), TypeError);
});

test("textWindows() targets are the inputs shifted by one character", () => {
  fc.assert(
    fc.property(windowsArb, ({ seqLen, stride, ids }) => {
      const { x, y } = textWindows(ids, seqLen, { stride });
      const n = x.shape[0];
      for (let w = 0; w < n; w++) {
        for (let j = 0; j < seqLen; j++) {
          assert.equal(x.data[w * seqLen + j], ids[w * stride + j]);
          assert.equal(y.data[w * seqLen + j], ids[w * stride + j + 1]);
        }
      }
    }),
  );
});

test("textWindows() cuts every window that fits, and no more", () => {
  fc.assert(
    fc.property(windowsArb, ({ seqLen, stride, ids }) => {
      const { x, y } = textWindows(ids, seqLen, { stride });
      const n = x.shape[0];
      assert.deepEqual(x.shape, [n, seqLen]);
      assert.deepEqual(y.shape, [n, seqLen]);
      assert.ok((n - 1) * stride + seqLen + 1 <= ids.length, "the last window fits");
      assert.ok(n * stride + seqLen + 1 > ids.length, "one more would not");
    }),
  );
});

test("textWindows() leaves its input unchanged and honours dtype", () => {
  const ids = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
  const before = ids.slice();
  const { x } = textWindows(ids, 3, { dtype: "float64" });
  assert.deepEqual(ids, before);
  assert.equal(x.dtype, "float64");
  assert.equal(textWindows(ids, 3).x.dtype, "float32");
});

test("textWindows() rejects too few ids, bad ids and bad options", () => {
  assert.throws(() => textWindows([0, 1, 2], 3), /3 ids are too few for one window of 3/);
  assert.throws(() => textWindows([0, 1.5, 2], 1), /id 1.5 at position 1/);
  assert.throws(() => textWindows([0, -1, 2], 1), RangeError);
  assert.throws(() => textWindows([0, 1, 2], 0), RangeError);
  assert.throws(() => textWindows([0, 1, 2], 1, { stride: 0 }), /options.stride/);
  assert.throws(() => textWindows([0, 1, 2], 1, { stride: null } as never), /options.stride/);
  assert.throws(() => textWindows([0, 1, 2], 1, { dtype: null } as never), TypeError);
  assert.throws(() => textWindows([0, 1, 2], 1, { step: 1 } as never), /unknown option "step"/);
  assert.throws(() => textWindows([0, 1, 2], 1, { dtype: "int8" as never }), TypeError);
  assert.throws(() => textWindows("012" as never, 1), /textWindows: ids must be/);
});

test("readText() reads UTF-8, dropping a byte-order mark", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gradstream-text-"));
  try {
    const path = join(dir, "hamlet.txt");
    writeFileSync(path, "\uFEFF" + HAMLET + " \u{1F3AD}");
    assert.equal(await readText(path), HAMLET + " \u{1F3AD}");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("readText() rejects a file that is not UTF-8 text, naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gradstream-text-"));
  try {
    const latin1 = join(dir, "latin1.txt"), binary = join(dir, "binary.bin");
    writeFileSync(latin1, Uint8Array.from([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
    writeFileSync(binary, Uint8Array.from([0x61, 0x00, 0x62]));
    await assert.rejects(readText(latin1), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.ok(e.message.includes(latin1) && e.message.includes("not UTF-8"));
      return true;
    });
    await assert.rejects(readText(binary), /NUL byte at character 1/);
    await assert.rejects(readText(join(dir, "missing.txt")), /readText: .*missing\.txt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("readText() rejects a path that is not a file path", async () => {
  for (const bad of ["", 3, null, new URL("https://example.org/a.txt")]) {
    await assert.rejects(readText(bad as never), (e: Error) => {
      assert.ok(e instanceof TypeError && e.message.startsWith("readText: "));
      return true;
    });
  }
});
