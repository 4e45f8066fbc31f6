/**
 * Where one training step of the CNN of issue 10 spends its time: each primitive at the
 * model's shapes (batch 128), forward and pullback timed separately on one backend, median of
 * `--rounds` (default 5), in CPU time (`process.cpuUsage`: steadier than the wall clock when
 * other processes share the core). A diagnostic for work on the convolution, not a comparison.
 *
 * ```sh
 * OPENBLAS_NUM_THREADS=1 taskset -c 1 deno run -A bench/cnn_profile.ts --backend blas
 * ```
 *
 * @module
 */

import process from "node:process";
import { backend, fromTypedArray, key, type Tensor, uniform } from "../mod.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import type { Backend } from "../src/kernels/kernels.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const be: Backend = backend(flag("--backend", "blas") as "blas");
const rounds = Number(flag("--rounds", "5"));
const B = 128;

const rand = (shape: number[], seed: number): Tensor =>
  uniform(key(seed), shape, { min: -1, max: 1 });
const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];

// deno-lint-ignore no-explicit-any
type Run = (backend: Backend, ...args: any[]) => readonly [Tensor, any];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
function time(name: string, run: Run, inputs: unknown[], needs: boolean[]): number {
  const fwd: number[] = [], bwd: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = cpuMs();
    const [y, back] = run(be, ...inputs);
    fwd.push(cpuMs() - t0);
    const dy = fromTypedArray(new Float32Array(y.data.length).fill(0.5), y.shape);
    t0 = cpuMs();
    back(dy, needs);
    bwd.push(cpuMs() - t0);
  }
  const f = median(fwd), b = median(bwd);
  console.log(
    `${name.padEnd(28)} fwd ${f.toFixed(1).padStart(7)} ms  back ${b.toFixed(1).padStart(7)} ms`,
  );
  return f + b;
}

const P = PRIMITIVES as unknown as Record<string, { run: Run }>;
const same = { padding: "same" };
let total = 0;
const x1 = rand([B, 28, 28, 1], 1), w1 = rand([5, 5, 1, 32], 2), b1 = rand([32], 3);
const y1 = rand([B, 28, 28, 32], 4), p1 = rand([B, 14, 14, 32], 5);
const w2 = rand([5, 5, 32, 64], 6), b2 = rand([64], 7), y2 = rand([B, 14, 14, 64], 8);
const f1 = rand([B, 3136], 9), wd = rand([3136, 128], 10);
total += time("conv1+bias (dW, db)", P.conv2dBias.run, [x1, w1, b1, same], [false, true, true]);
total += time("relu+maxpool 1", P.reluMaxPool2d.run, [y1, { size: 2 }], [true]);
total += time("conv2+bias", P.conv2dBias.run, [p1, w2, b2, same], [true, true, true]);
total += time("relu+maxpool 2", P.reluMaxPool2d.run, [y2, { size: 2 }], [true]);
const dense = time("dense 3136x128 (matmul)", P.matmul.run, [f1, wd], [true, true]);
total += dense;
console.log(`total ${total.toFixed(1)} ms per step, the blocks as separate primitives`);
// The blocks as the bench's model runs them: the fused conv2dReluMaxPool.
const pool2 = { size: 2 };
let fusedTotal = time("conv1+relu+pool (fused)", P.conv2dReluMaxPool.run, [
  x1,
  w1,
  b1,
  same,
  pool2,
], [false, true, true]);
fusedTotal += time("conv2+relu+pool (fused)", P.conv2dReluMaxPool.run, [p1, w2, b2, same, pool2], [
  true,
  true,
  true,
]);
fusedTotal += dense; // the same dense layer, timed above
console.log(`total ${fusedTotal.toFixed(1)} ms per step, fused (${be.description})`);
