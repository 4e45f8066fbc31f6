/**
 * The long differential fuzz run of the file readers: mutated safetensors files, gradstream
 * checkpoints, IDX files and bare gzip files (from `fuzz_mutate.ts`), each read here through
 * the API (`decodeSafetensors`, `loadCheckpoint`, `readIdx` on a real file, `gunzip`) and, when Python has the
 * `safetensors` package, by the reference readers (`fuzz_reference.py`: the Rust safetensors
 * reader, Python's gzip and an IDX reader). It checks that
 *
 * - every verdict equals the reference reader's, and accepted files decode to the same tensors
 *   (names, dtypes, shapes and the CRC-32 of the bytes);
 * - every rejection is a `TypeError` or `RangeError` whose message starts with the function
 *   called and names the file, stays under 1,000 characters and is no stack overflow;
 * - a checkpoint `loadCheckpoint` accepts is a safetensors file the reference accepts;
 * - a raw DEFLATE stream `inflateRaw` decodes gives zlib's output and ends where zlib's does
 *   (and a bare gzip file gives `gzip.decompress`'s output), so no CRC hides a decoder's slip;
 *
 * and prints the counts, the longest message and the peak resident memory. Mismatching cases
 * are written to `--failures DIR` for replay (`fuzzCases(seed, 1, index)` rebuilds one).
 *
 * ```sh
 * deno run -A scripts/fuzz_files.ts --count 100000 --seed 1
 * bun scripts/fuzz_files.ts --count 30000 --seed 2
 * ```
 *
 * The reference subprocess and the decoded files' signatures are in `fuzz_reference_client.ts`.
 *
 * @module
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { loadCheckpoint } from "../src/checkpoint.ts";
import { crc32, gunzip } from "../src/data/gunzip.ts";
import { InflateError, inflateRaw } from "../src/data/inflate.ts";
import { readIdx } from "../src/data/idx.ts";
import { type FuzzCase, fuzzCases } from "./fuzz_mutate.ts";
import {
  canon,
  idxSig,
  pythonHasSafetensors,
  safetensorsSig,
  startReference,
} from "./fuzz_reference_client.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const COUNT = Number(option("count", "100000"));
const SEED = Number(option("seed", "1"));
const BATCH = 500;
const FAILURES = option("failures", "");
const USE_PYTHON = !args.includes("--no-python");
const MAX_MESSAGE = 1000;

interface Tally {
  cases: number;
  accepted: number;
  rejected: number;
  mismatches: number;
  badErrors: number;
}

async function main() {
  const python = USE_PYTHON && (await pythonHasSafetensors()) ? await startReference() : undefined;
  if (USE_PYTHON && python === undefined) {
    console.log(
      "python3 with the safetensors package not found: checking errors only, no verdicts",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "gradstream-fuzz-"));
  if (FAILURES) await mkdir(FAILURES, { recursive: true });
  const tally: Record<string, Tally> = {};
  const examples: string[] = [];
  let longest = 0, peakRss = process.memoryUsage().rss;
  const start = performance.now();
  const note = (c: FuzzCase & { index: number }, why: string) => {
    if (examples.length < 30) {
      examples.push(`#${c.index} ${c.kind} (${c.how}): ${why.slice(0, 300)}`);
    }
    if (FAILURES) return writeFile(join(FAILURES, `${c.index}.${c.kind}`), c.bytes);
  };
  const checkError = (e: unknown, op: string, path?: string): string | undefined => {
    const err = e as Error;
    const message = String(err?.message);
    longest = Math.max(longest, message.length);
    if (!(e instanceof TypeError || e instanceof RangeError)) {
      return `untyped ${err?.name}: ${message}`;
    }
    if (/call stack|too much recursion/i.test(message)) return `stack overflow: ${message}`;
    if (!message.startsWith(`${op}: `)) return `message does not start with ${op}: ${message}`;
    if (path !== undefined && !message.includes(path)) {
      return `message does not name the file: ${message}`;
    }
    if (message.length > MAX_MESSAGE) return `message of ${message.length} characters`;
    return undefined;
  };
  const all = fuzzCases(SEED, COUNT);
  for (let done = 0; done < COUNT; done += BATCH) {
    const batch: (FuzzCase & { index: number })[] = [];
    for (let k = 0; k < BATCH && done + k < COUNT; k++) batch.push(all.next().value!);
    const verdicts = python ? await python.judge(batch) : undefined;
    for (let k = 0; k < batch.length; k++) {
      const c = batch[k];
      const t =
        (tally[c.kind] ??= { cases: 0, accepted: 0, rejected: 0, mismatches: 0, badErrors: 0 });
      t.cases++;
      let sig: unknown;
      let accepted = true;
      try {
        if (c.kind === "deflate") {
          try {
            const { output, consumed } = inflateRaw(c.bytes);
            sig = [output.length, crc32(output), c.bytes.length - consumed];
          } catch (e) {
            accepted = false;
            if (!(e instanceof InflateError)) {
              t.badErrors++;
              await note(c, `not an InflateError: ${e}`);
            }
          }
        } else if (c.kind === "gzip") {
          try {
            const out = gunzip(c.bytes, { prefix: "gunzip" });
            sig = [out.length, crc32(out)];
          } catch (e) {
            accepted = false;
            const bad = checkError(e, "gunzip");
            if (bad) {
              t.badErrors++;
              await note(c, bad);
            }
          }
        } else if (c.kind === "idx") {
          const path = join(dir, c.bytes[0] === 0x1f ? "case-idx.gz" : "case-idx");
          await writeFile(path, c.bytes);
          try {
            sig = idxSig(await readIdx(path));
          } catch (e) {
            accepted = false;
            const bad = checkError(e, "readIdx", path);
            if (bad) {
              t.badErrors++;
              await note(c, bad);
            }
          }
        } else {
          try {
            sig = safetensorsSig(c.bytes);
          } catch (e) {
            accepted = false;
            const bad = checkError(e, "decodeSafetensors");
            if (bad) {
              t.badErrors++;
              await note(c, bad);
            }
          }
          if (c.kind === "checkpoint") {
            const path = join(dir, "case.safetensors");
            await writeFile(path, c.bytes);
            try {
              await loadCheckpoint(path);
              if (!accepted) {
                t.badErrors++;
                await note(c, "loadCheckpoint accepted a file decodeSafetensors rejects");
              }
            } catch (e) {
              const bad = checkError(e, "loadCheckpoint", path);
              if (bad) {
                t.badErrors++;
                await note(c, bad);
              }
            }
          }
        }
      } catch (e) {
        t.badErrors++;
        await note(c, `harness: ${(e as Error).message}`);
      }
      if (accepted) t.accepted++;
      else t.rejected++;
      const ref = verdicts?.[k];
      if (ref !== undefined) {
        if (ref.ok !== accepted) {
          t.mismatches++;
          await note(
            c,
            `verdict: here ${accepted ? "accepted" : "rejected"}, reference ${
              ref.ok ? "accepted" : `rejected (${ref.err})`
            }`,
          );
        } else if (ref.ok && accepted && canon(ref.sig) !== canon(sig)) {
          t.mismatches++;
          await note(
            c,
            `content: here ${canon(sig).slice(0, 120)}, reference ${canon(ref.sig).slice(0, 120)}`,
          );
        }
      }
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  python?.stop();
  await rm(dir, { recursive: true, force: true });
  const runtime = "Deno" in globalThis
    ? `Deno ${(globalThis as { Deno?: { version: { deno: string } } }).Deno!.version.deno}`
    : "Bun" in globalThis
    ? `Bun ${(globalThis as { Bun?: { version: string } }).Bun!.version}`
    : `Node ${process.version}`;
  console.log(
    `fuzz_files: ${COUNT} cases, seed ${SEED}, ${runtime}, reference ${python ? "on" : "off"}, ${
      ((performance.now() - start) / 1000).toFixed(1)
    } s`,
  );
  console.log("kind         cases  accepted  rejected  verdict/content mismatches  bad errors");
  for (const [kind, t] of Object.entries(tally)) {
    console.log(
      `${kind.padEnd(11)} ${String(t.cases).padStart(6)} ${String(t.accepted).padStart(9)} ${
        String(t.rejected).padStart(9)
      } ${String(t.mismatches).padStart(27)} ${String(t.badErrors).padStart(11)}`,
    );
  }
  console.log(
    `longest error message: ${longest} characters; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
  );
  for (const e of examples) console.log(e);
  const failed = Object.values(tally).some((t) => t.mismatches > 0 || t.badErrors > 0);
  process.exitCode = failed ? 1 : 0;
}

await main();
