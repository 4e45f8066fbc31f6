/**
 * One OpenBLAS thread against two, side by side in one process, at the MLP's gemm shapes
 * (784-256-128-10, batch 128): each call alone, then a whole step's products with JavaScript
 * work between them (the optimiser's loop), which is where idle worker threads spinning
 * between calls can cost the JavaScript thread its core.
 *
 * ```sh
 * deno run -A bench/blas_threads.ts      # or: bun bench/blas_threads.ts
 * ```
 *
 * Rounds alternate between the settings (`openblas_set_num_threads`, process-wide), so a
 * shared machine's load falls on both alike; each line is the median over rounds. Process CPU
 * time per step is also printed; it includes the worker's spinning, which outlasts a switch to
 * one thread by some tens of milliseconds, so the one-thread rounds carry some of it too (for
 * a clean figure per setting, run `bench/step_split.ts` with `OPENBLAS_NUM_THREADS` set).
 *
 * @module
 */

import process from "node:process";
import { loadBlasKernels } from "../src/kernels/blas.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { filled, GEMM_SHAPES, type GemmShape } from "./gemm_gflops.ts";

const MLP_SHAPES = GEMM_SHAPES.filter((s) => !s.label.endsWith("³"));
const ROUNDS = 15;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Milliseconds per call of one shape, over `calls` calls. */
function timeShape(kern: Backend, s: GemmShape, calls: number): number {
  const a = filled(Float32Array, s.m * s.k), b = filled(Float32Array, s.k * s.n);
  const out = new Float32Array(s.m * s.n);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) kern.gemm(s.transA, s.transB, s.m, s.n, s.k, a, b, out);
  return (performance.now() - t0) / calls;
}

/** An Adam-sized JavaScript loop (one sqrt and one division per element). */
function jsWork(n: number, g: Float32Array | Float64Array, out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = g[i] * g[i] + 1e-3;
    out[i] = g[i] / (Math.sqrt(v) + 1e-8);
  }
}

/** One step's products, each followed by JS work as in a training step: [wall ms, cpu ms, js ms]. */
function timeStep(kern: Backend, steps: number): [number, number, number] {
  const bufs = MLP_SHAPES.map((s) => ({
    s,
    a: filled(Float32Array, s.m * s.k),
    b: filled(Float32Array, s.k * s.n),
    out: new Float32Array(s.m * s.n),
  }));
  const n = 784 * 256;
  const g = filled(Float32Array, n), w = new Float32Array(n);
  let js = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    for (const { s, a, b, out } of bufs) kern.gemm(s.transA, s.transB, s.m, s.n, s.k, a, b, out);
    const j0 = performance.now();
    jsWork(n, g, w);
    js += performance.now() - j0;
  }
  const wall = (performance.now() - t0) / steps;
  const cpu = process.cpuUsage(cpu0);
  return [wall, (cpu.user + cpu.system) / 1000 / steps, js / steps];
}

const one = loadBlasKernels({ threads: 1 });
const settings: [string, () => Backend][] = [
  ["1 thread", () => loadBlasKernels({ threads: 1 })],
  ["2 threads", () => loadBlasKernels({ threads: 2 })],
];
console.log(one.description.replace(/, 1 thread/, ""));
const shapeTimes = settings.map(() => MLP_SHAPES.map(() => [] as number[]));
const stepTimes = settings.map(() => [[], [], []] as number[][]);
for (let round = 0; round < ROUNDS; round++) {
  settings.forEach(([, load], i) => {
    const kern = load();
    MLP_SHAPES.forEach((s, j) => shapeTimes[i][j].push(timeShape(kern, s, 20)));
    timeStep(kern, 2); // let the new setting settle
    timeStep(kern, 20).forEach((v, k) => stepTimes[i][k].push(v));
  });
}
const width = Math.max(...MLP_SHAPES.map((s) => s.label.length));
console.log(["ms per call".padEnd(width), ...settings.map(([l]) => l.padStart(10))].join(" "));
MLP_SHAPES.forEach((s, j) =>
  console.log(
    [
      s.label.padEnd(width),
      ...settings.map((_, i) => median(shapeTimes[i][j]).toFixed(3).padStart(10)),
    ]
      .join(" "),
  )
);
for (const [k, label] of ["step wall ms", "step CPU ms (all threads)", "JS loop ms"].entries()) {
  console.log(
    [
      label.padEnd(width),
      ...settings.map((_, i) => median(stepTimes[i][k]).toFixed(3).padStart(10)),
    ]
      .join(" "),
  );
}
