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

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { lastValueFrom, take, tap } from "rxjs";
import {
  BATCH_SIZE,
  type BenchData,
  PeakRss,
  readBenchData,
  report,
  RESULT_MARK,
  type RunResult,
  runtimeInfo,
  StepClock,
  writeBenchData,
} from "./_common.ts";

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
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Multiply-adds per example of the forward pass (the four weight matrices). */
const MACS = 784 * 400 + 400 * 40 + 20 * 400 + 400 * 784;
/**
 * FLOP per example of a step: forward and weight gradients (2 x MACS each) and the input
 * gradients of every layer but the first (no gradient of the data): 3.28 MFLOP, the issue's.
 */
const FLOP_PER_SAMPLE = 2 * (2 * MACS + MACS - 784 * 400);

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith("--")) throw new RangeError(`vae_compare: unexpected ${argv[i]}`);
    const next = argv[i + 1];
    args.set(argv[i].slice(2), next === undefined || next.startsWith("--") ? "" : argv[++i]);
  }
  return args;
}

function intArg(args: Map<string, string>, name: string, fallback: number, min: number): number {
  const raw = args.get(name);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`vae_compare: --${name} must be an integer >= ${min}, got ${raw}`);
  }
  return v;
}

// ---------------------------------------------------------------- child: one gradstream backend

