/**
 * The old floor against the new one, side by side in one run: the MLP 784-256-128-10 (ReLU,
 * softmax cross-entropy, batch 128, Adam lr 1e-3, float32) trained step by step on each
 * backend by the old commit's code and by this checkout's, as issue 9 asks ("at least as fast
 * as before, with the allocation per step no higher").
 *
 * ```sh
 * deno run -A bench/floor_compare.ts
 * deno run -A bench/floor_compare.ts --backends wasm,blas --rounds 5 --steps 500
 * ```
 *
 * How it runs:
 * - The old commit (`--commit`, default 5594a93, the last commit before the rewrite) is
 *   materialised with `git archive | tar -x` into a temporary directory whose `node_modules`
 *   is a link to this checkout's, so nothing is fetched; `_floor_harness.ts` and the old
 *   side's worker `_floor_step_old.ts` are copied into its `bench/`. The new side's worker,
 *   `_floor_step_new.ts`, runs in this checkout.
 * - Every measurement is its own subprocess, `deno run --frozen --cached-only` with the least
 *   flags (`--v8-flags=--expose-gc` for the allocation probe; `--allow-ffi` and the thread
 *   variables for blas), pinned with `taskset -c 1` where taskset exists (`--cpus LIST` to
 *   change, `--cpus none` to not pin), with `OPENBLAS_NUM_THREADS=1`.
 * - Rounds interleave (round 1 of every cell, then round 2, ...), the old and the new side's
 *   order swapped every round; each cell shows its median round and the range over the rounds.
 * - Allocation per step: the growth of `heapUsed + external` (`process.memoryUsage()`) across
 *   one step started right after full collections, the median of 9 such steps (see
 *   `_floor_harness.ts`): `external` is typed arrays' memory, `heap` the JavaScript objects.
 * - Primitive calls per step (new floor): the trace's recorded calls, `Trace.size`.
 *
 * Options: `--commit REV`, `--backends LIST` (default `ts,wasm-plain,wasm-relaxed,blas`; `wasm`
 * is each floor's default module, relaxed-SIMD FMA in the old and plain SIMD in the new, so
 * the flavours are compared by name), `--rounds N` (default 3), `--steps N`
 * timed steps (default 300) after `--warmup N` (default 100); the slow ts backend runs
 * `--slow-steps N` (default 60) after `--slow-warmup N` (default 30); `--runtimes deno,bun`
 * (default deno); `--cpus LIST|none`; `--keep` keeps the old checkout and prints its path.
 *
 * @module
 */

import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Args } from "./_compare_child.ts";
import { fmtInt as fmt, printColumns } from "./_compare_table.ts";
import { MARK } from "./_floor_harness.ts";
import { ROOT } from "./_rounds.ts";

/** `wasm` is each floor's default module: relaxed-SIMD FMA in the old, plain SIMD in the new. */
const BACKENDS = ["ts", "wasm", "wasm-plain", "wasm-relaxed", "blas"] as const;
const DEFAULT_BACKENDS = ["ts", "wasm-plain", "wasm-relaxed", "blas"] as const;
const RUNTIMES = ["deno", "bun"] as const;
type Side = "old" | "new";

interface Result {
  side: Side;
  backend: string;
  runtime: string;
  detail: string;
  samplesPerSecond: number;
  medianStepMs: number;
  heapBytesPerStep: number;
  externalBytesPerStep: number;
  allocRange: [number, number];
  primitiveCalls?: number;
  firstLoss: number;
  lastLoss: number;
  steps: number;
  error?: string;
}

/** First line of a command's output, or `undefined` if it cannot run. */
function firstLine(cmd: string, argv: readonly string[]): string | undefined {
  const out = spawnSync(cmd, argv, { encoding: "utf8" });
  return out.status === 0 ? (out.stdout ?? "").trim().split("\n")[0] : undefined;
}

