import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, deflateRawSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { crc32, gunzip } from "../src/data/gunzip.ts";
import { inflateRaw } from "../src/data/inflate.ts";

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  // Runs and small alphabets, which exercise back-references and dynamic Huffman codes.
  fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 300 })), {
    maxLength: 40,
  })
    .map((runs) => new Uint8Array(runs.flatMap(([v, n]) => new Array(n).fill(v)))),
);
const strategies = [
  constants.Z_DEFAULT_STRATEGY,
  constants.Z_FIXED,
  constants.Z_HUFFMAN_ONLY,
  constants.Z_RLE,
];

test("gunzip() inverts node:zlib's gzip at every level and strategy", () => {
  fc.assert(
    fc.property(
      bytesArb,
      fc.constantFrom(0, 1, 6, 9),
      fc.constantFrom(...strategies),
      (data, level, strategy) => {
        assert.deepEqual(gunzip(new Uint8Array(gzipSync(data, { level, strategy }))), data);
      },
    ),
    { numRuns: 200 },
  );
});

test("crc32() matches the check value of the standard (CRC-32 of '123456789' is 0xcbf43926)", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

test("gunzip() reads every member and skips zero padding between and after them, as Python does", () => {
  const a = new Uint8Array([1, 2, 3]), b = new Uint8Array([4, 5]);
  const joined = new Uint8Array([...gzipSync(a), 0, 0, ...gzipSync(b), 0]);
  assert.deepEqual([...gunzip(joined)], [1, 2, 3, 4, 5]);
});

test("gunzip() refuses bytes after a member that are neither padding nor a member", () => {
  const bad = new Uint8Array([...gzipSync(new Uint8Array([1])), 7]);
  assert.throws(() => gunzip(bad, { prefix: "readIdx: x.gz" }), {
    name: "TypeError",
    message:
      /^readIdx: x\.gz: byte \d+ after gzip member 1 is neither zero padding nor another member/,
  });
});

test("gunzip() refuses a wrong CRC-32 or length in the trailer", () => {
  const good = new Uint8Array(gzipSync(new Uint8Array([1, 2, 3])));
  const crc = good.slice();
  crc[crc.length - 8] ^= 1;
  assert.throws(() => gunzip(crc), { name: "TypeError", message: /fails its CRC-32 check/ });
  const len = good.slice();
  len[len.length - 4] ^= 1;
  assert.throws(() => gunzip(len), { name: "TypeError", message: /wrong length in its trailer/ });
});

test("gunzip() refuses every truncation of a file with a TypeError", () => {
  const good = new Uint8Array(gzipSync(new Uint8Array(500).map((_, i) => (i * 7) % 13)));
  for (let cut = 1; cut < good.length; cut++) {
    assert.throws(() => gunzip(good.subarray(0, cut)), { name: "TypeError" }, `cut at ${cut}`);
  }
});

test("gunzip() stops at maxBytes: a small file that expands enormously is a RangeError", () => {
  const bomb = new Uint8Array(gzipSync(new Uint8Array(8 << 20), { level: 9 }));
  assert.ok(bomb.length < 10_000);
  assert.throws(() => gunzip(bomb, { maxBytes: 1 << 16, prefix: "readIdx: bomb.gz" }), {
    name: "RangeError",
    message: /^readIdx: bomb\.gz: the gzip data expands past 65536 bytes/,
  });
  assert.equal(gunzip(bomb, { maxBytes: 100, prefixOnly: true }).length, 100);
});

test("inflateRaw() gives zlib's verdicts on invalid streams", () => {
  const cases: [number[], RegExp][] = [
    [[0x07], /invalid block type/], // final block of type 3
    [[0x01, 1, 0, 1, 0, 0], /invalid stored block lengths/], // LEN 1, NLEN not its complement
    [[0x01, 2, 0, 0xfd, 0xff, 104], /ends before the end-of-stream marker/], // 2 bytes promised, 1 given
    // A fixed-Huffman block opening with a match (length 3, distance 1) before any byte.
    [[0x03, 0x02], /invalid distance too far back/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => inflateRaw(new Uint8Array(bytes)),
      { name: "InflateError", message },
      String(bytes),
    );
  }
});

test("inflateRaw() reports where the stream ends, so a trailer can be read after it", () => {
  fc.assert(
    fc.property(bytesArb, fc.uint8Array({ maxLength: 20 }), (data, tail) => {
      const raw = new Uint8Array(deflateRawSync(data));
      const { output, consumed } = inflateRaw(new Uint8Array([...raw, ...tail]));
      assert.deepEqual(output, data);
      assert.equal(consumed, raw.length);
    }),
    { numRuns: 100 },
  );
});
