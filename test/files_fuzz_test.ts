// Hostile files: the reference reader's verdicts on hand-written headers, and a seeded fuzz run
// (a few thousand mutated safetensors, checkpoint and IDX files) whose every rejection must be a
// typed, bounded error naming the function and the file. The long run against the reference
// readers themselves is scripts/fuzz_files.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeCheckpoint, decodeSafetensors, encodeCheckpoint } from "../src/checkpoint.ts";
import { decodeIdxFile } from "../src/data/idx.ts";
import { gunzip } from "../src/data/gunzip.ts";
import { InflateError, inflateRaw } from "../src/data/inflate.ts";
import { tensor } from "../src/tensor.ts";
import { fuzzCases } from "../scripts/fuzz_mutate.ts";

function file(header: string, data: number[] = []): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const F32 = '"dtype":"F32","shape":[1],"data_offsets":[0,4]';
const FOUR = [0, 0, 128, 63];

// Verdicts of the Rust reader (`safetensors.deserialize`, safetensors 0.8.0 from pip, run on
// 2026-12-01) on these exact files: true accepted, false rejected.
const REFERENCE: [string, string, number[], boolean][] = [
  ["whitespace before the header", ` {"a":{${F32}}}`, FOUR, true],
  ["__metadata__ null", `{"__metadata__":null,"a":{${F32}}}`, FOUR, true],
  ["a repeated __metadata__", `{"__metadata__":{},"__metadata__":{},"a":{${F32}}}`, FOUR, false],
  [
    "a repeated tensor name (the last wins)",
    `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{${F32}}}`,
    FOUR,
    true,
  ],
  ["a repeated field", `{"a":{"dtype":"F32",${F32}}}`, FOUR, false],
  ["an entry as an array", '{"a":["F32",[1],[0,4]]}', FOUR, true],
  ["an entry as an array of 4", '{"a":["F32",[1],[0,4],1]}', FOUR, false],
  [
    "a dtype as a one-key map",
    '{"a":{"dtype":{"F32":null},"shape":[1],"data_offsets":[0,4]}}',
    FOUR,
    true,
  ],
  [
    "a dtype map with a value",
    '{"a":{"dtype":{"F32":[]},"shape":[1],"data_offsets":[0,4]}}',
    FOUR,
    false,
  ],
  ["a dtype as an integer", '{"a":{"dtype":15,"shape":[1],"data_offsets":[0,4]}}', FOUR, false],
  ["a dtype in lower case", '{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}', FOUR, false],
  [
    "a float dimension 1.0",
    '{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}',
    FOUR,
    false,
  ],
  ["an offset -0", '{"a":{"dtype":"F32","shape":[1],"data_offsets":[-0,4]}}', FOUR, false],
  ["a leading zero", '{"a":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}}', FOUR, false],
  ["an ignored field 1e400", `{"a":{${F32},"x":[1e400]}}`, FOUR, false],
  ["an ignored field 1e308", `{"a":{${F32},"x":1e308}}`, FOUR, true],
  ["the largest float, written shortest", `{"a":{${F32},"x":1.7976931348623157e308}}`, FOUR, true],
  // Number() rounds this to the largest float; serde_json's multiplication overflows.
  ["a hair above the largest float", `{"a":{${F32},"x":1.7976931348623158e308}}`, FOUR, false],
  ["zero with a huge exponent", `{"a":{${F32},"x":0e99999999999}}`, FOUR, true],
  ["one with a huge exponent", `{"a":{${F32},"x":1e99999999999}}`, FOUR, false],
  ["an ignored field of 400 digits", `{"a":{${F32},"x":${"9".repeat(400)}}}`, FOUR, false],
  ["an ignored field 1.", `{"a":{${F32},"x":1.}}`, FOUR, false],
  ["a lone leading surrogate", `{"a\\ud800":{${F32}}}`, FOUR, false],
  ["a lone trailing surrogate", `{"a\\udc00":{${F32}}}`, FOUR, false],
  ["a tab inside a name", `{"a\t":{${F32}}}`, FOUR, false],
  ["DEL inside a name", `{"a\x7f":{${F32}}}`, FOUR, true],
  ["__metadata__ spelled with an escape", `{"\\u005f_metadata__":{},"a":{${F32}}}`, FOUR, true],
  [
    "0 times 2^64 - 1",
    '{"a":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}}',
    [],
    true,
  ],
  [
    "a dimension of 2^64",
    '{"a":{"dtype":"F32","shape":[0,18446744073709551616],"data_offsets":[0,0]}}',
    [],
    false,
  ],
  [
    "an overflow before a 0",
    '{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}',
    [],
    false,
  ],
  [
    "2^62 times 0",
    '{"a":{"dtype":"F32","shape":[4611686018427387904,0],"data_offsets":[0,0]}}',
    [],
    true,
  ],
  [
    "2^62 F32 elements",
    '{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}',
    [],
    false,
  ],
  ["trailing characters", `{"a":{${F32}}} x`, FOUR, false],
  ["trailing whitespace", `{"a":{${F32}}} \t\n\r`, FOUR, true],
  ["a trailing NUL", `{"a":{${F32}}}\x00`, FOUR, false],
  ["metadata of an integer", `{"__metadata__":{"k":1},"a":{${F32}}}`, FOUR, false],
  ["a repeated metadata key", `{"__metadata__":{"k":"1","k":"2"},"a":{${F32}}}`, FOUR, true],
  ["metadata as an array", `{"__metadata__":[],"a":{${F32}}}`, FOUR, false],
  ["half a byte of F4", '{"a":{"dtype":"F4","shape":[1],"data_offsets":[0,0]}}', [], false],
  ["F8_E4M3FNUZ", '{"a":{"dtype":"F8_E4M3FNUZ","shape":[1],"data_offsets":[0,1]}}', [0], true],
  ["C64", '{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}', [0, 0, 0, 0, 0, 0, 0, 0], true],
  ["no tensors", "{}", [], true],
  ["three offsets", '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,5]}}', FOUR, false],
  ["a null entry", '{"a":null}', [], false],
  ["a byte-order mark", `\ufeff{"a":{${F32}}}`, FOUR, false],
  [
    "offsets as a map",
    '{"a":{"dtype":"F32","shape":[1],"data_offsets":{"0":0,"1":4}}}',
    FOUR,
    false,
  ],
  [
    "125 nested arrays in an ignored field",
    `{"a":{${F32},"x":${"[".repeat(125)}${"]".repeat(125)}}}`,
    FOUR,
    true,
  ],
  [
    "126 nested arrays in an ignored field",
    `{"a":{${F32},"x":${"[".repeat(126)}${"]".repeat(126)}}}`,
    FOUR,
    false,
  ],
];

