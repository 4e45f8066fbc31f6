/**
 * gradstream against TensorFlow.js, side by side: the MLP 784-256-128-10 (ReLU, softmax
 * cross-entropy, batch 128, Adam lr 1e-3, float32) trained for the same number of steps with
 * each gradstream backend (blas, wasm, ts) and with TensorFlow.js 4.22 (cpu and wasm backends).
 *
 * ```sh
 * deno run -A bench/compare.ts            # or: bun bench/compare.ts
 * deno run -A bench/compare.ts --steps 400 --only gradstream-blas,tfjs-wasm
 * ```
 *
 * Each configuration runs in its own subprocess (this script, started again with `--child`),
 * so backends never share a process and each peak RSS is that configuration's alone. The
 * driver loads the data once (real MNIST when `src/data` can load it, otherwise synthetic data
 * of the same shape) and hands it over as a raw file. Warm-up steps are not timed.
 *
 * Options: `--steps N` timed steps (default 200), `--warmup N` (default 10, at least 1), `--slow-steps N`
 * timed steps for the slow tfjs-cpu configuration (default 30; samples/s is what is compared),
 * `--examples N` examples kept in memory (default 8192, cycled), `--synthetic` to skip MNIST,
 * `--only a,b` to run some configurations.
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
  readBenchData,
  report,
  RESULT_MARK,
  type RunOptions,
  type RunResult,
  runtimeInfo,
  syntheticData,
  writeBenchData,
} from "./_common.ts";

/** Every configuration, in table order; the last is the baseline of the ratio column. */
const CONFIGS = [
  "gradstream-blas",
  "gradstream-wasm",
  "gradstream-ts",
  "tfjs-cpu",
  "tfjs-wasm",
] as const;
type Config = typeof CONFIGS[number];
const BASELINE: Config = "tfjs-wasm";
/** Configurations timed over `--slow-steps`: seconds per step, not minutes per run. */
const SLOW: ReadonlySet<Config> = new Set<Config>(["tfjs-cpu"]);

const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new RangeError(`compare: unexpected argument ${a}`);
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
    throw new RangeError(`compare: --${name} must be an integer >= ${min}, got ${raw}`);
  }
  return v;
}

// ---------------------------------------------------------------- child: one configuration

async function runChild(config: Config, data: BenchData, options: RunOptions): Promise<RunResult> {
  if (config.startsWith("tfjs-")) {
    const { runTfjs } = await import("./_tfjs_mlp.ts");
    return await runTfjs(config === "tfjs-cpu" ? "cpu" : "wasm", data, options);
  }
  const { runGradstream } = await import("./_gradstream_mlp.ts");
  const backend = config.slice("gradstream-".length) as "blas" | "wasm" | "ts";
  return await runGradstream(backend, data, options);
}

async function child(args: Map<string, string>): Promise<void> {
  const config = args.get("child") as Config;
  const options = { warmup: intArg(args, "warmup", 10, 1), steps: intArg(args, "steps", 200, 1) };
  try {
    report(await runChild(config, readBenchData(args.get("data")!), options));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    report({ config, error } as RunResult);
  }
  // The wasm backends keep handles open (emscripten's process hooks); results are out.
  process.exit(0);
}

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

function spawnChild(config: Config, dataPath: string, options: RunOptions): RunResult {
  const rt = runtimeInfo();
  const self = [SCRIPT, "--child", config, "--data", dataPath];
  const more = ["--steps", String(options.steps), "--warmup", String(options.warmup)];
  const argv = rt.name === "deno" ? ["run", "-A", ...self, ...more] : [...self, ...more];
  const env = { ...process.env };
  if (config.startsWith("gradstream-")) env.GRADSTREAM_BACKEND = config.slice("gradstream-".length);
  const out = spawnSync(process.execPath, argv, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    timeout: 600_000,
  });
  const line = (out.stdout ?? "").split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (line !== undefined) return JSON.parse(line.slice(RESULT_MARK.length)) as RunResult;
  const tail = `${out.stderr ?? ""}${out.error?.message ?? ""}`.trim().split("\n").slice(-3);
  return { config, error: `exit ${out.status}: ${tail.join(" | ")}` } as RunResult;
}

