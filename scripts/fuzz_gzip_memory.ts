/**
 * Peak memory of reading a gzip bomb: an IDX label file whose header promises 16 labels and
 * whose gzip stream expands to `--mib` MiB of zeros (256 by default, about 250 KiB on disk).
 * Each reader runs in a fresh process and reports the growth of its peak resident set
 * (`VmHWM` in /proc/self/status, so Linux only) across one read:
 *
 * - `readIdx`, which decompresses no more than the header promises;
 * - the runtime's `DecompressionStream` (what readIdx used before), for comparison.
 *
 * ```sh
 * deno run -A scripts/fuzz_gzip_memory.ts
 * bun scripts/fuzz_gzip_memory.ts
 * ```
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { constants, createGzip } from "node:zlib";
import { readIdx } from "../src/data/idx.ts";

const args = process.argv.slice(2);
const peakKiB = async () =>
  Number(/VmHWM:\s+(\d+)/.exec(await readFile("/proc/self/status", "utf8"))![1]);

async function measure(mode: string, path: string) {
  const before = await peakKiB();
  let verdict = "accepted";
  try {
    if (mode === "readIdx") await readIdx(path);
    else {
      const bytes = await readFile(path);
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      const out = new Uint8Array(await new Response(stream).arrayBuffer());
      verdict = `decompressed ${out.length} bytes`;
    }
  } catch (e) {
    verdict = `rejected: ${(e as Error).message.slice(0, 120)}`;
  }
  const after = await peakKiB();
  console.log(JSON.stringify({ mode, growthMiB: (after - before) / 1024, verdict }));
}

async function writeBomb(path: string, mib: number) {
  // Streamed through zlib, so writing the bomb never holds it expanded.
  const gz = createGzip({ level: 9, strategy: constants.Z_DEFAULT_STRATEGY });
  const chunks: Uint8Array[] = [];
  gz.on("data", (c: Uint8Array) => chunks.push(c));
  const done = new Promise((resolve) => gz.on("end", resolve));
  gz.write(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 16, ...new Array(16).fill(1)]));
  const zeros = new Uint8Array(1 << 20);
  for (let i = 0; i < mib; i++) gz.write(zeros);
  gz.end();
  await done;
  await writeFile(path, Buffer.concat(chunks));
}

if (args[0] === "--measure") {
  await measure(args[1], args[2]);
} else {
  const at = args.indexOf("--mib");
  const mib = at >= 0 ? Number(args[at + 1]) : 256;
  const dir = await mkdtemp(join(tmpdir(), "gradstream-bomb-"));
  const path = join(dir, "bomb-idx1-ubyte.gz");
  await writeBomb(path, mib);
  console.log(`bomb: ${(await stat(path)).size} bytes on disk, ${mib} MiB expanded`);
  const self = fileURLToPath(import.meta.url);
  const runtime = process.execPath;
  const isDeno = "Deno" in globalThis;
  for (const mode of ["readIdx", "DecompressionStream"]) {
    const r = spawnSync(
      runtime,
      [...(isDeno ? ["run", "-A"] : []), self, "--measure", mode, path],
      {
        encoding: "utf8",
      },
    );
    process.stdout.write(r.stdout + r.stderr);
  }
  await rm(dir, { recursive: true });
}