/** `git archive REV | tar -x` into a fresh directory, with this checkout's node_modules. */
function materialise(commit: string): { dir: string; hash: string } {
  const hash = execFileSync("git", ["rev-parse", "--short", `${commit}^{commit}`], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), `gradstream-floor-${hash}-`));
  const archive = spawnSync("git", ["archive", hash], { cwd: ROOT, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`floor_compare: git archive ${hash} failed`);
  const tar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  if (tar.status !== 0) throw new Error(`floor_compare: tar -x into ${dir} failed`);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  for (const f of ["_floor_harness.ts", "_floor_step_old.ts"]) {
    copyFileSync(join(ROOT, "bench", f), join(dir, "bench", f));
  }
  return { dir, hash };
}

interface Plan {
  readonly oldDir: string;
  readonly cpus: string | undefined;
  readonly runtime: typeof RUNTIMES[number];
}

function runWorker(plan: Plan, side: Side, backend: string, warmup: number, steps: number): Result {
  const cwd = side === "old" ? plan.oldDir : ROOT;
  const script = `bench/_floor_step_${side}.ts`;
  const more = ["--backend", backend, "--warmup", String(warmup), "--steps", String(steps)];
  const blas = backend === "blas"
    ? [
      "--allow-ffi",
      "--allow-env=GRADSTREAM_BLAS_LIB,OPENBLAS_NUM_THREADS,GOTO_NUM_THREADS,OMP_NUM_THREADS",
    ]
    : [];
  const run = plan.runtime === "deno"
    ? ["deno", "run", "--frozen", "--cached-only", ...blas, "--v8-flags=--expose-gc", script]
    : ["bun", script];
  const [cmd, ...argv] = plan.cpus === undefined
    ? [...run, ...more]
    : ["taskset", "-c", plan.cpus, ...run, ...more];
  const out = spawnSync(cmd, argv, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", NO_COLOR: "1" },
    maxBuffer: 1 << 24,
    timeout: 600_000,
  });
  const line = (out.stdout ?? "").split("\n").find((l) => l.startsWith(MARK));
  if (line !== undefined) {
    return { ...JSON.parse(line.slice(MARK.length)), runtime: plan.runtime } as Result;
  }
  // The error's own line (a stack's frames say less), else the last lines.
  const lines = `${out.stderr ?? ""}${out.error?.message ?? ""}`.trim().split("\n");
  const why = lines.find((l) => /error/i.test(l)) ?? lines.slice(-2).join(" | ");
  return { side, backend, runtime: plan.runtime, error: `exit ${out.status}: ${why}` } as Result;
}

const median = <T>(rows: readonly T[], by: (r: T) => number): T =>
  [...rows].sort((a, b) => by(a) - by(b))[rows.length >> 1];

const kib = (v: number) => `${(v / 1024).toFixed(0)} KiB`;

function printTable(cells: Map<string, Result[]>): void {
  const head = [
    "runtime",
    "backend",
    "floor",
    "samples/s",
    "(rounds min-max)",
    "median step ms",
    "heap/step",
    "external/step",
    "total/step",
    "prim calls",
    "new/old",
    "loss first -> last",
  ];
  const rows: string[][] = [];
  const medians = new Map<string, Result>();
  for (const [cell, runs] of cells) {
    const failed = runs.find((r) => r.error !== undefined);
    const [runtime, backend, side] = cell.split("|");
    if (failed !== undefined) {
      rows.push([runtime, backend, side, `unavailable: ${failed.error}`]);
      continue;
    }
    const m = median(runs, (r) => r.samplesPerSecond);
    medians.set(cell, m);
    const lo = Math.min(...runs.map((r) => r.samplesPerSecond));
    const hi = Math.max(...runs.map((r) => r.samplesPerSecond));
    const heap = median(runs, (r) => r.heapBytesPerStep).heapBytesPerStep;
    const ext = median(runs, (r) => r.externalBytesPerStep).externalBytesPerStep;
    const old = medians.get(`${runtime}|${backend}|old`);
    rows.push([
      runtime,
      backend,
      side,
      fmt(m.samplesPerSecond),
      `${fmt(lo)}-${fmt(hi)}`,
      m.medianStepMs.toFixed(2),
      kib(heap),
      kib(ext),
      kib(heap + ext),
      m.primitiveCalls === undefined ? "-" : String(m.primitiveCalls),
      side === "new" && old !== undefined
        ? `${(m.samplesPerSecond / old.samplesPerSecond).toFixed(2)}x`
        : "",
      `${m.firstLoss.toFixed(3)} -> ${m.lastLoss.toFixed(3)}`,
    ]);
  }
  printColumns(head, rows, new Set([3, 4, 5, 6, 7, 8, 9, 10]));
  console.log();
  for (const [cell, m] of medians) console.log(`${cell.replaceAll("|", " ")}: ${m.detail}`);
}

