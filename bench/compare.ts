/**
 * gradstream against TensorFlow.js, PyTorch and JAX, side by side: the MLP 784-256-128-10
 * (ReLU, softmax cross-entropy, batch 128, Adam lr 1e-3, float32) trained for the same number
 * of steps with each gradstream backend (blas, wasm, ts), with TensorFlow.js 4.22 (cpu and wasm
 * backends), and, where `python3` has them, with PyTorch eager and JAX jit on one thread
 * (`bench/_python_mlp.py`; `pip install torch jax`; a missing one is reported as unavailable).
 *
 * ```sh
 * deno run -A bench/compare.ts            # or: bun bench/compare.ts
 * deno run -A bench/compare.ts --steps 400 --only gradstream-blas,tfjs-wasm --runtimes deno,bun
 * ```
 *
 * Each configuration runs in its own subprocess (this script, started again with `--child`, or
 * `python3 bench/_python_mlp.py --child` for PyTorch and JAX),
 * so backends never share a process and each peak RSS is that configuration's alone. The
 * driver loads the data once (real MNIST when `src/data` can load it, otherwise synthetic data
 * of the same shape) and hands it over as a raw file. Warm-up steps are not timed.
 *
 * Every configuration runs under each runtime in `--runtimes`, so Deno and Bun are compared
 * in one table from one script:
 * - `deno`: `deno run -A`;
 * - `bun`: `bun`, as installed;
 * - `bun-tuned`: `bun` with `MIMALLOC_PURGE_DELAY=1000`. Bun allocates typed arrays with
 *   mimalloc, which by default hands freed memory back to the system 100 ms after it is freed;
 *   a training step frees ~5 MB a step in bursts (after each collection), so most of it is
 *   handed back and faulted in again, page by page, a few steps later. A 1 s delay keeps it
 *   (measured here: 18k -> 31k samples/s with the same code). `README.md` recommends it.
 * A runtime that is not installed (on `PATH`) is reported as unavailable. The Python
 * configurations run once per round whatever `--runtimes` says (runtime column `python`;
 * `--python EXE` picks the interpreter, default `python3`); `vs pytorch-eager` compares every
 * row with PyTorch eager on one thread, the target issue 9 sets.
 *
 * Options: `--steps N` timed steps (default 600), `--warmup N` untimed steps first (default
 * 500, about one MNIST epoch; at least 1): the first steps include JIT compilation and the
 * allocator's and collector's growth, which a real run of thousands of steps pays once and
 * which take longer to settle under Bun (after 100 warm-up steps Bun's blas row measured 0.85
 * of Deno's; after 600, 0.98), `--slow-steps N` timed steps for the slow tfjs-cpu
 * configuration (default 30; samples/s is what is compared), `--examples N` examples kept in
 * memory (default 8192, cycled), `--synthetic` to skip MNIST, `--only a,b` to run some
 * configurations, `--runtimes a,b` (default `deno,bun,bun-tuned`), `--rounds N` (default 3),
 * `--cpus LIST` to pin every run to those CPUs with `taskset` (Linux).
 *
 * Each cell runs `--rounds` times, the rounds interleaved (round 1 of every cell, then round
 * 2, ...); the table shows the round with the median samples/s and the range over the rounds.
 * On a shared machine one run can lose a third of its speed to a neighbour; the median of
 * interleaved rounds is what stays put from one invocation to the next. On the 2-vCPU machine
 * this was written on, `taskset -c 0|1 deno run -A bench/gemm_gflops.ts` timed the same wasm
 * gemm at 46 GFLOP/s on one vCPU and 30 on the other, and which one was slow changed with the
 * host's load: a process lands on either, so unpinned runs are bimodal.
 * `--cpus 1` compares every configuration and runtime on the same CPU (helper threads, such
 * as V8's concurrent collector, then share it too).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  BATCH_SIZE,
  type BenchData,
  LAYER_SIZES,
  LEARNING_RATE,
  RESULT_MARK,
  type RunOptions,
  type RunResult,
  runtimeInfo,
  syntheticData,
  writeBenchData,
} from "./_common.ts";
import { child, intArg, parseArgs } from "./_compare_child.ts";
import { fmtInt, medianRun, printTable, pythonVersions, type Row } from "./_compare_table.ts";

/** Every configuration, in table order; the last is the baseline of the ratio column. */
const CONFIGS = [
  "gradstream-blas",
  "gradstream-wasm",
  "gradstream-wasm-relaxed",
  "gradstream-ts",
  "tfjs-cpu",
  "tfjs-wasm",
  "pytorch-eager",
  "jax-jit",
] as const;
type Config = typeof CONFIGS[number];
const BASELINE: Config = "tfjs-wasm";
/** The configuration every row is also compared with: issue 9's target. */
const TARGET: Config = "pytorch-eager";
/** Configurations run by `bench/_python_mlp.py` under Python, once per round. */
const PYTHON: ReadonlySet<Config> = new Set<Config>(["pytorch-eager", "jax-jit"]);
const PYTHON_SCRIPT = fileURLToPath(new URL("./_python_mlp.py", import.meta.url));
/** Configurations timed over `--slow-steps`: seconds per step, not minutes per run. */
const SLOW: ReadonlySet<Config> = new Set<Config>(["tfjs-cpu"]);

