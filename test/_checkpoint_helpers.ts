/** Shared helpers and arbitraries for the checkpoint tests (not a test file itself). */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type CheckpointTree, encodeSafetensors } from "../src/checkpoint.ts";
import {
  type DType,
  fromTypedArray,
  isTensor,
  sizeOf,
  type Tensor,
  tensor,
} from "../src/tensor.ts";
import { shapeArb } from "../src/testing/mod.ts";

/** The bytes behind a tensor, for bitwise comparison (NaN payloads and -0 included). */
export function bytesOf(t: Tensor): number[] {
  return Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** Asserts that two checkpoint trees are identical: same structure, bitwise-equal tensors. */
export function assertSameTree(actual: unknown, expected: unknown, path = "<root>"): void {
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
export function assemble(header: string, data: number[] = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

export const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: "F32",
  shape,
  data_offsets: [begin, end],
});

/** Tensors with random bit patterns: NaNs with payloads, infinities, -0, subnormals. */
export const tensorBitsArb: fc.Arbitrary<Tensor> = fc.tuple(
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

export const keyArb = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom("a.b", "__proto__", "0"),
);

export const { tree: treeArb } = fc.letrec<{ tree: CheckpointTree }>((tie) => ({
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
export const recordArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 5 }).filter((s) => !s.includes(".")),
  tensorBitsArb,
  { maxKeys: 4, noNullPrototype: true },
);

export const good = () => encodeSafetensors({ a: tensor([1, 2]), b: tensor([3]) });
