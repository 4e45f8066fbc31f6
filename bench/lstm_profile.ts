/**
 * Where the LSTM of `bench/lstm_compare.ts` spends a training step: the fused `lstmSequence`
 * forward and pullback at the bench's shapes (batch 128, 28 steps of 28 features, 128 units,
 * float32), the gemms it makes timed alone, and one whole training step; medians of
 * `--rounds` (default 9), in process CPU time. A diagnostic for work on the recurrent layers, not a comparison.
 *
 * ```sh
 * OPENBLAS_NUM_THREADS=1 taskset -c 1 deno run -A bench/lstm_profile.ts --backend blas
 * OPENBLAS_NUM_THREADS=1 taskset -c 1 bun bench/lstm_profile.ts --backend blas
 * ```
 *
 * @module
 */

import process from "node:process";
import { backend, dense, key, lstm, serial, type Tensor, uniform } from "../mod.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { trainContext } from "../src/layers/layer.ts";
import { fromTypedArray } from "../src/tensor.ts";
import { CLASSES, FEATURES, HIDDEN, TIME_STEPS } from "./_lstm_shape.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const be: Backend = backend(flag("--backend", "blas") as "blas");
const rounds = Number(flag("--rounds", "9"));
const B = 128, T = TIME_STEPS, F = FEATURES, H = HIDDEN, G = 4 * H;

const rand = (shape: number[], seed: number): Tensor =>
  uniform(key(seed), shape, { min: -0.3, max: 0.3 });
const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
// Process CPU time (user + system), not wall-clock: on a machine shared with other jobs it
// still counts only this process's work (one thread: OPENBLAS_NUM_THREADS=1).
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const ms = (f: () => void) => {
  const all: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = cpuMs();
    f();
    all.push(cpuMs() - t0);
  }
  return median(all);
};
const row = (what: string, t: number) =>
  console.log(`${what.padEnd(44)} ${t.toFixed(2).padStart(8)} ms`);

const x = rand([B, T, F], 1), w = rand([F, G], 2), u = rand([H, G], 3), b = rand([G], 4);
const seq = PRIMITIVES.lstmSequence;
let y: Tensor | undefined;
// The forward alone: no pullback runs, so no workspace goes back to the pool and each round
// writes fresh memory, unlike a training step (the last row).
row(
  "lstmSequence forward",
  ms(() => {
    y = seq.run(be, x, undefined, w, u, b)[0];
  }),
);
const dy = fromTypedArray(
  new Float32Array((y as Tensor).data.length).fill(0.01),
  (y as Tensor).shape,
);
// Each pullback after a forward of its own: the forward's workspace goes back to a pool when
// its pullback has run, and a second run of one pullback computes the forward again.
const pullbacks: number[] = [];
for (let r = 0; r < rounds; r++) {
  const pullback = seq.run(be, x, undefined, w, u, b)[1]!;
  const t0 = cpuMs();
  pullback(dy, [false, false, true, true, true]);
  pullbacks.push(cpuMs() - t0);
}
row("lstmSequence pullback (w, u, b)", median(pullbacks));

const a = new Float32Array(B * H), bu = u.data, out = new Float32Array(B * G);
row(
  `${T} gemms h·U [${B},${H}]x[${H},${G}]`,
  ms(() => {
    for (let s = 0; s < T; s++) be.gemm(false, false, B, G, H, a, bu, out);
  }),
);
const dz = new Float32Array(B * G), dh = new Float32Array(B * H);
row(
  `${T} gemms dz·Uᵀ [${B},${G}]x[${G},${H}]`,
  ms(() => {
    for (let s = 0; s < T; s++) be.gemm(false, true, B, H, G, dz, bu, dh);
  }),
);
const xs = new Float32Array(B * T * F), zx = new Float32Array(B * T * G);
row(
  `gemm X·W [${B * T},${F}]x[${F},${G}]`,
  ms(() => be.gemm(false, false, B * T, G, F, xs, w.data, zx)),
);
const hs = new Float32Array(B * T * H), du = new Float32Array(H * G);
row(
  `gemm Hᵀ·dZ [${H},${B * T}]x[${B * T},${G}]`,
  ms(() => be.gemm(true, false, H, G, B * T, hs, zx, du)),
);
const dw = new Float32Array(F * G);
row(
  `gemm Xᵀ·dZ [${F},${B * T}]x[${B * T},${G}]`,
  ms(() => be.gemm(true, false, F, G, B * T, xs, zx, dw)),
);

const model = serial(lstm(H, { output: "last" }), dense(CLASSES));
const { params, state } = model.init(key(0), [T, F]);
const labels = fromTypedArray(Float32Array.from({ length: B }, (_, i) => i % CLASSES), [B]);
row(
  "training step (forward, loss, pullback)",
  ms(() => {
    const tr = new Trace(be);
    tr.watch(params);
    const out = model.apply(tr.ops, params, state, x, trainContext(key(1)));
    const loss = softmaxCrossEntropy(tr.ops, out.y as Tensor, labels);
    tr.pullback(loss, fromTypedArray(new Float32Array([1]), []), params);
  }),
);
