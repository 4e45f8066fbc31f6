/**
 * The VAE of `examples/mnist_vae.ts` (PyTorch's reference example: 784-400-(20 means, 20
 * log-variances), 20-400-784, Bernoulli likelihood, batch 128, Adam 1e-3, float32) trained
 * with each gradstream backend beside PyTorch eager and JAX jit (`bench/_python_vae.py`, where
 * `python3` has them; a missing one is reported as unavailable), one thread each.
 *
 * ```sh
 * deno run -A bench/vae_compare.ts --cpus 1              # or: bun bench/vae_compare.ts --cpus 1
 * deno run -A bench/vae_compare.ts --steps 200 --only gradstream-blas,pytorch-eager --rounds 1
 * ```
 *
 * Each configuration runs in its own subprocess (this script with `--child`, or the Python
 * script), with `OPENBLAS_NUM_THREADS=1` (and `torch.set_num_threads(1)`, XLA with one intra-op
 * thread); `--cpus 1` pins every run to CPU 1 with `taskset`. The rounds interleave the
 * configurations (round 1 of each, then round 2, ...) and the table shows the round with the
 * median samples/s, the range over the rounds and the largest peak RSS. Options: `--steps N`
 * timed steps (default 300), `--warmup N` (default 200), `--rounds N` (default 3), `--examples
 * N` MNIST training images kept in memory (default 8192, cycled), `--only a,b`, `--runtimes
 * deno,bun` (default deno), `--python EXE`, `--cpus LIST`. The loss column is the negative ELBO
 * per image of the first and last timed batch (it must be falling).
 *
 * Last measured 2026-12-02 07:09-07:14 UTC on the 2-vCPU build machine (Intel Xeon, AVX-512),
 * pinned to CPU 0 with other jobs on CPU 1 (load 2.6-3.2, indicative), medians of three rounds:
 * blas 14,133 samples/s under Deno and 14,943 under Bun, wasm 6,088 and 5,855, PyTorch eager
 * 18,267, JAX jit 12,472 (0.77x PyTorch for blas under Deno; the README has the table, and the
 * figures of the code before the fused Bernoulli NLL, Gaussian and Adam-output changes).
 * `bench/vae_step_split.ts` shows where a step goes.
 *
 * For the accuracy comparison (the test negative ELBO after 10 epochs) see the README: the
 * example against `python3 bench/_python_vae.py --reference`.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { lastValueFrom, take, tap } from "rxjs";
import {
  BATCH_SIZE,
  type BenchData,
  loadBenchData,
  PeakRss,
  type RunOptions,
  type RunResult,
  runtimeInfo,
  StepClock,
} from "./_common.ts";
import { Args, child } from "./_compare_child.ts";
import { cell, medianRun, printColumns, type Row } from "./_compare_table.ts";
import {
  childArgs,
  cpusArg,
  machine,
  runRounds,
  type Runtime,
  runtimesArg,
  spawnUnder,
  withDataFile,
} from "./_rounds.ts";

const CONFIGS = [
  "gradstream-blas",
  "gradstream-wasm",
  "gradstream-ts",
  "pytorch-eager",
  "jax-jit",
] as const;
type Config = typeof CONFIGS[number];
const PYTHON: ReadonlySet<string> = new Set(["pytorch-eager", "jax-jit"]);
const SCRIPT = fileURLToPath(import.meta.url);
const PYTHON_SCRIPT = fileURLToPath(new URL("./_python_vae.py", import.meta.url));
/** Multiply-adds per example of the forward pass (the four weight matrices). */
const MACS = 784 * 400 + 400 * 40 + 20 * 400 + 400 * 784;
/**
 * FLOP per example of a step: forward and weight gradients (2 x MACS each) and the input
 * gradients of every layer but the first (no gradient of the data): 3.28 MFLOP, the issue's.
 */
const FLOP_PER_SAMPLE = 2 * (2 * MACS + MACS - 784 * 400);

// ---------------------------------------------------------------- child: one gradstream backend

