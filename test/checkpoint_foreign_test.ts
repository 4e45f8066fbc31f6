import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  encodeSafetensors,
  loadCheckpoint,
} from "../src/checkpoint.ts";
import { encodeNamedTensors } from "../src/checkpoint/safetensors.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { good } from "./_checkpoint_helpers.ts";

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
