/**
 * `deno bench -A bench/kernels_bench.ts`: each gemm backend at the square sizes and the MLP's
 * forward and backward shapes, grouped by shape with BLAS as the baseline, and the Adam step
 * of each backend against the TypeScript loop. For GFLOP/s in one table, run
 * `bench/gemm_gflops.ts`.
 *
 * @module
 */

import type { AdamKernel, Backend } from "../src/kernels/kernels.ts";
import { adamTs } from "../src/kernels/adam_ts.ts";
import { probeBackend } from "../src/kernels/select.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { referenceKernels } from "../src/kernels/reference.ts";
import { filled, GEMM_SHAPES } from "./gemm_gflops.ts";

const available = (name: "blas" | "wasm" | "ts"): Backend | undefined => {
  const p = probeBackend(name);
  return p.ok ? p.kernels : undefined;
};
const plain = (() => {
  try {
    return loadWasmKernels({ relaxed: false });
  } catch {
    return undefined;
  }
})();

const backends: [string, Backend | undefined][] = [
  ["blas", available("blas")],
  ["wasm", available("wasm")],
  ["wasm plain", plain],
  ["ts", available("ts")],
  ["reference", referenceKernels],
];

for (const f64 of [false, true]) {
  const T = f64 ? Float64Array : Float32Array;
  for (const s of GEMM_SHAPES) {
    // float64 only at the MLP's first-layer shape: the gradient checker's dtype, not a model's.
    if (f64 && s.label !== GEMM_SHAPES[3].label) continue;
    const a = filled(T, s.m * s.k), b = filled(T, s.k * s.n), out = new T(s.m * s.n);
    const flops = 2 * s.m * s.n * s.k;
    const group = `${s.label} ${f64 ? "f64" : "f32"}`;
    for (const [label, kern] of backends) {
      const slow = label === "ts" || label === "reference";
      Deno.bench({
        name: `${label} ${group}`,
        group,
        baseline: label === "blas",
        // The scalar kernels take a second or more at 1024³; a few samples are enough.
        ignore: kern === undefined || (label === "reference" && flops > 2 ** 28),
        n: slow && flops > 2 ** 26 ? 5 : undefined,
        warmup: slow && flops > 2 ** 26 ? 1 : undefined,
        fn: () => kern!.gemm(s.transA, s.transB, s.m, s.n, s.k, a, b, out),
      });
    }
  }
}

// The Adam step over the MLP's largest leaf (784×256 weights), as the `adamMoments` step of
// the optimiser runs it: each backend's kernel against the TypeScript loop.
{
  const n = 784 * 256;
  const group = `adam 784×256 f32`;
  const g = filled(Float32Array, n), m0 = filled(Float32Array, n);
  const v0 = filled(Float32Array, n).map(Math.abs);
  const m1 = new Float32Array(n), v1 = new Float32Array(n), out = new Float32Array(n);
  const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };
  const adams: [string, AdamKernel | undefined][] = [
    ["wasm", available("wasm")?.adam],
    ["wasm plain", plain?.adam],
    ["typescript loop", adamTs],
  ];
  for (const [label, adam] of adams) {
    Deno.bench({
      name: `${label} ${group}`,
      group,
      baseline: label === "typescript loop",
      ignore: adam === undefined,
      fn: () => adam!(g, m0, v0, m1, v1, out, s),
    });
  }
}
