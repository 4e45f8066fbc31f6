/**
 * The floors under the speed targets of `bench/compare.ts`, `bench/vae_compare.ts` and
 * `bench/lstm_compare.ts`: what a step of those models cannot go below with this runtime, this
 * machine and the kernels gradstream has, measured part by part in process CPU time (medians).
 * A diagnostic for deciding where speed work can still pay, not a comparison.
 *
 * 1. Fresh memory: a new typed array of each size, allocated and written once, against writing
 *    an array made earlier. Tensors are immutable, so every output of a step is a fresh array.
 * 2. The WebAssembly LSTM gate kernels with nothing copied (the raw exports over the module's
 *    memory) and through `Backend.lstmGates` (copies in and out), per cell of a step.
 * 3. One Adam step over the leaves of the MLP and of the VAE: the wasm kernel with its arrays
 *    resident (`Backend.adamApplyFresh`: the gradient copied in, three outputs copied out)
 *    against the TypeScript loop writing fresh arrays.
 *
 * ```sh
 * OPENBLAS_NUM_THREADS=1 taskset -c 1 deno run -A bench/floors.ts
 * OPENBLAS_NUM_THREADS=1 taskset -c 1 bun bench/floors.ts
 * ```
 *
 * @module
 */

import process from "node:process";
import { backend } from "../src/kernels/select.ts";
import { adamApplyTs } from "../src/kernels/adam_ts.ts";
import { GEMM_WASM_PLAIN } from "../src/kernels/wasm/gemm_wasm.ts";
import { runtimeInfo } from "./_common.ts";
import type { FloatArray } from "../src/tensor.ts";

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Median CPU milliseconds of `f` over `reps` calls, after `reps / 4` untimed ones. */
function median(reps: number, f: () => void): number {
  for (let i = 0; i < reps >> 2; i++) f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = cpuMs();
    f();
    t.push(cpuMs() - t0);
  }
  return t.sort((a, b) => a - b)[reps >> 1];
}
const fixed = (x: number, d = 3) => x.toFixed(d).padStart(8);

console.log(`${runtimeInfo().line}; floors of a training step, CPU time, medians`);

// 1. Fresh memory. Arrays stay reachable a few calls (as a step's outputs do), then die.
console.log("\nfresh array vs reused, written once (GB/s of the bytes written)");
console.log("size          fresh    reused   fresh/reused");
const live: Float32Array[] = [];
for (const kib of [64, 256, 1024, 4096, 16384]) {
  // Enough arrays per timing for it to span milliseconds.
  const n = kib * 256, count = Math.max(1, 16384 / kib), reused = new Float32Array(n);
  const fresh = median(60, () => {
    for (let k = 0; k < count; k++) {
      const a = new Float32Array(n).fill(1);
      live.push(a);
      if (live.length > 8) live.shift();
    }
  });
  const again = median(60, () => {
    for (let k = 0; k < count; k++) reused.fill(1);
  });
  const gbs = (ms: number) => (count * n * 4) / ms / 1e6;
  console.log(
    `${String(kib).padStart(6)} KiB ${fixed(gbs(fresh), 1)} ${fixed(gbs(again), 1)} ${
      fixed(again / fresh, 2)
    }x`,
  );
}
live.length = 0;

// 2. The LSTM gates of lstm_compare's step: batch 128, 128 units, 28 steps.
const B = 128, H = 128, cells = B * H, T = 28;
const bytes = Uint8Array.from(atob(GEMM_WASM_PLAIN), (c) => c.charCodeAt(0));
const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
const memory = exports.memory as WebAssembly.Memory;
type Gates = (batch: number, units: number, ...addresses: number[]) => void;
const plane = cells * 4, at = memory.buffer.byteLength; // above what the module uses itself
memory.grow(Math.ceil((16 * plane) / 65536) + 1);
const heap = new Float32Array(memory.buffer);
for (let i = at >> 2; i < heap.length; i++) heap[i] = Math.sin(i) * 2;
// Planes of batch·units floats. Forward: zx (4), zh (4), c, h', c', keep (5). Backward: dh,
// dc, c, keep (5), dz (4), dc'. No output feeds an input, so every call sees the same values.
const planes = (...first: number[]) => first.map((q) => at + q * plane);
const layout: Record<string, number[]> = {
  lstm_forward_f32: planes(0, 4, 8, 9, 10, 11),
  lstm_backward_f32: planes(0, 1, 2, 3, 8, 12),
};
const raw = (name: string) => {
  const f = exports[name] as Gates, addresses = layout[name];
  return median(40, () => {
    for (let s = 0; s < T; s++) f(B, H, ...addresses);
  });
};
const be = backend("blas");
if (!be.lstmGates || !be.lstmGatesBack || !be.adamApplyFresh) {
  throw new Error(`floors: ${be.description} lacks the WebAssembly kernels this bench times`);
}
const zx = new Float32Array(4 * cells).fill(0.3), zh = zx.slice(), c = new Float32Array(cells);
const h1 = new Float32Array(cells), c1 = new Float32Array(cells);
const keep = new Float32Array(5 * cells).fill(0.5), dz = new Float32Array(4 * cells);
const dcPrev = new Float32Array(cells);
const staged = (back: boolean) =>
  median(40, () => {
    for (let s = 0; s < T; s++) {
      if (back) be.lstmGatesBack!(h1, c1, c, keep, B, H, dz, dcPrev);
      else be.lstmGates!(zx, zh, c, B, H, h1, c1, keep);
    }
  });
console.log(`\nLSTM gates, ${T} steps of [${B}, ${H}] (ms a sequence, ns a cell)`);
for (
  const [what, ms] of [
    ["forward, raw kernel", raw("lstm_forward_f32")],
    ["forward, Backend.lstmGates (copies)", staged(false)],
    ["backward, raw kernel", raw("lstm_backward_f32")],
    ["backward, Backend.lstmGatesBack", staged(true)],
  ] as const
) {
  console.log(`${what.padEnd(38)} ${fixed(ms, 2)} ms ${fixed((ms * 1e6) / (T * cells), 2)} ns`);
}

// 3. Adam over a model's leaves, float32: the step's optimiser stage without the tree walk.
const scalars = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };
const models: Record<string, number[]> = {
  "MLP 784-256-128-10": [784 * 256, 256, 256 * 128, 128, 128 * 10, 10],
  "VAE 784-400-20-400-784": [784 * 400, 400, 400 * 40, 40, 20 * 400, 400, 400 * 784, 784],
};
console.log("\nAdam, one step over every leaf (ms)");
for (const [name, sizes] of Object.entries(models)) {
  const grads = sizes.map((n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e-2));
  const run = (wasm: boolean) => {
    const fresh = (n: number): FloatArray[] => [0.1, 0, 0].map((v) => new Float32Array(n).fill(v));
    let st = sizes.map(fresh);
    return median(200, () => {
      st = st.map(([p, m, v], i) => {
        if (!wasm) {
          const n = sizes[i], out = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
          adamApplyTs(p, grads[i], m, v, out[1], out[2], out[0], scalars, -1e-3);
          return out;
        }
        const made = be.adamApplyFresh!(p, grads[i], m, v, scalars, -1e-3);
        // Not a silent fall back to the loop: that would time the other row.
        if (made === undefined) throw new Error(`floors: leaf ${i} of ${name} did not fit`);
        return [...made];
      });
    });
  };
  const params = sizes.reduce((a, b) => a + b);
  console.log(
    `${name.padEnd(24)} ${params} params: wasm resident ${fixed(run(true))}  TypeScript ${
      fixed(run(false))
    }`,
  );
}