/** How a child can be started: a runtime with its own command line and environment. */
interface Runtime {
  readonly name: string;
  /** The executable (`deno` or `bun`). */
  readonly exe: "deno" | "bun" | "python";
  /** Extra environment for the child. */
  readonly env: Readonly<Record<string, string>>;
}
const RUNTIMES: readonly Runtime[] = [
  { name: "deno", exe: "deno", env: {} },
  { name: "bun", exe: "bun", env: {} },
  { name: "bun-tuned", exe: "bun", env: { MIMALLOC_PURGE_DELAY: "1000" } },
];

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

// ---------------------------------------------------------------- driver

async function loadData(examples: number, synthetic: boolean): Promise<BenchData> {
  if (synthetic) return syntheticData(examples, "--synthetic");
  try {
    const { loadMnist } = await import("../src/data/mnist.ts");
    const { train } = await loadMnist();
    const n = Math.min(examples, train.x.shape[0]);
    const features = LAYER_SIZES[0];
    const x = Float32Array.from(train.x.data.subarray(0, n * features));
    const labels = Uint8Array.from(train.y.data.subarray(0, n));
    return { n, x, labels, source: `MNIST (first ${n} training images, src/data loadMnist)` };
  } catch (e) {
    const why = `MNIST unavailable: ${e instanceof Error ? e.message : String(e)}`;
    return syntheticData(examples, why);
  }
}

/** The command that starts `exe`: this process's own executable when it is that runtime. */
function executable(exe: "deno" | "bun"): string | undefined {
  if (runtimeInfo().name === exe) return process.execPath;
  const probe = spawnSync(exe, ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? exe : undefined;
}

function spawnChild(
  rt: Runtime,
  config: Config,
  dataPath: string,
  options: RunOptions,
  cpus: string | undefined,
): Row {
  const exe = rt.exe === "python" ? rt.name : executable(rt.exe);
  if (exe === undefined) {
    return { config, runtime: rt.name, error: `${rt.exe} is not on PATH` } as Row;
  }
  const self = [
    rt.exe === "python" ? PYTHON_SCRIPT : SCRIPT,
    "--child",
    config,
    "--data",
    dataPath,
  ];
  const more = ["--steps", String(options.steps), "--warmup", String(options.warmup)];
  const run = rt.exe === "deno" ? [exe, "run", "-A", ...self, ...more] : [exe, ...self, ...more];
  // `taskset -c LIST cmd...` pins the child (and every thread it starts) to those CPUs.
  const [command, ...argv] = cpus === undefined ? run : ["taskset", "-c", cpus, ...run];
  const env: Record<string, string | undefined> = { ...process.env, ...rt.env };
  const out = spawnSync(command, argv, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    timeout: 600_000,
  });
  const line = (out.stdout ?? "").split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (line !== undefined) {
    return { ...JSON.parse(line.slice(RESULT_MARK.length)) as RunResult, runtime: rt.name };
  }
  const tail = `${out.stderr ?? ""}${out.error?.message ?? ""}`.trim().split("\n").slice(-3);
  return { config, runtime: rt.name, error: `exit ${out.status}: ${tail.join(" | ")}` } as Row;
}

/** `deno 2.9.6`, `bun 1.4.5`: what each runtime's `--version` says (first line). */
function versionOf(rt: Runtime): string {
  if (rt.exe === "python") return pythonVersions(rt.name);
  const exe = executable(rt.exe);
  if (exe === undefined) return `${rt.exe} (not installed)`;
  const out = spawnSync(exe, ["--version"], { encoding: "utf8" });
  return `${rt.exe} ${(out.stdout ?? "").trim().split("\n")[0].replace(/^(deno|bun)\s*/, "")}`;
}