function fmtInt(v: number): string {
  return Math.round(v).toLocaleString("en-US");
}

function printTable(results: readonly RunResult[]): void {
  const base = results.find((r) => r.config === BASELINE && r.error === undefined);
  const head = [
    "configuration",
    "backend",
    "steps",
    "samples/s",
    "(median step)",
    "peak RSS",
    `vs ${BASELINE}`,
    "loss first -> last",
  ];
  const rows = results.map((r) =>
    r.error !== undefined ? [r.config, `unavailable: ${r.error}`, "", "", "", "", "", ""] : [
      r.config,
      r.detail.replace(/, \/[^,)]*/g, ""), // library paths make the column too wide
      String(r.steps),
      fmtInt(r.samplesPerSecond),
      fmtInt(r.medianSamplesPerSecond),
      `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      base === undefined ? "-" : `${(r.samplesPerSecond / base.samplesPerSecond).toFixed(2)}x`,
      `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
    ]
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  for (const r of results) {
    if (r.stages === undefined || r.error !== undefined) continue;
    const { forward, backward, step } = r.stages;
    const pct = (s: number) => `${((100 * s) / r.seconds).toFixed(0)}%`;
    console.log(
      `${r.config} step time: forward ${pct(forward)}, backward (loss + VJP) ${pct(backward)}, ` +
        `optimiser ${pct(step)}, batching and loop ${pct(r.seconds - forward - backward - step)}`,
    );
  }
}

async function driver(args: Map<string, string>): Promise<void> {
  const steps = intArg(args, "steps", 200, 1);
  const slowSteps = intArg(args, "slow-steps", 30, 1);
  const warmup = intArg(args, "warmup", 10, 1);
  const examples = intArg(args, "examples", 8192, BATCH_SIZE);
  const only = args.get("only")?.split(",").filter((s) => s !== "");
  for (const c of only ?? []) {
    if (!(CONFIGS as readonly string[]).includes(c)) {
      throw new RangeError(`compare: unknown configuration ${c}; one of ${CONFIGS.join(", ")}`);
    }
  }
  const configs = CONFIGS.filter((c) => only === undefined || only.includes(c));

  const cpu = cpus();
  const data = await loadData(examples, args.has("synthetic"));
  console.log(
    `MLP ${LAYER_SIZES.join("-")} (ReLU, softmax cross-entropy), batch ${BATCH_SIZE}, ` +
      `Adam lr ${LEARNING_RATE}, float32`,
  );
  console.log(`runtime: ${runtimeInfo().line}; TensorFlow.js 4.22.0 (tfjs-core)`);
  console.log(`machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? "unknown CPU"}`);
  console.log(`data: ${data.source}`);
  console.log(
    `timing: ${steps} steps after ${warmup} warm-up steps` +
      (configs.some((c) => SLOW.has(c)) ? ` (${[...SLOW].join(", ")}: ${slowSteps} steps)` : "") +
      `; each configuration in its own subprocess; peak RSS includes the ${
        (data.x.byteLength / 2 ** 20).toFixed(1)
      } MiB dataset`,
  );
  console.log();

  const dir = mkdtempSync(join(tmpdir(), "gradstream-bench-"));
  const dataPath = join(dir, "data.bin");
  const results: RunResult[] = [];
  try {
    writeBenchData(dataPath, data);
    for (const config of configs) {
      const n = SLOW.has(config) ? slowSteps : steps;
      const w = SLOW.has(config) ? Math.min(warmup, 3) : warmup;
      const t0 = performance.now();
      const r = spawnChild(config, dataPath, { steps: n, warmup: w });
      const took = ((performance.now() - t0) / 1000).toFixed(1);
      console.error(
        `  ${config}: ${r.error ?? `${fmtInt(r.samplesPerSecond)} samples/s`} (${took} s)`,
      );
      results.push(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log();
  printTable(results);
}

const args = parseArgs(process.argv.slice(2));
if (args.has("child")) await child(args);
else await driver(args);
