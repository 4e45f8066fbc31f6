import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { gunzipIfNeeded, type IdxType, parseIdx, readIdx } from "../src/data/idx.ts";

/** Type code, bytes per element and big-endian writer of each IDX type, from the format spec. */
const CODES: Record<IdxType, [number, number, (v: DataView, at: number, x: number) => void]> = {
  uint8: [0x08, 1, (v, at, x) => v.setUint8(at, x)],
  int8: [0x09, 1, (v, at, x) => v.setInt8(at, x)],
  int16: [0x0b, 2, (v, at, x) => v.setInt16(at, x, false)],
  int32: [0x0c, 4, (v, at, x) => v.setInt32(at, x, false)],
  float32: [0x0d, 4, (v, at, x) => v.setFloat32(at, x, false)],
  float64: [0x0e, 8, (v, at, x) => v.setFloat64(at, x, false)],
};

/** Encodes an IDX file by hand: magic, big-endian dims, big-endian elements. */
function encodeIdx(type: IdxType, shape: number[], values: number[]): Uint8Array {
  const [code, width, write] = CODES[type];
  const bytes = new Uint8Array(4 + 4 * shape.length + width * values.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = code;
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => write(view, 4 + 4 * shape.length + width * i, x));
  return bytes;
}

const valueArb: Record<IdxType, fc.Arbitrary<number>> = {
  uint8: fc.integer({ min: 0, max: 255 }),
  int8: fc.integer({ min: -128, max: 127 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  float32: fc.float({ noNaN: true }).map(Math.fround),
  float64: fc.double({ noNaN: true }),
};

/** A type, a shape of rank 1..3 and matching values. */
const idxArb = fc.constantFrom(...(Object.keys(CODES) as IdxType[])).chain((type) =>
  fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
    fc.array(valueArb[type], {
      minLength: shape.reduce((a, b) => a * b, 1),
      maxLength: shape.reduce((a, b) => a * b, 1),
    }).map((values) => ({ type, shape, values }))
  )
);

test("parseIdx() reads a hand-built uint8 image file", () => {
  // Two 2x3 images: magic 0x00000803, dims 2, 2, 3, then 12 pixels.
  const bytes = new Uint8Array([
    0,
    0,
    8,
    3,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    3,
    ...[0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255],
  ]);
  const idx = parseIdx(bytes);
  assert.equal(idx.type, "uint8");
  assert.deepEqual([...idx.shape], [2, 2, 3]);
  assert.deepEqual([...idx.data], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
});

test("parseIdx() reads dimensions larger than 255 big-endian", () => {
  const bytes = encodeIdx("uint8", [0x0102], new Array(0x0102).fill(7));
  assert.deepEqual([...parseIdx(bytes).shape], [258]);
});

test("parseIdx() decodes every element type from its big-endian encoding", () => {
  fc.assert(
    fc.property(idxArb, ({ type, shape, values }) => {
      const idx = parseIdx(encodeIdx(type, shape, values));
      assert.equal(idx.type, type);
      assert.deepEqual([...idx.shape], shape);
      assert.deepEqual([...idx.data], values);
    }),
    { numRuns: 100 },
  );
});

test("parseIdx() rejects a bad magic number with a TypeError naming it", () => {
  const good = encodeIdx("uint8", [2], [1, 2]);
  const cases: [number, number][] = [[0, 1], [1, 8], [2, 0x0a], [2, 0x07], [3, 0]];
  for (const [at, value] of cases) {
    const bad = good.slice();
    bad[at] = value;
    assert.throws(() => parseIdx(bad, "labels.idx"), {
      name: "TypeError",
      message: /parseIdx: labels\.idx has a bad magic number 0x/,
    });
  }
});

test("parseIdx() rejects every truncation of a valid file with a TypeError", () => {
  fc.assert(
    fc.property(idxArb, fc.nat(), ({ type, shape, values }, cut) => {
      const bytes = encodeIdx(type, shape, values);
      const prefix = bytes.subarray(0, cut % bytes.length);
      assert.throws(() => parseIdx(prefix), { name: "TypeError", message: /truncated|magic/ });
    }),
    { numRuns: 100 },
  );
});

test("parseIdx() rejects trailing bytes after the body", () => {
  const bytes = encodeIdx("int16", [2], [1, -1]);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => parseIdx(longer), { name: "TypeError", message: /trailing bytes/ });
});

test("parseIdx() neither mutates nor aliases its input", () => {
  fc.assert(
    fc.property(idxArb, ({ type, shape, values }) => {
      const bytes = encodeIdx(type, shape, values);
      const snapshot = bytes.slice();
      const idx = parseIdx(bytes);
      assert.deepEqual(bytes, snapshot);
      const before = [...idx.data];
      bytes.fill(0xff);
      assert.deepEqual([...idx.data], before);
    }),
    { numRuns: 50 },
  );
});

test("gunzipIfNeeded() inverts gzip and passes plain bytes through", async () => {
  const plain = encodeIdx("int32", [3], [1, -2, 3]);
  assert.equal(await gunzipIfNeeded(plain), plain);
  assert.deepEqual(await gunzipIfNeeded(new Uint8Array(gzipSync(plain))), plain);
});

test("readIdx() reads a gzipped file the same as the plain one", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-idx-"));
  const bytes = encodeIdx("float32", [2, 2], [0.5, -1, 2, 1e-3].map(Math.fround));
  await writeFile(join(dir, "a-idx2-float"), bytes);
  await writeFile(join(dir, "a-idx2-float.gz"), gzipSync(bytes));
  const plain = await readIdx(join(dir, "a-idx2-float"));
  const gz = await readIdx(join(dir, "a-idx2-float.gz"));
  assert.deepEqual([...gz.shape], [2, 2]);
  assert.deepEqual([...gz.data], [...plain.data]);
});

