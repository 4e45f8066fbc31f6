/**
 * The LSTM of issue 11 trained side by side: an MNIST image read row by row (28 steps of 28
 * features), one LSTM layer of 128 units, its last hidden state into dense(10), softmax
 * cross-entropy, batch 128, Adam lr 1e-3, float32; with each gradstream backend (blas, wasm,
 * ts), TensorFlow.js 4.22 (`tf.layers.lstm`, cpu and wasm backends, `bench/_tfjs_lstm.ts`)
 * and, where `python3` has them, PyTorch `nn.LSTM` and JAX `lax.scan` (`bench/_python_lstm.py`;
 * a missing one is reported as unavailable), one thread each.
 *
 * ```sh
 * deno run -A bench/lstm_compare.ts --cpus 1             # or: bun bench/lstm_compare.ts
 * deno run -A bench/lstm_compare.ts --only gradstream-blas,pytorch-lstm --rounds 1 --steps 10
 * ```
 *
 * Each configuration runs in its own subprocess (this script again with `--child`, under the
 * runtime that runs the driver, or `python3 bench/_python_lstm.py`), so each peak RSS (the
 * kernel's high-water mark, `VmHWM`) is that configuration's alone. One thread each: the
 * children get `OPENBLAS_NUM_THREADS=1` (and `OMP_`, `GOTO_`), PyTorch
 * `torch.set_num_threads(1)`, XLA one intra-op thread; TensorFlow.js's wasm backend runs one
 * thread without cross-origin isolation (its detail column says how many). `--cpus LIST`
 * pins every child with `taskset` (use it: a child may otherwise start helper threads on
 * the other core). The driver loads the first `--examples` MNIST training images (default
 * 4096) or, with `--synthetic` or without MNIST, random data of that shape.
 *
 * Options: `--steps N` timed steps (default 30), `--warmup N` untimed steps first (default
 * 5), `--slow-steps N` and `--slow-warmup N` for the slow configurations (TensorFlow.js and
 * gradstream's ts backend; default 3 and 1), `--rounds N` interleaved rounds (default 3: round
 * 1 of every configuration, then round 2, ...; the table shows the median round and the
 * range), `--only a,b`, `--python EXE` (default `python3`).
 *
 * GFLOP/s is samples/s times the work of one sample, 12.49 MFLOP: the matrix products of the
 * forward pass (input and recurrent projections at each of the 28 steps, then the head) and of
 * the backward pass (every product's weight gradient, and the state gradient of every step but
 * the first); `bench/_lstm_shape.ts` counts it from the shapes.
 *
 * Measured 2026-12-01 for the issue (2-vCPU AMD Zen 1, one pinned core, medians of three
 * interleaved rounds): PyTorch 2.13 `nn.LSTM` 1,776 samples/s (22 GFLOP/s), JAX 0.10
 * `lax.scan` 1,320, TensorFlow.js wasm 108, TensorFlow.js cpu 23. Measured 2026-12-02 with
 * `--cpus 1` under Deno on that machine shared with other jobs (README, Speed): gradstream blas
 * 553, wasm 322, ts 80; TensorFlow.js wasm 50, cpu 9; PyTorch 2,507; JAX 1,183 (medians, the
 * rounds spread up to 3x). Bun ran the gradstream rows about twice as fast as Deno there.
 *
 * Measured 2026-12-02 07:04 UTC on a 2-vCPU Intel Xeon (AVX-512), `--cpus 1`, the other CPU busy
 * with other jobs (load 3.8), Deno 2.9.6, after the layer became one fused `lstmSequence`
 * primitive: gradstream blas 3,754 samples/s, wasm 1,547; PyTorch 2.13 7,163 (0.52x). In one
 * interleaved run against the per-step layer it replaced (07:06 UTC, load 2.8-4.0): blas 975 →
 * 1,702 (Deno) and 1,074 → 1,771 (Bun 1.4.5), PyTorch 3,064. `bench/lstm_profile.ts` splits a
 * step into its parts in CPU time.
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
  readBenchData,
  report,
  RESULT_MARK,
  type RunOptions,
  type RunResult,
  runtimeInfo,
  syntheticData,
  writeBenchData,
} from "./_common.ts";
import { FEATURES, HIDDEN, lstmFlopsPerSample, TIME_STEPS } from "./_lstm_shape.ts";

/** Every configuration, in table order. */
const CONFIGS = [
  "gradstream-blas",
  "gradstream-wasm",
  "gradstream-ts",
  "tfjs-wasm",
  "tfjs-cpu",
  "pytorch-lstm",
  "jax-scan",
] as const;
type Config = typeof CONFIGS[number];
/** The configuration every row is compared with: the target for the blas backend. */
const TARGET: Config = "pytorch-lstm";
const PYTHON: ReadonlySet<Config> = new Set<Config>(["pytorch-lstm", "jax-scan"]);
const PYTHON_SCRIPT = fileURLToPath(new URL("./_python_lstm.py", import.meta.url));
/** Seconds a step: timed over `--slow-steps`, so a run takes seconds, not minutes. */
const SLOW: ReadonlySet<Config> = new Set<Config>(["tfjs-cpu", "tfjs-wasm", "gradstream-ts"]);
const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** One thread for every BLAS the children may load. */
const ONE_THREAD = { OPENBLAS_NUM_THREADS: "1", GOTO_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new RangeError(`lstm_compare: unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) args.set(a.slice(2), "");
    else args.set(a.slice(2), argv[++i]);
  }
  return args;
}

function intArg(args: Map<string, string>, name: string, fallback: number, min: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`lstm_compare: --${name} must be an integer >= ${min}, got ${raw}`);
  }
  return v;
}

// ---------------------------------------------------------------- child: one configuration

async function runChild(config: Config, data: BenchData, options: RunOptions): Promise<RunResult> {
  if (config === "tfjs-cpu" || config === "tfjs-wasm") {
    const { runTfjsLstm } = await import("./_tfjs_lstm.ts");
    return await runTfjsLstm(config === "tfjs-cpu" ? "cpu" : "wasm", data, options);
  }
  const { runGradstreamLstm } = await import("./_gradstream_lstm.ts");
  const backend = config.slice("gradstream-".length) as "blas" | "wasm" | "ts";
  return await runGradstreamLstm(backend, data, options);
}

async function child(args: Map<string, string>): Promise<void> {
  const config = args.get("child") as Config;
  const options = { warmup: intArg(args, "warmup", 5, 1), steps: intArg(args, "steps", 30, 1) };
  try {
    report(await runChild(config, readBenchData(args.get("data")!), options));
  } catch (e) {
    report({ config, error: e instanceof Error ? e.message : String(e) } as RunResult);
  }
  process.exit(0); // the wasm backends keep handles open; the result is out
}

// ---------------------------------------------------------------- driver

async function loadData(examples: number, synthetic: boolean): Promise<BenchData> {
  if (synthetic) return syntheticData(examples, "--synthetic");
  try {
    const { loadMnist } = await import("../src/data/mnist.ts");
    const { train } = await loadMnist();
    const n = Math.min(examples, train.x.shape[0]);
    const x = Float32Array.from(train.x.data.subarray(0, n * TIME_STEPS * FEATURES));
    const labels = Uint8Array.from(train.y.data.subarray(0, n));
    return { n, x, labels, source: `MNIST (first ${n} training images, read row by row)` };
  } catch (e) {
    return syntheticData(examples, `MNIST unavailable: ${(e as Error).message ?? String(e)}`);
  }
}

function spawnChild(config: Config, dataPath: string, o: RunOptions, args: Map<string, string>) {
  const more = ["--child", config, "--data", dataPath, "--steps", `${o.steps}`];
  more.push("--warmup", `${o.warmup}`);
  const python = args.get("python") || "python3";
  const deno = runtimeInfo().name === "deno" ? ["run", "-A"] : [];
  const run = PYTHON.has(config)
    ? [python, PYTHON_SCRIPT, ...more]
    : [process.execPath, ...deno, SCRIPT, ...more];
  const pin = args.get("cpus");
  const [command, ...argv] = pin === undefined ? run : ["taskset", "-c", pin, ...run];
  const out = spawnSync(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...ONE_THREAD },
    encoding: "utf8",
    maxBuffer: 1 << 24,
    timeout: 900_000,
  });
  const line = (out.stdout ?? "").split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (line !== undefined) return JSON.parse(line.slice(RESULT_MARK.length)) as RunResult;
  const tail = `${out.stderr ?? ""}${out.error?.message ?? ""}`.trim().split("\n").slice(-3);
  return { config, error: `exit ${out.status}: ${tail.join(" | ")}` } as RunResult;
}

type Row = RunResult & { readonly range?: readonly [number, number] };

/** The round with the median samples/s, the range over the rounds and the largest peak RSS. */
function medianRun(rows: readonly RunResult[]): Row {
  const failed = rows.find((r) => r.error !== undefined);
  if (failed !== undefined) return failed;
  const sorted = [...rows].sort((a, b) => a.samplesPerSecond - b.samplesPerSecond);
  return {
    ...sorted[sorted.length >> 1],
    range: [sorted[0].samplesPerSecond, sorted[sorted.length - 1].samplesPerSecond],
    peakRssBytes: Math.max(...rows.map((r) => r.peakRssBytes)),
  };
}

const fmtInt = (v: number) => Math.round(v).toLocaleString("en-US");

function printTable(rows: readonly Row[], flops: number): void {
  const target = rows.find((r) => r.config === TARGET && r.error === undefined);
  const head = [
    "configuration",
    "steps",
    "samples/s",
    "(rounds: min-max)",
    "GFLOP/s",
    "peak RSS",
    `vs ${TARGET}`,
    "loss first -> last",
    "backend",
  ];
  const cells = rows.map((r) =>
    r.error !== undefined ? [r.config, "", "", "", "", "", "", "", `unavailable: ${r.error}`] : [
      r.config,
      String(r.steps),
      fmtInt(r.samplesPerSecond),
      r.range === undefined ? "" : `${fmtInt(r.range[0])}-${fmtInt(r.range[1])}`,
      (r.samplesPerSecond * flops / 1e9).toFixed(2),
      `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      target === undefined ? "-" : `${(r.samplesPerSecond / target.samplesPerSecond).toFixed(2)}x`,
      `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
      r.detail.replace(/, \/[^,)]*/g, ""), // library paths make the column too wide
    ]
  );
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = new Set([1, 2, 3, 4, 5, 6]);
  const line = (c: readonly string[]) =>
    c.map((s, i) => right.has(i) ? s.padStart(widths[i]) : s.padEnd(widths[i])).join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

async function driver(args: Map<string, string>): Promise<void> {
  const fast = { steps: intArg(args, "steps", 30, 1), warmup: intArg(args, "warmup", 5, 1) };
  const slow = {
    steps: intArg(args, "slow-steps", 3, 1),
    warmup: intArg(args, "slow-warmup", 1, 1),
  };
  const rounds = intArg(args, "rounds", 3, 1);
  const pin = args.get("cpus");
  if (pin !== undefined && spawnSync("taskset", ["-c", pin, "true"]).status !== 0) {
    throw new RangeError(`lstm_compare: --cpus needs taskset and CPUs ${pin} to exist`);
  }
  const only = args.get("only")?.split(",").filter((s) => s !== "");
  for (const c of only ?? []) {
    if (!(CONFIGS as readonly string[]).includes(c)) {
      throw new RangeError(
        `lstm_compare: unknown configuration ${c}; one of ${CONFIGS.join(", ")}`,
      );
    }
  }
  const configs = CONFIGS.filter((c) => only === undefined || only.includes(c));
  const data = await loadData(intArg(args, "examples", 4096, BATCH_SIZE), args.has("synthetic"));
  const flops = lstmFlopsPerSample();
  const cpu = cpus();
  console.log(
    `LSTM ${TIME_STEPS} steps x ${FEATURES} features, hidden ${HIDDEN}, last state -> ` +
      `dense(10), softmax cross-entropy, batch ${BATCH_SIZE}, Adam lr 1e-3, float32; ` +
      `${(flops / 1e6).toFixed(2)} MFLOP per sample (forward + backward)`,
  );
  console.log(`driver: ${runtimeInfo().line}; ${new Date().toISOString().slice(0, 16)} UTC`);
  console.log(`machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? "unknown CPU"}`);
  console.log(`data: ${data.source}`);
  console.log(
    `timing: ${fast.steps} steps after ${fast.warmup} warm-up (${[...SLOW].join(", ")}: ` +
      `${slow.steps} after ${slow.warmup}), ${rounds} interleaved rounds (median shown), one ` +
      `thread each` + (pin === undefined ? "" : `, pinned to CPU ${pin}`) + "\n",
  );
  const dir = mkdtempSync(join(tmpdir(), "gradstream-lstm-"));
  const dataPath = join(dir, "data.bin");
  const runs = new Map<Config, RunResult[]>();
  try {
    writeBenchData(dataPath, data);
    for (let round = 1; round <= rounds; round++) {
      for (const config of configs) {
        const t0 = performance.now();
        const r = spawnChild(config, dataPath, SLOW.has(config) ? slow : fast, args);
        const took = ((performance.now() - t0) / 1000).toFixed(1);
        const what = r.error ?? `${fmtInt(r.samplesPerSecond)} samples/s`;
        console.error(`  round ${round}/${rounds} ${config}: ${what} (${took} s)`);
        runs.set(config, [...(runs.get(config) ?? []), r]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log();
  printTable(configs.map((c) => medianRun(runs.get(c)!)), flops);
}

const args = parseArgs(process.argv.slice(2));
if (args.has("child")) await child(args);
else await driver(args);
