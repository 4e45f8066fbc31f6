import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CheckpointTree,
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  encodeSafetensors,
  loadCheckpoint,
  saveCheckpoint,
} from "../src/checkpoint.ts";
import { encodeNamedTensors } from "../src/checkpoint/safetensors.ts";
import { batchNorm } from "../src/layers/batch_norm.ts";
import { key } from "../src/random.ts";
import {
  type DType,
  fromTypedArray,
  isTensor,
  sizeOf,
  type Tensor,
  tensor,
} from "../src/tensor.ts";
import { shapeArb } from "../src/testing/mod.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

/** The bytes behind a tensor, for bitwise comparison (NaN payloads and -0 included). */
function bytesOf(t: Tensor): number[] {
  return Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** Asserts that two checkpoint trees are identical: same structure, bitwise-equal tensors. */
function assertSameTree(actual: unknown, expected: unknown, path = "<root>"): void {
  if (isTensor(expected)) {
    assert.ok(isTensor(actual), `${path}: expected a tensor`);
    assert.equal(actual.dtype, expected.dtype, `${path}: dtype`);
    assert.deepEqual([...actual.shape], [...expected.shape], `${path}: shape`);
    assert.deepEqual(bytesOf(actual), bytesOf(expected), `${path}: bytes`);
  } else if (typeof expected === "number") {
    assert.ok(Object.is(actual, expected), `${path}: ${actual} vs ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertSameTree(actual[i], e, `${path}.${i}`));
  } else if (typeof expected === "object" && expected !== null) {
    assert.ok(typeof actual === "object" && actual !== null && !Array.isArray(actual), path);
    assert.ok(!isTensor(actual), `${path}: expected an object, got a tensor`);
    const keys = Object.keys(expected).sort();
    assert.deepEqual(Object.keys(actual).sort(), keys, `${path}: keys`);
    const a = actual as Record<string, unknown>, e = expected as Record<string, unknown>;
    for (const k of keys) assertSameTree(a[k], e[k], `${path}.${k}`);
  } else {
    assert.equal(actual, expected, path);
  }
}

/** Assembles a safetensors file from header text and data bytes, with no padding. */
function assemble(header: string, data: number[] = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: "F32",
  shape,
  data_offsets: [begin, end],
});

/** Tensors with random bit patterns: NaNs with payloads, infinities, -0, subnormals. */
const tensorBitsArb: fc.Arbitrary<Tensor> = fc.tuple(
  shapeArb({ maxRank: 3, minDim: 0, maxDim: 3 }),
  fc.constantFrom<DType>("float32", "float64"),
).chain(([shape, dtype]) => {
  const words = sizeOf(shape) * (dtype === "float64" ? 2 : 1);
  return fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: words, maxLength: words })
    .map((w) => {
      const buffer = Uint32Array.from(w).buffer;
      return fromTypedArray(
        dtype === "float64" ? new Float64Array(buffer) : new Float32Array(buffer),
        shape,
      );
    });
});

const keyArb = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("a.b", "__proto__", "0"));

const { tree: treeArb } = fc.letrec<{ tree: CheckpointTree }>((tie) => ({
  tree: fc.oneof(
    // Weighted toward tensors and containers so most trees nest tensors a few levels deep.
    { maxDepth: 4, depthSize: "medium", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ maxLength: 6 }),
    fc.double(),
    { arbitrary: tensorBitsArb, weight: 3 },
    { arbitrary: fc.array(tie("tree"), { maxLength: 3 }), weight: 2 },
    { arbitrary: fc.dictionary(keyArb, tie("tree"), { maxKeys: 3 }), weight: 2 },
  ),
}));

/** A record of named tensors, as encodeSafetensors takes it. */
const recordArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 5 }).filter((s) => !s.includes(".")),
  tensorBitsArb,
  { maxKeys: 4, noNullPrototype: true },
);

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

// ---------------------------------------------------------------------------------------------
// Corrupted files

const good = () => encodeSafetensors({ a: tensor([1, 2]), b: tensor([3]) });

test("decodeSafetensors() rejects a truncated file, naming the tensor cut short", () => {
  const bytes = good();
  assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1)), {
    name: "RangeError",
    message: /tensor "b": data_offsets \[8,12\] run past the end of the 11-byte buffer/,
  });
  assert.throws(() => decodeSafetensors(bytes.subarray(0, 5)), {
    name: "RangeError",
    message: /5 bytes, too short for the 8-byte header length/,
  });
});

test("decodeSafetensors() rejects a header length past the end of the file", () => {
  const bytes = good();
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(bytes.length), true);
  assert.throws(() => decodeSafetensors(bytes), {
    name: "RangeError",
    message: new RegExp(`header length ${bytes.length} runs past the end`),
  });
  view.setBigUint64(0, 0xffffffffffffffffn, true);
  assert.throws(() => decodeSafetensors(bytes), {
    name: "RangeError",
    message: /header length 18446744073709551615 exceeds the 100000000-byte limit/,
  });
});

test("decodeSafetensors() rejects a header that is not a JSON object", () => {
  assert.throws(() => decodeSafetensors(assemble('{"a":')), {
    name: "TypeError",
    message: /the header is not valid JSON/,
  });
  assert.throws(() => decodeSafetensors(assemble("[1,2]")), {
    name: "TypeError",
    message: /the header must be a JSON object, got \[1,2\]/,
  });
  const bad = assemble("{}  ");
  bad[9] = 0xff; // not UTF-8
  assert.throws(() => decodeSafetensors(bad), { name: "TypeError", message: /UTF-8/ });
});

test("decodeSafetensors() rejects an unknown dtype, naming the tensor", () => {
  for (const dtype of ["F17", "toString", "constructor", "__proto__", "f32"]) {
    const w = { dtype, shape: [2], data_offsets: [0, 4] };
    const file = assemble(JSON.stringify({ w }), [0, 0, 0, 0]);
    assert.throws(() => decodeSafetensors(file), {
      name: "TypeError",
      message: new RegExp(`tensor "w": unknown dtype "${dtype}" \\(safetensors names BOOL, `),
    });
  }
});

test("decodeSafetensors() rejects shapes that are not lists of non-negative integers", () => {
  for (const shape of [[-1], [1.5], ["2"], 2]) {
    const file = assemble(JSON.stringify({ w: { dtype: "F32", shape, data_offsets: [0, 0] } }));
    assert.throws(() => decodeSafetensors(file), {
      name: "TypeError",
      message:
        /tensor "w": (shape must be an array of unsigned integers|each shape dimension must be an unsigned integer)/,
    });
  }
});

test("decodeSafetensors() rejects malformed or reversed data_offsets", () => {
  const file = assemble(JSON.stringify({ w: { dtype: "F32", shape: [0], data_offsets: [0] } }));
  assert.throws(() => decodeSafetensors(file), {
    name: "TypeError",
    message: /tensor "w": data_offsets must be \[begin, end\]/,
  });
  const reversed = assemble(JSON.stringify({ w: f32([1], 4, 0) }), [0, 0, 0, 0]);
  assert.throws(() => decodeSafetensors(reversed), {
    name: "RangeError",
    message: /tensor "w": data_offsets \[4,0\] end before they begin/,
  });
});

test("decodeSafetensors() rejects offsets out of range of the buffer", () => {
  const file = assemble(JSON.stringify({ w: f32([4], 0, 16) }), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeSafetensors(file), {
    name: "RangeError",
    message: /tensor "w": data_offsets \[0,16\] run past the end of the 8-byte buffer/,
  });
});

test("decodeSafetensors() rejects a byte count that disagrees with dtype and shape", () => {
  const file = assemble(JSON.stringify({ w: f32([3], 0, 8) }), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => decodeSafetensors(file), {
    name: "TypeError",
    message: /tensor "w": F32 shape \[3\] needs 12 bytes but data_offsets \[0,8\] span 8/,
  });
});

test("decodeSafetensors() rejects overlapping offsets, naming both tensors", () => {
  const file = assemble(JSON.stringify({ a: f32([2], 0, 8), b: f32([2], 4, 12) }), [
    ...new Array(12).fill(0),
  ]);
  assert.throws(() => decodeSafetensors(file), {
    name: "RangeError",
    message: /tensor "b" at data_offsets \[4,12\] overlaps "a"/,
  });
});

test("decodeSafetensors() rejects gaps and trailing bytes in the buffer", () => {
  const gap = assemble(JSON.stringify({ a: f32([1], 0, 4), b: f32([1], 8, 12) }), [
    ...new Array(12).fill(0),
  ]);
  assert.throws(() => decodeSafetensors(gap), {
    name: "RangeError",
    message: /tensor "b" at data_offsets \[8,12\] leaves a gap of 4 bytes after "a"/,
  });
  const tail = assemble(JSON.stringify({ a: f32([1], 0, 4) }), [0, 0, 0, 0, 9]);
  assert.throws(() => decodeSafetensors(tail), {
    name: "RangeError",
    message: /cover 4 bytes but the buffer holds 5 \(trailing bytes\)/,
  });
});

test("decodeSafetensors() rejects metadata values that are not strings", () => {
  const file = assemble(JSON.stringify({ __metadata__: { epoch: 3 } }));
  assert.throws(() => decodeSafetensors(file), {
    name: "TypeError",
    message: /metadata value for "epoch" must be a string, got number/,
  });
});

test("decodeCheckpoint() rejects a skeleton that disagrees with the tensors", () => {
  const withTree = (skeleton: string, tensors: Record<string, unknown> = {}, data: number[] = []) =>
    assemble(JSON.stringify({ __metadata__: { "gradstream.tree": skeleton }, ...tensors }), data);
  const w = { w: f32([1], 0, 4) };
  assert.throws(() => decodeCheckpoint(withTree('{"version":1,"tree":{"tensor":"v"}}')), {
    name: "TypeError",
    message: /skeleton at <root> names tensor "v", which the file does not hold/,
  });
  assert.throws(() => decodeCheckpoint(withTree('{"version":1,"tree":null}', w, [0, 0, 0, 0])), {
    name: "TypeError",
    message: /tensor "w" is not placed by the tree skeleton/,
  });
  assert.throws(
    () =>
      decodeCheckpoint(
        withTree('{"version":1,"tree":[{"tensor":"w"},{"tensor":"w"}]}', w, [0, 0, 0, 0]),
      ),
    { name: "TypeError", message: /skeleton at 1 places tensor "w" a second time/ },
  );
  assert.throws(() => decodeCheckpoint(withTree("{not json")), {
    name: "TypeError",
    message: /"gradstream.tree" is not valid JSON/,
  });
  assert.throws(() => decodeCheckpoint(withTree('{"version":2,"tree":null}')), {
    name: "TypeError",
    message: /unsupported tree skeleton version 2/,
  });
  assert.throws(() => decodeCheckpoint(withTree('{"version":1,"tree":{"object":{"k":{"x":1}}}}')), {
    name: "TypeError",
    message: /skeleton at k is not a skeleton node/,
  });
  assert.throws(() => decodeCheckpoint(withTree('{"version":1,"tree":{"number":"1e999"}}')), {
    name: "TypeError",
    message: /unknown number "1e999"/,
  });
});

test("encodeCheckpoint() refuses values a checkpoint cannot hold, naming the path", () => {
  for (const bad of [undefined, new Map(), () => 1, 1n, new Float32Array(2)]) {
    assert.throws(() => encodeCheckpoint({ opt: [null, bad] } as never), {
      name: "TypeError",
      message: /encodeCheckpoint: cannot store .* at opt\.1/,
    });
  }
  assert.throws(() => encodeCheckpoint({}, { "gradstream.tree": "x" }), {
    name: "TypeError",
    message: /"gradstream.tree" is reserved/,
  });
});

test("encodeSafetensors() refuses clashing names, bare tensors and non-string metadata", () => {
  assert.throws(() => encodeSafetensors({ "a.b": tensor([1]), a: { b: tensor([2]) } }), {
    name: "TypeError",
    message: /two tensors are named "a.b"/,
  });
  assert.throws(() => encodeSafetensors(tensor([1])), {
    name: "TypeError",
    message: /a bare tensor has no name/,
  });
  assert.throws(() => encodeSafetensors({ a: tensor([1]) }, { epoch: 3 } as never), {
    name: "TypeError",
    message: /metadata\.epoch must be a string/,
  });
});

// ---------------------------------------------------------------------------------------------
// Files from elsewhere

test("loadCheckpoint() names the file in every decode error and for a missing file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-ckpt-"));
  const path = join(dir, "broken.safetensors");
  const bytes = good();
  await writeFile(path, bytes.subarray(0, bytes.length - 1));
  await assert.rejects(loadCheckpoint(path), {
    name: "RangeError",
    message: new RegExp(
      `^loadCheckpoint: ${path.replace(/[.\\]/g, "\\$&")}: tensor "b": data_offsets`,
    ),
  });
  await assert.rejects(loadCheckpoint(join(dir, "none.safetensors")), {
    message: `loadCheckpoint: ${join(dir, "none.safetensors")} does not exist`,
  });
  await rm(dir, { recursive: true });
});

test("tensors of other dtypes decode as stored bytes and encode back byte for byte", () => {
  const count = {
    dtype: "I64" as const,
    shape: [],
    bytes: new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]),
  };
  const half = { dtype: "F16" as const, shape: [2], bytes: new Uint8Array([0, 0x3c, 0, 0x40]) };
  const bytes = encodeNamedTensors([{ name: "w", tensor: tensor([1]) }, {
    name: "n",
    tensor: count,
  }, {
    name: "h",
    tensor: half,
  }]);
  const { tensors, others } = decodeSafetensors(bytes);
  assert.deepEqual(Object.keys(tensors), ["w"]);
  assert.deepEqual(others.n, { dtype: "I64", shape: [], bytes: count.bytes });
  assert.deepEqual(others.h, { dtype: "F16", shape: [2], bytes: half.bytes });
  // A flat file (as PyTorch writes) loads whole: F16 widened to float32, I64 to float64.
  const flat = decodeCheckpoint(bytes) as Record<string, Tensor>;
  assert.deepEqual([...flat.h.data], [1, 2]);
  assert.equal(flat.h.dtype, "float32");
  assert.deepEqual([...flat.n.data], [3]);
  assert.equal(flat.n.dtype, "float64");
});

test("an I64 value float64 cannot hold is a RangeError naming the tensor, not a rounded number", () => {
  const big = new Uint8Array(8);
  new DataView(big.buffer).setBigInt64(0, 2n ** 53n + 1n, true);
  const bytes = encodeNamedTensors([{
    name: "n",
    tensor: { dtype: "I64", shape: [1], bytes: big },
  }]);
  assert.throws(() => decodeCheckpoint(bytes), {
    name: "RangeError",
    message:
      /decodeCheckpoint: tensor "n" \(I64\) holds 9007199254740993 at index 0, which float64 cannot hold exactly/,
  });
  assert.equal(decodeSafetensors(bytes).others.n.dtype, "I64");
});

test("encodeCheckpoint() refuses strings and keys with a lone surrogate, which it could not read back", () => {
  assert.throws(() => encodeCheckpoint({ tag: "a\udc00" }), {
    name: "TypeError",
    message: /encodeCheckpoint: the string "a\\udc00" at tag holds a lone surrogate/,
  });
  assert.throws(() => encodeCheckpoint({ opt: { ["\ud800"]: null } }), {
    name: "TypeError",
    message: /encodeCheckpoint: the key "\\ud800" at opt holds a lone surrogate/,
  });
});

test("encodeSafetensors() refuses names with a lone surrogate, which no reader accepts", () => {
  assert.throws(() => encodeSafetensors({ ["a\ud800"]: tensor([1]) }), {
    name: "TypeError",
    message: /the tensor name "a\\ud800" holds a lone surrogate/,
  });
});

test(
  "under Deno without --allow-read or --allow-write, checkpoint files say which flag grants access",
  {
    skip: "Deno" in globalThis ? false : "a Deno permission (Bun and Node have no sandbox)",
    timeout: 60_000,
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "gradstream-ckpt-perm-"));
    const script = join(dir, "perm.ts");
    const checkpoint = new URL("../src/checkpoint.ts", import.meta.url).href;
    const target = join(dir, "model.safetensors");
    await writeFile(target, encodeCheckpoint({ step: 1 }));
    await writeFile(
      script,
      `import { loadCheckpoint, saveCheckpoint } from ${JSON.stringify(checkpoint)};\n` +
        `for (const f of [() => loadCheckpoint(${JSON.stringify(target)}), () => saveCheckpoint(${
          JSON.stringify(target)
        }, { step: 2 })]) {\n` +
        `  try { await f(); console.log("no error"); } catch (e) { console.log(e.message); }\n}\n`,
    );
    const r = spawnSync(process.execPath, [
      "run",
      "--frozen",
      "--cached-only",
      `--allow-read=${script}`,
      script,
    ], {
      encoding: "utf8",
      cwd: new URL("..", import.meta.url).pathname,
    });
    assert.equal(r.status, 0, r.stderr);
    const [load, save] = r.stdout.trim().split("\n");
    assert.equal(
      load,
      `loadCheckpoint: Deno denied read access to ${target}; run with --allow-read=${target} (or a folder above it)`,
    );
    assert.match(
      save,
      /^saveCheckpoint: Deno denied write access to \S+; run with --allow-write=\S+/,
    );
    await rm(dir, { recursive: true });
  },
);