test("readIdx() names the file in its errors", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-idx-"));
  const path = join(dir, "broken-idx1-ubyte");
  await writeFile(path, encodeIdx("uint8", [4], [1, 2, 3, 4]).subarray(0, 10));
  await assert.rejects(readIdx(path), {
    name: "TypeError",
    message: new RegExp(`${path.replace(/[.\\]/g, "\\$&")} is truncated`),
  });
});

test("readIdx() decompresses no more than the header promises: a .gz bomb is refused as trailing bytes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-idx-"));
  const path = join(dir, "bomb-idx1-ubyte.gz");
  // The header promises 4 labels; the stream holds 32 MiB of zeros after them (about 32 KiB).
  const body = new Uint8Array(8 + 4 + (32 << 20));
  body.set(encodeIdx("uint8", [4], [1, 2, 3, 4]));
  await writeFile(path, gzipSync(body, { level: 9 }));
  await assert.rejects(readIdx(path), {
    name: "TypeError",
    message: new RegExp(
      `^readIdx: ${
        path.replace(/[.\\]/g, "\\$&")
      } has trailing bytes: it decompresses to more than the 12 bytes`,
    ),
  });
});

test("readIdx() reads every gzip member, and names the file when the .gz is corrupt", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-idx-"));
  const bytes = encodeIdx("int16", [3], [1, -2, 3]);
  const two = join(dir, "two-idx1.gz");
  await writeFile(
    two,
    new Uint8Array([...gzipSync(bytes.subarray(0, 5)), ...gzipSync(bytes.subarray(5))]),
  );
  assert.deepEqual([...(await readIdx(two)).data], [1, -2, 3]);
  const corrupt = new Uint8Array(gzipSync(bytes));
  corrupt[corrupt.length - 6] ^= 0xff; // the CRC-32
  const bad = join(dir, "bad-idx1.gz");
  await writeFile(bad, corrupt);
  await assert.rejects(readIdx(bad), {
    name: "TypeError",
    message: new RegExp(
      `^readIdx: ${bad.replace(/[.\\]/g, "\\$&")}: gzip member 1 fails its CRC-32 check`,
    ),
  });
});

test("readIdx() names a file that does not exist", async () => {
  const path = join(tmpdir(), "gradstream-no-such-idx-file");
  await assert.rejects(readIdx(path), { message: `readIdx: ${path} does not exist` });
});