function main(): void {
  const args = new Args("floor_compare", process.argv.slice(2));
  const commit = args.get("commit") ?? "5594a93";
  const backends = args.list("backends", BACKENDS, DEFAULT_BACKENDS);
  const runtimes = args.list("runtimes", RUNTIMES, ["deno"]);
  const rounds = args.int("rounds", 3);
  const steps = args.int("steps", 300), warmup = args.int("warmup", 100);
  const slowSteps = args.int("slow-steps", 60), slowWarmup = args.int("slow-warmup", 30);
  let cpus = args.get("cpus") ?? "1";
  if (cpus === "none") cpus = "";
  else if (spawnSync("taskset", ["-c", cpus, "true"]).status !== 0) {
    console.error(`floor_compare: taskset -c ${cpus} unavailable; not pinning`);
    cpus = "";
  }

  const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .trim();
  const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim() !== "";
  const { dir, hash } = materialise(commit);
  const lscpu = spawnSync("lscpu", { encoding: "utf8" }).stdout ?? "";
  const model = /^Model name:\s*(.*)$/m.exec(lscpu)?.[1];
  console.log(
    "MLP 784-256-128-10 (ReLU, softmax cross-entropy), batch 128, Adam lr 1e-3, float32; " +
      "a plain step loop (no RxJS), synthetic batches",
  );
  console.log(
    `old floor: ${hash} (git archive into a temporary directory); new floor: ${head}${
      dirty ? " + uncommitted" : ""
    }`,
  );
  console.log(
    `date: ${new Date().toISOString()}; cpu: ${model ?? "unknown"} ` +
      `(${navigator.hardwareConcurrency} logical)`,
  );
  for (const rt of runtimes) console.log(`${rt}: ${firstLine(rt, ["--version"]) ?? "missing"}`);
  if (runtimes.includes("deno")) {
    const v = spawnSync("deno", ["--version"], { encoding: "utf8" }).stdout.trim().split("\n");
    console.log(`  ${v.slice(1).join("; ")}`);
  }
  console.log(
    `timing: ${steps} steps after ${warmup} (ts: ${slowSteps} after ${slowWarmup}), ${rounds} ` +
      `interleaved rounds, median shown; ${cpus === "" ? "not pinned" : `taskset -c ${cpus}`}; ` +
      "OPENBLAS_NUM_THREADS=1; allocation = heapUsed + external growth over one step after gc, " +
      "median of 9 steps",
  );
  console.log();

  const cells = new Map<string, Result[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      const order: Side[] = round % 2 === 1 ? ["old", "new"] : ["new", "old"];
      for (const runtime of runtimes) {
        const plan: Plan = { oldDir: dir, cpus: cpus === "" ? undefined : cpus, runtime };
        for (const backend of backends) {
          for (const side of order) {
            const [w, n] = backend === "ts" ? [slowWarmup, slowSteps] : [warmup, steps];
            const t0 = performance.now();
            const r = runWorker(plan, side, backend, w, n);
            console.error(
              `  round ${round}/${rounds} ${runtime} ${backend} ${side}: ${
                r.error ??
                  `${fmt(r.samplesPerSecond)} samples/s, ${
                    kib(r.heapBytesPerStep + r.externalBytesPerStep)
                  }/step`
              } (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
            );
            const cell = `${runtime}|${backend}|${side}`;
            cells.set(cell, [...(cells.get(cell) ?? []), r]);
          }
        }
      }
    }
  } finally {
    if (args.has("keep")) console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  // Table order: per runtime and backend, old then new.
  const ordered = new Map<string, Result[]>();
  for (const runtime of runtimes) {
    for (const backend of backends) {
      for (const side of ["old", "new"] as const) {
        const cell = `${runtime}|${backend}|${side}`;
        ordered.set(cell, cells.get(cell)!);
      }
    }
  }
  console.log();
  printTable(ordered);
}

main();