async function runGradstream(config: Config, data: BenchData, warmup: number, steps: number) {
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
  const total = warmup + steps;
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

async function child(args: Map<string, string>): Promise<void> {
  const config = args.get("child") as Config;
  try {
    const data = readBenchData(args.get("data")!);
    report(
      await runGradstream(
        config,
        data,
        intArg(args, "warmup", 200, 1),
        intArg(args, "steps", 300, 1),
      ),
    );
  } catch (e) {
    report({ config, error: e instanceof Error ? e.message : String(e) } as RunResult);
  }
  process.exit(0); // the wasm backend keeps handles open; the result is out
}

// ---------------------------------------------------------------- driver

type Row = RunResult & { readonly runtime: string; readonly range?: readonly [number, number] };

function spawnChild(
  runtime: string,
  config: Config,
  dataPath: string,
  more: string[],
  pin?: string,
): Row {
  const exe = runtime === "deno" || runtime === "bun"
    ? (runtimeInfo().name === runtime ? process.execPath : runtime)
    : runtime;
  const script = PYTHON.has(config)
    ? [PYTHON_SCRIPT]
    : [...(runtime === "deno" ? ["run", "-A"] : []), SCRIPT];
  const run = [exe, ...script, "--child", config, "--data", dataPath, ...more];
  const [command, ...argv] = pin === undefined ? run : ["taskset", "-c", pin, ...run];
  const out = spawnSync(command, argv, {
    cwd: ROOT,
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
    encoding: "utf8",
    maxBuffer: 1 << 24,
    timeout: 600_000,
  });
  const line = (out.stdout ?? "").split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (line !== undefined) return { ...JSON.parse(line.slice(RESULT_MARK.length)), runtime };
  const tail = `${out.stderr ?? ""}${out.error?.message ?? ""}`.trim().split("\n").slice(-3);
  return { config, runtime, error: `exit ${out.status}: ${tail.join(" | ")}` } as Row;
}

function medianRun(rows: readonly Row[]): Row {
  const failed = rows.find((r) => r.error !== undefined);
  if (failed !== undefined) return failed;
  const sorted = [...rows].sort((a, b) => a.samplesPerSecond - b.samplesPerSecond);
  return {
    ...sorted[sorted.length >> 1],
    range: [sorted[0].samplesPerSecond, sorted[sorted.length - 1].samplesPerSecond],
    peakRssBytes: Math.max(...rows.map((r) => r.peakRssBytes)),
  };
}

const fmt = (v: number) => Math.round(v).toLocaleString("en-US");

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
      ? [r.runtime, r.config, `unavailable: ${r.error}`, "", "", "", "", "", "", ""]
      : [
        r.runtime,
        r.config,
        r.detail.replace(/, \/[^,)]*/g, ""),
        fmt(r.samplesPerSecond),
        r.range === undefined ? "" : `${fmt(r.range[0])}-${fmt(r.range[1])}`,
        fmt(r.medianSamplesPerSecond),
        (r.samplesPerSecond * FLOP_PER_SAMPLE / 1e9).toFixed(1),
        `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
        torch === undefined ? "-" : `${(r.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}x`,
        `${r.firstLoss.toFixed(1)} -> ${r.lastLoss.toFixed(1)}`,
      ]
  );
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c.map((s, i) => (i >= 3 && i <= 8 ? s.padStart(widths[i]) : s.padEnd(widths[i]))).join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

async function driver(args: Map<string, string>): Promise<void> {
  const steps = intArg(args, "steps", 300, 1), warmup = intArg(args, "warmup", 200, 1);
  const rounds = intArg(args, "rounds", 3, 1),
    examples = intArg(args, "examples", 8192, BATCH_SIZE);
  const pin = args.get("cpus");
  if (pin !== undefined && !/^\d+([-,]\d+)*$/.test(pin)) {
    throw new RangeError(`vae_compare: --cpus takes a CPU list such as 1, got ${pin}`);
  }
  const only = args.get("only")?.split(",").filter((s) => s !== "");
  for (const c of only ?? []) {
    if (!(CONFIGS as readonly string[]).includes(c)) {
      throw new RangeError(`vae_compare: unknown configuration ${c}; one of ${CONFIGS.join(", ")}`);
    }
  }
  const configs = CONFIGS.filter((c) => only === undefined || only.includes(c));
  const runtimes = (args.get("runtimes") ?? "deno").split(",").filter((s) => s !== "");
  const python = args.get("python") || "python3";
  const { loadMnist } = await import("../src/data/mnist.ts");
  const { train } = await loadMnist();
  const n = Math.min(examples, train.x.shape[0]);
  const data: BenchData = {
    n,
    x: Float32Array.from(train.x.data.subarray(0, n * 784)),
    labels: Uint8Array.from(train.y.data.subarray(0, n)),
    source: `MNIST (first ${n} training images)`,
  };
  console.log(
    `VAE 784-400-(20+20)-20-400-784 (PyTorch's reference example), Bernoulli likelihood, ` +
      `batch ${BATCH_SIZE}, Adam 1e-3, float32; ${(FLOP_PER_SAMPLE / 1e6).toFixed(2)} MFLOP/sample`,
  );
  console.log(
    `driver: ${runtimeInfo().line}; machine: ${cpus().length} x ${cpus()[0]?.model.trim()}`,
  );
  console.log(
    `timing: ${steps} steps after ${warmup} warm-up, ${rounds} interleaved rounds (median ` +
      `shown), one thread each${
        pin === undefined ? "" : `, pinned to CPU ${pin}`
      }; data: ${data.source}\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), "gradstream-vae-"));
  const dataPath = join(dir, "data.bin");
  const runs = new Map<string, Row[]>();
  const more = ["--steps", String(steps), "--warmup", String(warmup)];
  try {
    writeBenchData(dataPath, data);
    for (let round = 1; round <= rounds; round++) {
      for (const config of configs) {
        for (const rt of PYTHON.has(config) ? [python] : runtimes) {
          const r = spawnChild(rt, config, dataPath, more, pin);
          console.error(
            `  round ${round}/${rounds} ${rt} ${config}: ${
              r.error ?? `${fmt(r.samplesPerSecond)} samples/s`
            }`,
          );
          runs.set(`${rt}|${config}`, [...(runs.get(`${rt}|${config}`) ?? []), r]);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log();
  printTable([...runs.values()].map(medianRun));
}

const args = parseArgs(process.argv.slice(2));
if (args.has("child")) await child(args);
else await driver(args);
