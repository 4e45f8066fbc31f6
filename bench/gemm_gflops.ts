/**
 * GFLOP/s of every gemm backend side by side, as a table.
 *
 * ```sh
 * deno run -A bench/gemm_gflops.ts          # float32
 * deno run -A bench/gemm_gflops.ts --f64    # float64
 * deno run -A bench/gemm_gflops.ts --conv   # and the CNN's first-layer kernel gradient
 * bun bench/gemm_gflops.ts                  # the same under Bun
 * ```
 *
 * Each cell is the best of several timed rounds of about 0.2 s (at least 2 calls), after one
 * warm-up call; `2·m·n·k` flops per call. `blas` runs with the backend's default thread count
 * (one fewer than the cores, see `src/kernels/blas_threads.ts`); `blas Nt` pins OpenBLAS to
 * all N cores for its column and restores the default after.
 *
 * @module
 */

import type { Backend } from "../src/kernels/kernels.ts";
import { loadBlasKernels } from "../src/kernels/blas.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { tsKernels } from "../src/kernels/ts_gemm.ts";
import { referenceKernels } from "../src/kernels/reference.ts";

/** A benchmarked product: `op(A)[m×k] · op(B)[k×n]`. */
export interface GemmShape {
  readonly label: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

const shape = (label: string, m: number, n: number, k: number, transA = false, transB = false) =>
  ({ label, m, n, k, transA, transB }) as const;

/** Square sizes and the MLP's (784-256-128-10, batch 128) forward and backward products. */
export const GEMM_SHAPES: readonly GemmShape[] = [
  shape("128³", 128, 128, 128),
  shape("512³", 512, 512, 512),
  shape("1024³", 1024, 1024, 1024),
  shape("x·W1 128×784·784×256", 128, 256, 784),
  shape("xᵀ·dy 784×128·128×256 (dW1)", 784, 256, 128, true, false),
  shape("dy·W1ᵀ 128×256·256×784 (dx)", 128, 784, 256, false, true),
  shape("h·W2 128×256·256×128", 128, 128, 256),
  shape("h·W3 128×128·128×10", 128, 10, 128),
];

/**
 * The MNIST CNN's first layer's kernel gradient, `colsᵀ·dy` (25 taps, 32 channels), over one
 * image's 784 positions and over the 41,552 of a 53-image chunk: why `_conv_one_channel.ts`
 * takes one image a product. Timed with `--conv` (the ts and reference columns skipped).
 */
export const CONV_SHAPES: readonly GemmShape[] = [
  shape("conv1 dW, 1 image 25×784·784×32", 25, 32, 784),
  shape("conv1 dW, 53 images 25×41552·41552×32", 25, 32, 41552),
];

/** Fills with values in [-1, 1) from a fixed xorshift, so runs are comparable. */
export function filled(T: Float32ArrayConstructor | Float64ArrayConstructor, n: number) {
  const data = new T(n);
  let s = 0x2545f491;
  for (let i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    data[i] = (s >>> 0) / 2147483648 - 1;
  }
  return data;
}

function gflops(kern: Backend, s: GemmShape, f64: boolean): number {
  const T = f64 ? Float64Array : Float32Array;
  const a = filled(T, s.m * s.k), b = filled(T, s.k * s.n), out = new T(s.m * s.n);
  const call = () => kern.gemm(s.transA, s.transB, s.m, s.n, s.k, a, b, out);
  call();
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (calls < 2 || t - t0 < 200) {
      call();
      calls++;
      t = performance.now();
    }
    best = Math.min(best, (t - t0) / calls);
  }
  return (2 * s.m * s.n * s.k) / (best * 1e6);
}

function tryLoad(make: () => Backend): Backend | undefined {
  try {
    return make();
  } catch (e) {
    console.error(`(skipped: ${(e as Error).message})`);
    return undefined;
  }
}

if (import.meta.main) {
  const args: string[] = typeof Deno !== "undefined"
    ? Deno.args
    : (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const f64 = args.includes("--f64"), conv = args.includes("--conv");
  const shapes = conv ? [...GEMM_SHAPES, ...CONV_SHAPES] : GEMM_SHAPES;
  const blas = tryLoad(() => loadBlasKernels());
  const cores = navigator.hardwareConcurrency;
  // Each column's kernels are loaded when its turn comes: the thread count is process-wide.
  const columns: [string, () => Backend | undefined, (() => void)?][] = [
    ["blas", () => blas],
    [`blas ${cores}t`, () => blas && tryLoad(() => loadBlasKernels({ threads: cores })), () => {
      tryLoad(() => loadBlasKernels());
    }],
    ["wasm relaxed", () => tryLoad(() => loadWasmKernels({ relaxed: true }))],
    ["wasm plain", () => tryLoad(() => loadWasmKernels({ relaxed: false }))],
    ["ts", () => tsKernels],
    ["reference", () => referenceKernels],
  ];
  const runtime = typeof Deno !== "undefined" ? `Deno ${Deno.version.deno}` : "Bun";
  console.log(`gemm GFLOP/s, ${f64 ? "float64" : "float32"}, ${runtime}`);
  if (blas) console.log(blas.description);
  const width = Math.max(...shapes.map((s) => s.label.length));
  console.log(["shape".padEnd(width), ...columns.map(([c]) => c.padStart(12))].join(" "));
  const rows = shapes.map((s) => [s.label.padEnd(width)]);
  // Column by column, so that pinning OpenBLAS's threads affects only its own column.
  for (const [, load, restore] of columns) {
    const kern = load();
    shapes.forEach((s, i) => {
      const slow = (kern === referenceKernels && s.m * s.n * s.k > 2 ** 28) ||
        (i >= GEMM_SHAPES.length && (kern === tsKernels || kern === referenceKernels));
      const cell = kern === undefined ? "n/a" : slow ? "-" : gflops(kern, s, f64).toFixed(1);
      rows[i].push(cell.padStart(12));
    });
    restore?.();
  }
  for (const row of rows) console.log(row.join(" "));
}