async function driver(args: Map<string, string>): Promise<void> {
  const steps = intArg(args, "steps", 600, 1);
  const slowSteps = intArg(args, "slow-steps", 30, 1);
  const warmup = intArg(args, "warmup", 500, 1);
  const rounds = intArg(args, "rounds", 3, 1);
  const pin = args.get("cpus");
  if (pin !== undefined) {
    if (!/^\d+([-,]\d+)*$/.test(pin)) {
      throw new RangeError(`compare: --cpus takes a CPU list such as 1 or 0-1, got ${pin}`);
    }
    if (spawnSync("taskset", ["-c", pin, "true"]).status !== 0) {
      throw new Error(`compare: --cpus needs taskset (util-linux) and CPUs ${pin} to exist`);
    }
  }
  const examples = intArg(args, "examples", 8192, BATCH_SIZE);
  const only = args.get("only")?.split(",").filter((s) => s !== "");
  for (const c of only ?? []) {
    if (!(CONFIGS as readonly string[]).includes(c)) {
      throw new RangeError(`compare: unknown configuration ${c}; one of ${CONFIGS.join(", ")}`);
    }
  }
  const configs = CONFIGS.filter((c) => only === undefined || only.includes(c));
  const runtimeNames = args.get("runtimes")?.split(",").filter((s) => s !== "");
  for (const r of runtimeNames ?? []) {
    if (!RUNTIMES.some((rt) => rt.name === r)) {
      throw new RangeError(
        `compare: unknown runtime ${r}; one of ${RUNTIMES.map((rt) => rt.name).join(", ")}`,
      );
    }
  }
  const runtimes = RUNTIMES.filter((rt) =>
    runtimeNames === undefined || runtimeNames.includes(rt.name)
  );
  const python: Runtime = { name: args.get("python") || "python3", exe: "python", env: {} };
  const jsConfigs = configs.filter((c) => !PYTHON.has(c));
  const pyConfigs = configs.filter((c) => PYTHON.has(c));
  /** The runtimes a configuration runs under. */
  const runtimesOf = (c: Config): readonly Runtime[] => PYTHON.has(c) ? [python] : runtimes;

  const cpu = cpus();
  const data = await loadData(examples, args.has("synthetic"));
  console.log(
    `MLP ${LAYER_SIZES.join("-")} (ReLU, softmax cross-entropy), batch ${BATCH_SIZE}, ` +
      `Adam lr ${LEARNING_RATE}, float32`,
  );
  console.log(
    `runtimes: ${
      runtimes.map((rt) =>
        `${rt.name} = ${versionOf(rt)}` +
        Object.entries(rt.env).map(([k, v]) => ` with ${k}=${v}`).join("")
      ).join("; ")
    }; TensorFlow.js 4.22.0 (tfjs-core)` +
      (pyConfigs.length > 0 ? `; python = ${versionOf(python)}` : ""),
  );
  console.log(`driver: ${runtimeInfo().line}`);
  console.log(`machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? "unknown CPU"}`);
  console.log(`data: ${data.source}`);
  console.log(
    `timing: ${steps} steps after ${warmup} warm-up steps` +
      (configs.some((c) => SLOW.has(c)) ? ` (${[...SLOW].join(", ")}: ${slowSteps} steps)` : "") +
      `, ${rounds} interleaved rounds (median shown)` +
      (pin === undefined ? "" : `; every run pinned to CPU ${pin}`) +
      `; each configuration in its own ` +
      `subprocess; peak RSS includes the ${(data.x.byteLength / 2 ** 20).toFixed(1)} MiB dataset`,
  );
  console.log();

  const dir = mkdtempSync(join(tmpdir(), "gradstream-bench-"));
  const dataPath = join(dir, "data.bin");
  // Rounds interleave the runtimes and configurations, so a burst of load from a neighbour on
  // a shared machine lands on one round of several cells instead of on every round of one.
  const runs = new Map<string, Row[]>();
  const cell = (rt: Runtime, config: Config) => `${rt.name}|${config}`;
  try {
    writeBenchData(dataPath, data);
    for (let round = 1; round <= rounds; round++) {
      for (const config of configs) {
        for (const rt of runtimesOf(config)) {
          const n = SLOW.has(config) ? slowSteps : steps;
          const w = SLOW.has(config) ? Math.min(warmup, 3) : warmup;
          const t0 = performance.now();
          const r = spawnChild(rt, config, dataPath, { steps: n, warmup: w }, pin);
          const took = ((performance.now() - t0) / 1000).toFixed(1);
          console.error(
            `  round ${round}/${rounds} ${rt.name} ${config}: ${
              r.error ?? `${fmtInt(r.samplesPerSecond)} samples/s`
            } (${took} s)`,
          );
          runs.set(cell(rt, config), [...(runs.get(cell(rt, config)) ?? []), r]);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const results = [
    ...runtimes.flatMap((rt) => jsConfigs.map((c) => medianRun(runs.get(cell(rt, c))!))),
    ...pyConfigs.map((c) => medianRun(runs.get(cell(python, c))!)),
  ];
  console.log();
  printTable(results, BASELINE, TARGET);
}

const args = parseArgs(process.argv.slice(2));
if (args.has("child")) await child(args);
else await driver(args);
