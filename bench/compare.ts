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

import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  BATCH_SIZE,
  type BenchData,
  LAYER_SIZES,
  LEARNING_RATE,
  loadBenchData,
  type RunOptions,
  type RunResult,
  runtimeInfo,
} from "./_common.ts";
import { Args, child } from "./_compare_child.ts";
import { cell, medianRun, printColumns, type Row } from "./_compare_table.ts";
import {
  type Cell,
  childArgs,
  cpusArg,
  machine,
  runRounds,
  type Runtime,
  runtimesArg,
  spawnUnder,
  versionOf,
  withDataFile,
} from "./_rounds.ts";

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
const SCRIPT = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- child: one configuration

async function runChild(config: string, data: BenchData, options: RunOptions): Promise<RunResult> {
  if (config.startsWith("tfjs-")) {
    const { runTfjs } = await import("./_tfjs_mlp.ts");
    return await runTfjs(config === "tfjs-cpu" ? "cpu" : "wasm", data, options);
  }
  const { runGradstream } = await import("./_gradstream_mlp.ts");
  if (config === "gradstream-wasm-relaxed") {
    // The opt-in FMA build: faster under V8, last bits differ between engines.
    const { loadWasmKernels } = await import("../src/kernels/wasm_kernels.ts");
    return { ...await runGradstream(loadWasmKernels({ relaxed: true }), data, options), config };
  }
  const backend = config.slice("gradstream-".length) as "blas" | "wasm" | "ts";
  return await runGradstream(backend, data, options);
}

// ---------------------------------------------------------------- driver

/**
 * Prints the comparison: one line per runtime and configuration, the ratios to `BASELINE` and
 * `TARGET`, where each step's time went, and each runtime against Deno.
 */
function printTable(results: readonly Row[]): void {
  const ok = (r: Row | undefined) => r?.error === undefined ? r : undefined;
  const head = [
    "runtime",
    "configuration",
    "backend",
    "steps",
    "samples/s",
    "(rounds: min-max)",
    "(median step)",
    "peak RSS",
    `vs ${BASELINE}`,
    `vs ${TARGET}`,
    "loss first -> last",
  ];
  const target = results.find((t) => t.config === TARGET && t.error === undefined);
  const rows = results.map((r) =>
    r.error !== undefined
      ? [r.runtime!, r.config, `unavailable: ${r.error}`, "", "", "", "", "", "", "", ""]
      : [
        r.runtime!,
        r.config,
        cell.detail(r),
        String(r.steps),
        cell.int(r.samplesPerSecond),
        cell.range(r),
        cell.int(r.medianSamplesPerSecond),
        cell.mib(r.peakRssBytes),
        cell.ratio(r, ok(results.find((b) => b.runtime === r.runtime && b.config === BASELINE))),
        cell.ratio(r, target),
        `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
      ]
  );
  printColumns(head, rows, new Set([3, 4, 5, 6, 7, 8, 9]));
  console.log();
  for (const r of results) {
    if (r.stages === undefined || r.error !== undefined) continue;
    const { forward, backward, step } = r.stages;
    const pct = (s: number) => `${((100 * s) / r.seconds).toFixed(0)}%`;
    console.log(
      `${r.runtime} ${r.config} step time: forward ${pct(forward)}, backward (loss + VJP) ` +
        `${pct(backward)}, optimiser ${pct(step)}, batching and loop ` +
        `${pct(r.seconds - forward - backward - step)}`,
    );
  }
  // Each runtime against Deno, configuration by configuration (mean samples/s).
  const deno = (config: string) =>
    ok(results.find((r) => r.runtime === "deno" && r.config === config));
  for (const runtime of new Set(results.map((r) => r.runtime))) {
    if (runtime === "deno") continue;
    const ratios = results
      .filter((r) => r.runtime === runtime && r.error === undefined && deno(r.config))
      .map((r) =>
        `${r.config} ${(r.samplesPerSecond / deno(r.config)!.samplesPerSecond).toFixed(2)}`
      );
    if (ratios.length > 0) console.log(`${runtime} / deno (samples/s): ${ratios.join(", ")}`);
  }
}

async function driver(args: Args): Promise<void> {
  const steps = args.int("steps", 600), slowSteps = args.int("slow-steps", 30);
  const warmup = args.int("warmup", 500), rounds = args.int("rounds", 3);
  const pin = cpusArg(args);
  const examples = args.int("examples", 8192, BATCH_SIZE);
  const configs = args.only(CONFIGS);
  const runtimes = runtimesArg(args, ["deno", "bun", "bun-tuned"]);
  const python: Runtime = { name: args.get("python") || "python3", exe: "python", env: {} };
  const jsConfigs = configs.filter((c) => !PYTHON.has(c));
  const pyConfigs = configs.filter((c) => PYTHON.has(c));
  const data = await loadBenchData(examples, {
    note: ", src/data loadMnist",
    synthetic: args.has("synthetic") ? "--synthetic" : undefined,
    fallback: true,
  });
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
  console.log(`machine: ${machine()}`);
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

  const key = (rt: Runtime, config: Config) => `${rt.name}|${config}`;
  const runs = withDataFile("gradstream-bench-", data, (dataPath) => {
    const cells = configs.flatMap((config) =>
      (PYTHON.has(config) ? [python] : runtimes).map((rt): Cell<string> => {
        const o = SLOW.has(config)
          ? { steps: slowSteps, warmup: Math.min(warmup, 3) }
          : { steps, warmup };
        const script = PYTHON.has(config) ? PYTHON_SCRIPT : SCRIPT;
        const run = () => spawnUnder(rt, script, config, childArgs(config, dataPath, o), { pin });
        return { key: key(rt, config), label: `${rt.name} ${config}`, run };
      })
    );
    return runRounds(rounds, cells);
  });
  const results = [
    ...runtimes.flatMap((rt) => jsConfigs.map((c) => medianRun(runs.get(key(rt, c))!))),
    ...pyConfigs.map((c) => medianRun(runs.get(key(python, c))!)),
  ];
  console.log();
  printTable(results);
}

const args = new Args("compare", process.argv.slice(2));
if (args.has("child")) await child(args, { warmup: 500, steps: 600 }, runChild);
else await driver(args);