async function runGradstream(config: string, data: BenchData, o: RunOptions): Promise<RunResult> {
  const g = await import("../mod.ts");
  const peak = new PeakRss();
  const be = g.backend(config.slice("gradstream-".length) as "blas" | "wasm" | "ts");
  const model = g.serial(
    g.serial(g.dense(400), g.reluLayer(), g.dense(40)),
    g.reparameterize(),
    g.serial(g.dense(400), g.reluLayer(), g.dense(784)),
  );
  const optimizer = g.adam(1e-3);
  const x = g.fromTypedArray(data.x, [data.n, 784]);
  const source = g.batches({ x, y: x }, { batchSize: BATCH_SIZE, dropLast: true });
  const clock = new StepClock();
  const warmup = o.warmup, total = o.warmup + o.steps;
  let firstLoss = NaN, lastLoss = NaN;
  await lastValueFrom(
    g.fit(
      g.initTrain(model, optimizer, g.key(0), [784], { backend: be }),
      source,
      g.forward(model),
      g.backward(g.bernoulliNll),
      g.step(optimizer),
    ).pipe(
      take(total),
      tap((ctx) => {
        peak.sample();
        const n = ctx.state.step;
        if (n === warmup) clock.start();
        else if (n > warmup) clock.lap();
        if (n === warmup + 1) firstLoss = ctx.loss!;
        if (n === total) lastLoss = ctx.loss!;
      }),
    ),
  );
  return {
    config,
    detail: be.description,
    ...clock.summary(),
    peakRssBytes: peak.bytes(),
    firstLoss,
    lastLoss,
  };
}

// ---------------------------------------------------------------- driver

function printTable(rows: readonly Row[]): void {
  const torch = rows.find((r) => r.config === "pytorch-eager" && r.error === undefined);
  const head = [
    "runtime",
    "configuration",
    "backend",
    "samples/s",
    "(rounds)",
    "(median step)",
    "GFLOP/s",
    "peak RSS",
    "vs pytorch-eager",
    "-ELBO first -> last",
  ];
  const cells = rows.map((r) =>
    r.error !== undefined
      ? [r.runtime!, r.config, `unavailable: ${r.error}`, "", "", "", "", "", "", ""]
      : [
        r.runtime!,
        r.config,
        cell.detail(r),
        cell.int(r.samplesPerSecond),
        cell.range(r),
        cell.int(r.medianSamplesPerSecond),
        (r.samplesPerSecond * FLOP_PER_SAMPLE / 1e9).toFixed(1),
        cell.mib(r.peakRssBytes),
        cell.ratio(r, torch),
        `${r.firstLoss.toFixed(1)} -> ${r.lastLoss.toFixed(1)}`,
      ]
  );
  printColumns(head, cells, new Set([3, 4, 5, 6, 7, 8]));
}

async function driver(args: Args): Promise<void> {
  const steps = args.int("steps", 300), warmup = args.int("warmup", 200);
  const rounds = args.int("rounds", 3), examples = args.int("examples", 8192, BATCH_SIZE);
  const pin = cpusArg(args);
  const configs = args.only(CONFIGS);
  const runtimes = runtimesArg(args, ["deno"]);
  const python: Runtime = { name: args.get("python") || "python3", exe: "python", env: {} };
  const data = await loadBenchData(examples, { note: "", fallback: false });
  console.log(
    `VAE 784-400-(20+20)-20-400-784 (PyTorch's reference example), Bernoulli likelihood, ` +
      `batch ${BATCH_SIZE}, Adam 1e-3, float32; ${(FLOP_PER_SAMPLE / 1e6).toFixed(2)} MFLOP/sample`,
  );
  console.log(`driver: ${runtimeInfo().line}; machine: ${machine()}`);
  console.log(
    `timing: ${steps} steps after ${warmup} warm-up, ${rounds} interleaved rounds (median ` +
      `shown), one thread each${
        pin === undefined ? "" : `, pinned to CPU ${pin}`
      }; data: ${data.source}\n`,
  );
  const env = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  const runs = withDataFile("gradstream-vae-", data, (dataPath) =>
    runRounds(
      rounds,
      configs.flatMap((config) => {
        const script = PYTHON.has(config) ? PYTHON_SCRIPT : SCRIPT;
        const argv = childArgs(config, dataPath, { steps, warmup });
        return (PYTHON.has(config) ? [python] : runtimes).map((rt) => ({
          key: `${rt.name}|${config}`,
          label: `${rt.name} ${config}`,
          run: () => spawnUnder(rt, script, config, argv, { pin, env }),
        }));
      }),
    ));
  console.log();
  printTable([...runs.values()].map(medianRun));
}

const args = new Args("vae_compare", process.argv.slice(2));
if (args.has("child")) await child(args, { warmup: 200, steps: 300 }, runGradstream);
else await driver(args);
