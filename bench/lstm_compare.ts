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

import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  BATCH_SIZE,
  type BenchData,
  loadBenchData,
  type RunOptions,
  type RunResult,
  runtimeInfo,
} from "./_common.ts";
import { Args, child } from "./_compare_child.ts";
import { cell, medianRun, printColumns, type Row } from "./_compare_table.ts";
import { FEATURES, HIDDEN, lstmFlopsPerSample, TIME_STEPS } from "./_lstm_shape.ts";
import {
  childArgs,
  cpusArg,
  machine,
  runRounds,
  selfCommand,
  spawnResult,
  withDataFile,
} from "./_rounds.ts";

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
/** One thread for every BLAS the children may load. */
const ONE_THREAD = { OPENBLAS_NUM_THREADS: "1", GOTO_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };

// ---------------------------------------------------------------- child: one configuration

async function runChild(config: string, data: BenchData, options: RunOptions): Promise<RunResult> {
  if (config === "tfjs-cpu" || config === "tfjs-wasm") {
    const { runTfjsLstm } = await import("./_tfjs_lstm.ts");
    return await runTfjsLstm(config === "tfjs-cpu" ? "cpu" : "wasm", data, options);
  }
  const { runGradstreamLstm } = await import("./_gradstream_lstm.ts");
  const backend = config.slice("gradstream-".length) as "blas" | "wasm" | "ts";
  return await runGradstreamLstm(backend, data, options);
}

// ---------------------------------------------------------------- driver

function spawnChild(config: Config, dataPath: string, o: RunOptions, args: Args): RunResult {
  const python = args.get("python") || "python3";
  const run = PYTHON.has(config) ? [python, PYTHON_SCRIPT] : selfCommand(SCRIPT);
  return spawnResult(config, [...run, ...childArgs(config, dataPath, o)], {
    pin: args.get("cpus"),
    env: ONE_THREAD,
    timeout: 900_000,
  });
}

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
      cell.int(r.samplesPerSecond),
      cell.range(r),
      (r.samplesPerSecond * flops / 1e9).toFixed(2),
      cell.mib(r.peakRssBytes),
      cell.ratio(r, target),
      `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
      cell.detail(r),
    ]
  );
  printColumns(head, cells, new Set([1, 2, 3, 4, 5, 6]));
}

async function driver(args: Args): Promise<void> {
  const fast = { steps: args.int("steps", 30), warmup: args.int("warmup", 5) };
  const slow = { steps: args.int("slow-steps", 3), warmup: args.int("slow-warmup", 1) };
  const rounds = args.int("rounds", 3);
  const pin = cpusArg(args);
  const configs = args.only(CONFIGS);
  const data = await loadBenchData(args.int("examples", 4096, BATCH_SIZE), {
    note: ", read row by row",
    synthetic: args.has("synthetic") ? "--synthetic" : undefined,
    fallback: true,
  });
  const flops = lstmFlopsPerSample();
  console.log(
    `LSTM ${TIME_STEPS} steps x ${FEATURES} features, hidden ${HIDDEN}, last state -> ` +
      `dense(10), softmax cross-entropy, batch ${BATCH_SIZE}, Adam lr 1e-3, float32; ` +
      `${(flops / 1e6).toFixed(2)} MFLOP per sample (forward + backward)`,
  );
  console.log(`driver: ${runtimeInfo().line}; ${new Date().toISOString().slice(0, 16)} UTC`);
  console.log(`machine: ${machine()}`);
  console.log(`data: ${data.source}`);
  console.log(
    `timing: ${fast.steps} steps after ${fast.warmup} warm-up (${[...SLOW].join(", ")}: ` +
      `${slow.steps} after ${slow.warmup}), ${rounds} interleaved rounds (median shown), one ` +
      `thread each` + (pin === undefined ? "" : `, pinned to CPU ${pin}`) + "\n",
  );
  const runs = withDataFile("gradstream-lstm-", data, (dataPath) =>
    runRounds(
      rounds,
      configs.map((config) => ({
        key: config,
        label: config,
        run: () => spawnChild(config, dataPath, SLOW.has(config) ? slow : fast, args),
      })),
    ));
  console.log();
  printTable(configs.map((c) => medianRun(runs.get(c)!)), flops);
}

const args = new Args("lstm_compare", process.argv.slice(2));
if (args.has("child")) await child(args, { warmup: 5, steps: 30 }, runChild);
else await driver(args);
