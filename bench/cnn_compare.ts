/**
 * The CNN of issue 10 trained with each gradstream backend beside TensorFlow.js 4.22 (cpu and
 * wasm) and, when Python has them, PyTorch eager and JAX `jit`, one thread each, in one run:
 * conv(5x5, 32, same)-relu-maxpool2-conv(5x5, 64, same)-relu-maxpool2-flatten-dense(128)-relu-
 * dense(10), batch 128, Adam 1e-3, float32, 28x28x1 inputs (synthetic: speed does not depend
 * on the pixels). gradstream's model writes each conv-relu-maxpool block as one layer,
 * `conv2d(f, 5, { padding: "same", reluMaxPool: 2 })` (the fused `conv2dReluMaxPool`
 * primitive: the same function and gradient as `conv2d`, `reluLayer()` and `maxPool2d(2)`,
 * tested bit for bit, without the convolution's full-size output as a tensor); the other
 * libraries run their own conv, relu and pool.
 *
 * ```sh
 * OPENBLAS_NUM_THREADS=1 deno run -A bench/cnn_compare.ts --rounds 3 --cpus 1
 * deno run -A bench/cnn_compare.ts --steps 20 --only blas,torch --cpus 0
 * bun bench/cnn_compare.ts --only blas,wasm
 * ```
 *
 * Each configuration runs in its own subprocess (so each peak RSS is its own): `--warmup N`
 * untimed steps (default 3), then `--steps N` timed ones (default 10); TensorFlow.js's cpu
 * backend, at a few samples per second, runs `--tfjs-cpu-steps N` (default 1) with no warm-up.
 * `--rounds N` repeats the list N times, interleaved, and shows medians. `--cpus LIST` pins every
 * run with `taskset`; `--only` picks from blas, wasm, ts, tfjs-wasm, tfjs-cpu, torch, jax, or
 * the table's names for them (gradstream-blas, pytorch-eager, jax-jit, ...); default all but
 * ts. Columns: samples/s (wall clock), samples per CPU-second (steadier when
 * other processes share the core), effective GFLOP/s (65.1 MFLOP per sample, forward and
 * backward, counted below, over wall time) and peak RSS (the kernel's high-water mark).
 * TensorFlow.js trains through its core ops with a hand-made filter gradient
 * (`bench/_tfjs_cnn.ts`: its wasm backend has no `Conv2DBackpropFilter`, tfjs issue 8474);
 * PyTorch and JAX: `bench/_python_cnn.py`.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { lastValueFrom, take, tap } from "rxjs";
import {
  adam,
  backend,
  backward,
  batches,
  conv2d,
  dense,
  fit,
  flatten,
  forward,
  fromTypedArray,
  initTrain,
  key,
  reluLayer,
  reshapeLayer,
  serial,
  softmaxCrossEntropy,
  step,
  uniform,
} from "../mod.ts";
import { highWaterMark } from "./_common.ts";
import { Args } from "./_compare_child.ts";
import { selfCommand, spawnMarked } from "./_rounds.ts";
import { runTfjsCnn, type TfjsBackend } from "./_tfjs_cnn.ts";

const BATCH = 128;
const MARK = "@@cnn-bench ";

/** Multiply-adds (x2) per sample: forward, then dW for every layer and dx for all but the first. */
function flopsPerSample(): number {
  const conv1 = 28 * 28 * 32 * (5 * 5 * 1) * 2, conv2 = 14 * 14 * 64 * (5 * 5 * 32) * 2;
  const fc1 = 3136 * 128 * 2, fc2 = 128 * 10 * 2;
  const fwd = conv1 + conv2 + fc1 + fc2;
  return fwd + conv1 + 2 * (conv2 + fc1 + fc2);
}

const args = new Args("cnn_compare", process.argv.slice(2));
// The tfjs-cpu child runs with --warmup 0.
const steps = args.int("steps", 10), warmup = args.int("warmup", 3, 0);
const rounds = args.int("rounds", 1), cpuSteps = args.int("tfjs-cpu-steps", 1);

