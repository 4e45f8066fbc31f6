/**
 * The reference side of `fuzz_files.ts`: the Python reference readers (`fuzz_reference.py`)
 * in a subprocess, and what an accepted file decoded to, in the form both sides compare.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { decodeSafetensors } from "../src/checkpoint.ts";
import { crc32 } from "../src/data/gunzip.ts";
import type { IdxArray } from "../src/data/idx.ts";
import type { FuzzCase } from "./fuzz_mutate.ts";

/** A reader's verdict on one case: accepted with what it decoded, or rejected with the error. */
export type Verdict = { ok: true; sig: unknown } | { ok: false; err: string };

/** The reference readers in a Python subprocess, one JSON line per case. */
export async function startReference() {
  const script = join(dirname(fileURLToPath(import.meta.url)), "fuzz_reference.py");
  const child = spawn("python3", [script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const queue: ((v: Verdict) => void)[] = [];
  lines.on("line", (line) => queue.shift()?.(JSON.parse(line)));
  const ready = await new Promise<boolean>((resolve) => {
    child.once("error", () => resolve(false));
    child.once("spawn", () => resolve(true));
  });
  if (!ready) return undefined;
  return {
    judge(cases: FuzzCase[]): Promise<Verdict[]> {
      const verdicts = cases.map(() => new Promise<Verdict>((resolve) => queue.push(resolve)));
      const text =
        cases.map((c) => `${c.kind} ${Buffer.from(c.bytes).toString("base64")}\n`).join("") + "\n";
      child.stdin!.write(text);
      return Promise.all(verdicts);
    },
    stop() {
      child.stdin!.end();
    },
  };
}

export async function pythonHasSafetensors(): Promise<boolean> {
  return await new Promise((resolve) => {
    const p = spawn("python3", ["-c", "import safetensors"], { stdio: "ignore" });
    p.once("error", () => resolve(false));
    p.once("exit", (code) => resolve(code === 0));
  });
}

/** What an accepted file decoded to, in the reference script's form. */
export function safetensorsSig(bytes: Uint8Array): unknown[] {
  const { tensors, others } = decodeSafetensors(bytes);
  const sig: unknown[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    sig.push([name, t.dtype === "float32" ? "F32" : "F64", t.shape.map(String), crc32(b)]);
  }
  for (const [name, t] of Object.entries(others)) {
    const shape = (t.exactShape ?? t.shape).map(String);
    sig.push([name, t.dtype, shape, crc32(t.bytes)]);
  }
  return sig;
}

export function idxSig(a: IdxArray): unknown[] {
  // The body as the file holds it: big-endian.
  const width = a.data.BYTES_PER_ELEMENT;
  const body = new Uint8Array(a.data.length * width);
  const v = new DataView(body.buffer);
  a.data.forEach((x, i) => {
    const at = i * width;
    if (a.type === "uint8" || a.type === "int8") body[at] = x & 0xff;
    else if (a.type === "int16") v.setInt16(at, x);
    else if (a.type === "int32") v.setInt32(at, x);
    else if (a.type === "float32") v.setFloat32(at, x);
    else v.setFloat64(at, x);
  });
  // A float32 NaN payload survives a float32 array; setFloat32 of a number may quiet it.
  if (a.type === "float32" || a.type === "float64") {
    const src = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    for (let i = 0; i < a.data.length; i++) {
      for (let k = 0; k < width; k++) body[i * width + k] = src[i * width + width - 1 - k];
    }
  }
  return [a.type, [...a.shape], crc32(body)];
}

/** A signature as one string; a file's tensors in a fixed order (the readers' orders differ). */
export const canon = (sig: unknown) =>
  JSON.stringify(
    Array.isArray(sig) && Array.isArray(sig[0])
      ? [...(sig as unknown[][])].map((x) => JSON.stringify(x)).sort()
      : sig,
  );
