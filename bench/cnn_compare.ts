/**
 * The CNN of issue 10 trained with each gradstream backend and, when Python with PyTorch is
 * installed, with PyTorch, one thread each, in one run: conv(5x5, 32, same)-relu-maxpool2-
 * conv(5x5, 64, same)-relu-maxpool2-flatten-dense(128)-relu-dense(10), batch 128, Adam 1e-3,
 * float32, 28x28x1 inputs (synthetic: speed does not depend on the pixels).
 *
 * ```sh
 * deno run -A bench/cnn_compare.ts                         # or: bun bench/cnn_compare.ts
 * deno run -A bench/cnn_compare.ts --steps 20 --only blas,torch --cpus 0
 * ```
 *
 * Each configuration runs in its own subprocess (so each peak RSS is its own), `--warmup N`
 * untimed steps (default 3) then `--steps N` timed ones (default 10); it prints samples/s, the
 * effective GFLOP/s (65.1 MFLOP per sample, forward and backward, counted below) and the peak
 * RSS. `--cpus LIST` pins every run with `taskset`. TensorFlow.js is not in the table yet: its
 * layers API cannot train a convolution on its wasm backend (tfjs issue 8474).
 *
 * Measured 2026-12-01 on this project's build machine (2 shared vCPUs, AMD EPYC, `--cpus 1`,
 * 3 warm-up + 10 timed steps, one round, so a rough figure): PyTorch 2.13 eager 559 samples/s
 * (36.4 GFLOP/s); gradstream blas 170 (Deno) / 181 (Bun), wasm 108 / 122: blas at 0.30x of
 * PyTorch, short of the target (at least as fast). One measurement of where time
 * goes (one batch, blas, a busy machine): the first convolution's im2col (one input channel,
 * so a short copy per tap) took 66 ms against 19 ms for its gemm; the second's took 64 ms.
 *
 * @module
 */

import process from "node:process";
import { spawnSync } from "node:child_process";
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
  maxPool2d,
  reluLayer,
  reshapeLayer,
  serial,
  softmaxCrossEntropy,
  step,
  uniform,
} from "../mod.ts";

const BATCH = 128;
const MARK = "@@cnn-bench ";

/** Multiply-adds (x2) per sample: forward, then dW for every layer and dx for all but the first. */
function flopsPerSample(): number {
  const conv1 = 28 * 28 * 32 * (5 * 5 * 1) * 2, conv2 = 14 * 14 * 64 * (5 * 5 * 32) * 2;
  const fc1 = 3136 * 128 * 2, fc2 = 128 * 10 * 2;
  const fwd = conv1 + conv2 + fc1 + fc2;
  return fwd + conv1 + 2 * (conv2 + fc1 + fc2);
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const steps = Number(flag("--steps", "10")), warmup = Number(flag("--warmup", "3"));

/** User and system CPU seconds of this process so far (a steadier clock on a shared core). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function child(name: "blas" | "wasm" | "ts"): Promise<void> {
  const model = serial(
    reshapeLayer([28, 28, 1]),
    conv2d(32, 5, { padding: "same" }),
    reluLayer(),
    maxPool2d(2),
    conv2d(64, 5, { padding: "same" }),
    reluLayer(),
    maxPool2d(2),
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
  const line = {
    config: `gradstream-${name}`,
    seconds,
    cpu,
    peak,
    detail: initial.backend.description,
  };
  console.log(MARK + JSON.stringify(line));
}

const TORCH = `
import json, resource, sys, time, torch
from torch import nn
torch.set_num_threads(1)
steps, warmup = int(sys.argv[1]), int(sys.argv[2])
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
  nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
  nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.rand(${BATCH}, 1, 28, 28); y = torch.arange(${BATCH}) % 10
for i in range(warmup + steps):
  if i == warmup: start, cpu0 = time.perf_counter(), time.process_time()
  opt.zero_grad(); nn.functional.cross_entropy(model(x), y).backward(); opt.step()
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("${MARK}" + json.dumps({"config": "pytorch-eager", "seconds": seconds, "cpu": cpu, "peak": peak,
  "detail": "PyTorch " + torch.__version__ + ", 1 thread"}))
`;

function run(command: string, argv: string[]): Record<string, unknown> | string {
  const cpus = flag("--cpus", "");
  const [cmd, full] = cpus === "" ? [command, argv] : ["taskset", ["-c", cpus, command, ...argv]];
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  const r = spawnSync(cmd, full, { encoding: "utf8", env, maxBuffer: 1 << 26 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith(MARK));
  if (line === undefined) {
    return `unavailable (${(r.stderr ?? String(r.error)).trim().split("\n").pop()})`;
  }
  return JSON.parse(line.slice(MARK.length));
}

async function main(): Promise<void> {
  const mode = flag("--child", "");
  if (mode !== "") return await child(mode as "blas");
  const only = flag("--only", "blas,wasm,torch").split(",");
  const known = ["blas", "wasm", "ts", "torch"];
  const unknown = only.filter((c) => !known.includes(c));
  if (unknown.length > 0) {
    throw new RangeError(`--only: unknown ${unknown.join(", ")} (expected ${known.join(", ")})`);
  }
  const self = fileURLToPath(import.meta.url);
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? [process.execPath, [self]]
    : [process.execPath, ["run", "-A", self]];
  const flops = flopsPerSample();
  console.log(
    `CNN of issue 10, batch ${BATCH}, ${warmup} warm-up + ${steps} timed steps, ` +
      `${(flops / 1e6).toFixed(1)} MFLOP per sample; ${new Date().toISOString().slice(0, 10)}`,
  );
  for (const config of only) {
    const r = config === "torch"
      ? run("python3", ["-c", TORCH, String(steps), String(warmup)])
      : run(runtime[0] as string, [
        ...(runtime[1] as string[]),
        "--child",
        config,
        "--steps",
        String(steps),
        "--warmup",
        String(warmup),
      ]);
    if (typeof r === "string") {
      console.log(`${config.padEnd(18)} ${r}`);
      continue;
    }
    const perSec = (steps * BATCH) / (r.seconds as number);
    const perCpu = r.cpu === undefined ? "" : `(${((steps * BATCH) / (r.cpu as number)).toFixed(1)} per CPU-s) `;
    console.log(
      `${String(r.config).padEnd(18)} ${perSec.toFixed(1).padStart(8)} samples/s ${perCpu}` +
        `${(perSec * flops / 1e9).toFixed(2).padStart(6)} GFLOP/s ` +
        `${((r.peak as number) / 2 ** 20).toFixed(0).padStart(6)} MiB peak  ${r.detail}`,
    );
  }
}

await main();
