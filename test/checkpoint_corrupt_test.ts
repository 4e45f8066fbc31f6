import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  encodeSafetensors,
} from "../src/checkpoint.ts";
import { tensor } from "../src/tensor.ts";
import { assemble, f32, good } from "./_checkpoint_helpers.ts";

// ---------------------------------------------------------------------------------------------
// Corrupted files

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