test("decodeSafetensors() gives the Rust reader's verdict on each hand-written header", () => {
  for (const [what, header, data, accepted] of REFERENCE) {
    let ok = true;
    try {
      decodeSafetensors(file(header, data));
    } catch (e) {
      ok = false;
      assert.ok(e instanceof TypeError || e instanceof RangeError, `${what}: ${e}`);
    }
    assert.equal(
      ok,
      accepted,
      `${what}: ${ok ? "accepted" : "rejected"}, the reference reader ${
        accepted ? "accepts" : "rejects"
      }`,
    );
  }
});

test("dtypes named after Object.prototype's members are unknown dtypes, not lookups", () => {
  for (const dtype of ["toString", "constructor", "__proto__", "valueOf", "hasOwnProperty"]) {
    assert.throws(
      () =>
        decodeSafetensors(
          file(`{"a":{"dtype":"${dtype}","shape":[1],"data_offsets":[0,4]}}`, FOUR),
        ),
      {
        name: "TypeError",
        message: new RegExp(`decodeSafetensors: tensor "a": unknown dtype "${dtype}"`),
      },
    );
  }
  const proto = decodeSafetensors(
    file(`{"__proto__":{${F32}},"__metadata__":{"__proto__":"x"}}`, FOUR),
  );
  assert.ok(Object.hasOwn(proto.tensors, "__proto__"));
  assert.equal(proto.metadata.__proto__, "x");
  assert.equal(Object.getPrototypeOf(proto.tensors), Object.prototype);
});

