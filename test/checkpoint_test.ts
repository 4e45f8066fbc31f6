import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  encodeSafetensors,
  loadCheckpoint,
  saveCheckpoint,
} from "../src/checkpoint.ts";
import { batchNorm } from "../src/layers/batch_norm.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, tensor } from "../src/tensor.ts";
import { assemble, assertSameTree, f32, recordArb, treeArb } from "./_checkpoint_helpers.ts";

// ---------------------------------------------------------------------------------------------
// Round trips

test("decodeSafetensors(encodeSafetensors(record)) returns the record bitwise", () => {
  fc.assert(
    fc.property(recordArb, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), (rec, meta) => {
      const { tensors, metadata } = decodeSafetensors(encodeSafetensors(rec, meta));
      assertSameTree(tensors, rec);
      assert.deepEqual({ ...metadata }, { ...meta });
    }),
    { numRuns: 100 },
  );
});

test("decodeCheckpoint(encodeCheckpoint(tree)) rebuilds the exact tree", () => {
  fc.assert(
    fc.property(treeArb, (tree) => {
      assertSameTree(decodeCheckpoint(encodeCheckpoint(tree)), tree);
    }),
    { numRuns: 100 },
  );
});

test("NaN payloads and signed zeros survive a checkpoint bit for bit", () => {
  const bits32 = new Uint32Array([0x7fc00001, 0xffbfffff, 0x80000000, 0x00000001]);
  const bits64 = new Uint32Array([0x00000001, 0x7ff80000, 0x00000000, 0x80000000]);
  const tree = {
    a: fromTypedArray(new Float32Array(bits32.buffer), [4]),
    b: fromTypedArray(new Float64Array(bits64.buffer), [2]),
    c: -0,
  };
  assertSameTree(decodeCheckpoint(encodeCheckpoint(tree)), tree);
});

test("checkpoint leaves are stored under their tree paths", () => {
  const bytes = encodeCheckpoint({
    params: [{ w: tensor([1]), b: tensor([2]) }, null],
    optState: [{ count: tensor([3], [], "float64") }],
  });
  assert.deepEqual(Object.keys(decodeSafetensors(bytes).tensors).sort(), [
    "optState.0.count",
    "params.0.b",
    "params.0.w",
  ]);
});

test("checkpoint leaves whose paths print alike get distinct names and both come back", () => {
  const tree = { "a.b": tensor([1]), a: { b: tensor([2]) }, "__metadata__": tensor([3]) };
  const bytes = encodeCheckpoint(tree);
  assert.equal(Object.keys(decodeSafetensors(bytes).tensors).length, 3);
  assertSameTree(decodeCheckpoint(bytes), tree);
});

test("saveCheckpoint() then loadCheckpoint() restores params, state, optimiser state and counters", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-checkpoint-"));
  try {
    const layer = batchNorm();
    const { params, state } = layer.init(key(0), [3]);
    const checkpoint = {
      params: [params, null],
      state: [state, null],
      optState: [{ count: tensor([5], [], "float64"), mu: [params, null] }, null],
      step: 5,
      bestLoss: Infinity,
      finished: false,
      run: "mnist-1",
    };
    const path = join(dir, "model.safetensors");
    await saveCheckpoint(path, checkpoint, { metadata: { format: "pt" } });
    assertSameTree(await loadCheckpoint(path), checkpoint);
    assert.equal(decodeSafetensors(await readFile(path)).metadata.format, "pt");
    assertSameTree(await loadCheckpoint(new URL(`file://${path}`)), checkpoint);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("saveCheckpoint() refuses an unstorable tree and leaves the existing file intact", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-checkpoint-"));
  try {
    const path = join(dir, "model.safetensors");
    await saveCheckpoint(path, { step: 1 });
    const before = await readFile(path);
    await assert.rejects(saveCheckpoint(path, { step: 2, opt: { lr: undefined } } as never), {
      name: "TypeError",
      message: /cannot store undefined at opt\.lr/,
    });
    assert.deepEqual(await readFile(path), before);
    assert.deepEqual(await loadCheckpoint(path), { step: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("loadCheckpoint() reads a plain safetensors file as a flat record", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-checkpoint-"));
  try {
    const path = join(dir, "plain.safetensors");
    const rec = { "layer.weight": tensor([1, 2]), "layer.bias": tensor([3]) };
    await writeFile(path, encodeSafetensors(rec));
    assertSameTree(await loadCheckpoint(path), rec);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Byte layout

test("encodeSafetensors() writes the byte layout of the spec (F32, checked by hand)", () => {
  // {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 characters, padded with two
  // spaces to 56 so the buffer starts 8-byte aligned; 1.0f is 0x3f800000 and -2.0f 0xc0000000,
  // stored little-endian.
  const header = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  ';
  const lengthPrefix = [56, 0, 0, 0, 0, 0, 0, 0];
  const data = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0];
  const expected = [...lengthPrefix, ...Array.from(header, (c) => c.charCodeAt(0)), ...data];
  assert.deepEqual(Array.from(encodeSafetensors({ x: tensor([1, -2]) })), expected);
});

test("encodeSafetensors() writes metadata first and F64 little-endian (checked by hand)", () => {
  // 85 characters of JSON, padded with three spaces to 88; 1.5 is 0x3ff8000000000000.
  const header =
    '{"__metadata__":{"format":"pt"},"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}   ';
  const lengthPrefix = [88, 0, 0, 0, 0, 0, 0, 0];
  const data = [0, 0, 0, 0, 0, 0, 0xf8, 0x3f];
  const expected = [...lengthPrefix, ...Array.from(header, (c) => c.charCodeAt(0)), ...data];
  const bytes = encodeSafetensors({ x: tensor([1.5], [1], "float64") }, { format: "pt" });
  assert.deepEqual(Array.from(bytes), expected);
});

test("encoded files always start their byte buffer 8-byte aligned", () => {
  fc.assert(
    fc.property(treeArb, (tree) => {
      const bytes = encodeCheckpoint(tree);
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      assert.equal((8 + n) % 8, 0);
    }),
    { numRuns: 50 },
  );
});

test("decodeSafetensors() reads a foreign file: unpadded, header out of data order, unaligned", () => {
  // b's data comes first in the buffer although a is listed first in the header.
  const file = assemble(
    JSON.stringify({ a: f32([1], 4, 8), b: f32([], 0, 4) }),
    [0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0xbf], // 3.0f, -1.0f
  );
  // Shift by one byte so the typed data cannot be viewed in place.
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  const { tensors, metadata } = decodeSafetensors(shifted.subarray(1));
  assert.deepEqual(Array.from(tensors.a.data), [-1]);
  assert.deepEqual(Array.from(tensors.b.data), [3]);
  assert.deepEqual([...tensors.b.shape], []);
  assert.deepEqual(metadata, {});
});

test("decoded tensors never alias the file's bytes, and encoding never writes its input", () => {
  const t = tensor([1, 2, 3]);
  const bytes = encodeSafetensors({ t });
  assert.deepEqual(Array.from(t.data), [1, 2, 3]);
  const { tensors } = decodeSafetensors(bytes);
  bytes.fill(0, bytes.length - 12);
  assert.deepEqual(Array.from(tensors.t.data), [1, 2, 3]);
});