/** User and system CPU seconds of this process so far (a steadier clock on a shared core). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function child(name: "blas" | "wasm" | "ts"): Promise<void> {
  const model = serial(
    reshapeLayer([28, 28, 1]),
    conv2d(32, 5, { padding: "same", reluMaxPool: 2 }),
    conv2d(64, 5, { padding: "same", reluMaxPool: 2 }),
    flatten(),
    dense(128),
    reluLayer(),
    dense(10),
  );
  const n = 8 * BATCH;
  const labels = Float32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  const data = { x: uniform(key(1), [n, 784]), y: fromTypedArray(labels, [n]) };
  const optimizer = adam(1e-3);
  const initial = initTrain(model, optimizer, key(0), [784], { backend: backend(name) });
  let start = 0, peak = 0, done = 0, cpu0 = 0;
  await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: BATCH, epochs: 1e6 }),
      forward(model),
      backward(softmaxCrossEntropy),
      step(optimizer),
    ).pipe(
      take(warmup + steps),
      tap(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
        if (++done === warmup) {
          start = performance.now();
          cpu0 = cpuSeconds();
        }
      }),
    ),
  );
  const seconds = (performance.now() - start) / 1000, cpu = cpuSeconds() - cpu0;
  peak = peakRss(peak);
  const line = {
    config: `gradstream-${name}`,
    seconds,
    cpu,
    peak,
    detail: initial.backend.description,
  };
  console.log(MARK + JSON.stringify(line));
}

function run(command: readonly string[]): Record<string, unknown> | string {
  const { result, out } = spawnMarked(command, {
    pin: args.get("cpus") || undefined,
    env: { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
    timeout: null,
    mark: MARK,
    maxBuffer: 1 << 26,
  });
  if (result === undefined) {
    return `unavailable (${(out.stderr ?? String(out.error)).trim().split("\n").pop()})`;
  }
  return result as Record<string, unknown>;
}

/** Peak RSS of this process: the kernel's high-water mark where there is one, else `sampled`. */
function peakRss(sampled: number): number {
  return Math.max(sampled, highWaterMark() ?? 0);
}

async function tfjsChild(backend: TfjsBackend): Promise<void> {
  const r = await runTfjsCnn(backend, BATCH, steps, warmup);
  const peak = peakRss(process.memoryUsage().rss);
  console.log(MARK + JSON.stringify({ config: `tfjs-${backend}`, ...r, peak }));
}

const KNOWN = ["blas", "wasm", "ts", "tfjs-wasm", "tfjs-cpu", "torch", "jax"] as const;
/** The names the results table prints, accepted by `--only` too. */
const TABLE_NAMES: Record<string, (typeof KNOWN)[number]> = {
  "gradstream-blas": "blas",
  "gradstream-wasm": "wasm",
  "gradstream-ts": "ts",
  "pytorch-eager": "torch",
  "jax-jit": "jax",
};

/** One configuration in its own subprocess: its result line, or why it did not run. */
function measure(config: string, self: string): Record<string, unknown> | string {
  // tfjs cpu trains this CNN at well under one sample per second: one timed step, no warm-up.
  const [s, w] = config === "tfjs-cpu" ? [cpuSteps, 0] : [steps, warmup];
  if (config === "torch" || config === "jax") {
    const script = fileURLToPath(new URL("./_python_cnn.py", import.meta.url));
    return run(["python3", script, config, String(s), String(w)]);
  }
  return run([...selfCommand(self), "--child", config, "--steps", `${s}`, "--warmup", `${w}`]);
}

async function main(): Promise<void> {
  const mode = args.get("child") ?? "";
  if (mode.startsWith("tfjs-")) return await tfjsChild(mode.slice(5) as TfjsBackend);
  if (mode !== "") return await child(mode as "blas");
  const only = args.list("only", KNOWN, KNOWN.filter((c) => c !== "ts"), TABLE_NAMES);
  const self = fileURLToPath(import.meta.url);
  const flops = flopsPerSample();
  console.log(
    `CNN of issue 10, batch ${BATCH}, ${warmup} warm-up + ${steps} timed steps ` +
      `(tfjs-cpu: ${cpuSteps}), ${rounds} interleaved round(s), medians; ` +
      `${(flops / 1e6).toFixed(1)} MFLOP per sample; ${new Date().toISOString().slice(0, 10)}`,
  );
  const results = new Map<string, Record<string, unknown>[]>();
  const failed = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const config of only) {
      if (failed.has(config)) continue;
      const r = measure(config, self);
      if (typeof r === "string") failed.set(config, r);
      else results.set(config, [...(results.get(config) ?? []), r]);
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[(xs.length - 1) >> 1];
  console.log(
    `${"config".padEnd(16)} ${"samples/s".padStart(9)} ${"per CPU-s".padStart(9)} ` +
      `${"GFLOP/s".padStart(7)} ${"peak MiB".padStart(8)}  detail`,
  );
  for (const config of only) {
    const rs = results.get(config);
    if (rs === undefined) {
      console.log(`${config.padEnd(16)} ${failed.get(config)}`);
      continue;
    }
    const n = config === "tfjs-cpu" ? cpuSteps : steps;
    const perSec = median(rs.map((r) => (n * BATCH) / (r.seconds as number)));
    const perCpu = median(rs.map((r) => (n * BATCH) / (r.cpu as number)));
    const peak = median(rs.map((r) => r.peak as number));
    console.log(
      `${String(rs[0].config).padEnd(16)} ${perSec.toFixed(1).padStart(9)} ` +
        `${perCpu.toFixed(1).padStart(9)} ${(perSec * flops / 1e9).toFixed(2).padStart(7)} ` +
        `${(peak / 2 ** 20).toFixed(0).padStart(8)}  ${rs[0].detail}`,
    );
  }
}

await main();