test("deep nesting is refused with a bounded TypeError, never a stack overflow", () => {
  for (const depth of [128, 10_000, 200_000]) {
    const deep = "[".repeat(depth) + "]".repeat(depth);
    assert.throws(() => decodeSafetensors(file(`{"a":{${F32},"x":${deep}}}`, FOUR)), (e: Error) => {
      assert.equal(e.name, "TypeError");
      assert.match(
        e.message,
        /^decodeSafetensors: the header is not valid JSON \(recursion limit exceeded/,
      );
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      return true;
    });
    const skeleton = `{"version":1,"tree":${deep}}`;
    const meta = JSON.stringify({ __metadata__: { "gradstream.tree": skeleton } });
    assert.throws(() => decodeCheckpoint(file(meta)), (e: Error) => {
      assert.equal(e.name, "TypeError");
      assert.match(e.message, /^decodeCheckpoint: .*at most 100 levels/);
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      return true;
    });
  }
});

test("errors quote at most a few dozen characters of a huge name or value", () => {
  const name = "n".repeat(1 << 20);
  assert.throws(
    () =>
      decodeSafetensors(file(`{"${name}":{"dtype":"F16","shape":[1],"data_offsets":[0,4]}}`, FOUR)),
    (e: Error) => {
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      return true;
    },
  );
  const shape = new Array(100_000).fill(1).join(",");
  assert.throws(
    () =>
      decodeSafetensors(
        file(`{"a":{"dtype":"F32","shape":[${shape}],"data_offsets":[0,8]}}`, FOUR),
      ),
    (e: Error) => {
      assert.ok(e.message.length < 300, `${e.message.length} characters`);
      return true;
    },
  );
  const value = `[${new Array(100_000).fill('"x"').join(",")}]`;
  assert.throws(() => decodeSafetensors(file(`{"__metadata__":{"k":${value}}}`)), (e: Error) => {
    assert.ok(e.message.length < 300, `${e.message.length} characters`);
    return true;
  });
});

test(
  "3,000 seeded mutated files: every rejection is a bounded TypeError or RangeError naming the function and file",
  { timeout: 120_000 },
  () => {
    const counts = { accepted: 0, rejected: 0 };
    for (const c of fuzzCases(2026, 3000)) {
      if (c.kind === "deflate") {
        try {
          inflateRaw(c.bytes);
          counts.accepted++;
        } catch (e) {
          counts.rejected++;
          assert.ok(e instanceof InflateError, `case ${c.index}: ${e}`);
        }
        continue;
      }
      const attempts: [string, () => unknown][] = c.kind === "gzip"
        ? [["gunzip", () => gunzip(c.bytes)]]
        : c.kind === "idx"
        ? [["readIdx", () => decodeIdxFile(c.bytes, "readIdx", "case.idx")]]
        : [["decodeSafetensors", () => decodeSafetensors(c.bytes)], [
          "decodeCheckpoint",
          () => decodeCheckpoint(c.bytes),
        ]];
      for (const [prefix, read] of attempts) {
        try {
          read();
          counts.accepted++;
        } catch (e) {
          counts.rejected++;
          const where: string = `case ${c.index} (${c.kind}, ${c.how})`;
          assert.ok(e instanceof TypeError || e instanceof RangeError, `${where}: ${e}`);
          assert.ok(e.message.startsWith(`${prefix}: `), `${where}: ${e.message.slice(0, 200)}`);
          assert.ok(
            e.message.length <= 1000,
            `${where}: a message of ${e.message.length} characters`,
          );
        }
      }
    }
    // The mutations keep some files valid and break most: both verdicts must occur.
    assert.ok(counts.accepted > 300 && counts.rejected > 2000, JSON.stringify(counts));
  },
);

test("a fuzz case depends only on the seed and its index, so any one replays alone", {
  timeout: 60_000,
}, () => {
  const run = [...fuzzCases(5, 3, 100)].map((c) => [...c.bytes].join());
  const alone = [...fuzzCases(5, 1, 101)].map((c) => [...c.bytes].join());
  assert.equal(run[1], alone[0]);
  assert.notEqual(run[0], run[1]);
});

test("a valid checkpoint nested 100 levels deep round-trips; 101 levels are refused when written", () => {
  let tree: unknown = tensor([1]);
  for (let i = 0; i < 99; i++) tree = [tree];
  const back = decodeCheckpoint(encodeCheckpoint({ t: tree } as never));
  let node = (back as { t: unknown }).t;
  for (let i = 0; i < 99; i++) node = (node as unknown[])[0];
  assert.equal((node as { data: Float32Array }).data[0], 1);
  assert.throws(() => encodeCheckpoint({ t: [tree] } as never), {
    name: "RangeError",
    message: /encodeCheckpoint: the tree nests deeper than 100 levels/,
  });
});
