/**
 * The WebAssembly kernels of particular layers, on the instance of `wasm_kernels.ts` and its
 * memory: the CNN's fused rectifier and 2x2 max pool (`pool_wat.ts`), the VAE's Bernoulli
 * likelihood (`bernoulli_wat.ts`) and the LSTM's gates (`lstm_wat.ts`). Each copies its inputs
 * in from the heap's base, runs, and copies its outputs out; each returns false (the caller's
 * TypeScript loop runs) where the memory cannot hold its arrays.
 *
 * @module
 */

import type {
  BernoulliNllKernel,
  LstmGatesBackKernel,
  LstmGatesKernel,
  ReluMaxPoolKernel,
} from "./kernels.ts";
import { checkElementwise, checkLstm } from "./check_wasm.ts";
import { align16, MAX_BYTES } from "./wasm_memory.ts";
import { BERNOULLI_WAT_OVERRUN } from "./wasm/bernoulli_wat.ts";
import { GEMM_WASM_HEAP_BASE } from "./wasm/gemm_wasm.ts";

/** The instance's memory as the kernels see it: views made afresh after a grow. */
export interface Heap {
  readonly f32: () => Float32Array;
  readonly f64: () => Float64Array;
  /** Grows the memory to at least `bytes`; false when the engine refuses. */
  readonly reserve: (bytes: number) => boolean;
}

/** The layer kernels over `exports` (an instance of the kernels module) and its `heap`. */
export function layerKernels(exports: WebAssembly.Exports, heap: Heap): {
  reluMaxPool2x2: ReluMaxPoolKernel;
  bernoulliNll: BernoulliNllKernel;
  lstmGates: LstmGatesKernel;
  lstmGatesBack: LstmGatesBackKernel;
} {
  const reluMaxPoolF32 = exports.relu_max_pool_2x2_f32 as (
    ...args: [batch: number, h: number, w: number, c: number, x: number, o: number, a: number]
  ) => void;
  const bernoulliNllF32 = exports.bernoulli_nll_f32 as (...rowsColsAddresses: number[]) => number;
  type LstmExport = (batch: number, units: number, ...addresses: number[]) => void;
  const lstmForwardF32 = exports.lstm_forward_f32 as LstmExport;
  const lstmBackwardF32 = exports.lstm_backward_f32 as LstmExport;

  // The fused rectifier and 2x2 pool: the CNN's pool after each convolution, several times
  // faster in SIMD than the JavaScript loop even with the copies in and out.
  const reluMaxPool2x2: ReluMaxPoolKernel = (x, batch, h, w, c, out, arg) => {
    const n = batch * (h >> 1) * (w >> 1) * c;
    if (
      !(x instanceof Float32Array) || !(out instanceof Float32Array) ||
      !(arg instanceof Int32Array) || x.length !== batch * h * w * c || out.length !== n ||
      arg.length !== n
    ) {
      throw new TypeError("reluMaxPool2x2 kernel: expects float32 [batch, h, w, c] and outputs");
    }
    const at = GEMM_WASM_HEAP_BASE, oAt = align16(at + x.length * 4);
    const aAt = align16(oAt + n * 4), end = aAt + n * 4;
    if (end > MAX_BYTES || !heap.reserve(end)) return false;
    heap.f32().set(x, at >> 2);
    reluMaxPoolF32(batch, h, w, c, at, oAt, aAt);
    out.set(heap.f32().subarray(oAt >> 2, (oAt >> 2) + n));
    arg.set(new Int32Array(heap.f32().buffer, aAt, n));
    return true;
  };

  // The Bernoulli likelihood: exp and log1p four lanes at a time in float32, where the
  // JavaScript loop spends about 10 ns an element on its double-precision polynomials. Each
  // region has bytes to spare: a row's last vectors read and write past it.
  const bernoulliNll: BernoulliNllKernel = (z, t, rows, cols, sums, d) => {
    const n = rows * cols;
    checkElementwise("bernoulliNll", [z, t, d]);
    if (z.length !== n || !(sums instanceof Float64Array) || sums.length < rows) {
      throw new TypeError("bernoulliNll kernel: expects rows × cols float32 arrays and the sums");
    }
    const span = align16(n * 4 + BERNOULLI_WAT_OVERRUN);
    const zAt = GEMM_WASM_HEAP_BASE, tAt = zAt + span, dAt = tAt + span, sAt = dAt + span;
    if (sAt + rows * 8 > MAX_BYTES || !heap.reserve(sAt + rows * 8)) return false;
    heap.f32().set(z, zAt >> 2);
    heap.f32().set(t, tAt >> 2);
    if (bernoulliNllF32(rows, cols, zAt, tAt, sAt, dAt) !== 1) return false;
    d.set(heap.f32().subarray(dAt >> 2, (dAt >> 2) + n));
    sums.set(heap.f64().subarray(sAt >> 3, (sAt >> 3) + rows));
    return true;
  };

  /**
   * Copies `inputs` in from the heap's base, one after another, runs `kernel` on their
   * addresses and those of `outputs` after them, and copies the outputs out; false when they
   * do not fit.
   */
  function staged(
    inputs: readonly Float32Array[],
    outputs: readonly Float32Array[],
    kernel: (addresses: readonly number[]) => void,
  ): boolean {
    const at: number[] = [];
    let end = GEMM_WASM_HEAP_BASE;
    for (const a of [...inputs, ...outputs]) {
      at.push(end);
      end = align16(end + a.length * 4);
    }
    if (end > MAX_BYTES || !heap.reserve(end)) return false;
    inputs.forEach((a, i) => heap.f32().set(a, at[i] >> 2));
    kernel(at);
    outputs.forEach((a, i) => {
      const from = at[inputs.length + i] >> 2;
      a.set(heap.f32().subarray(from, from + a.length));
    });
    return true;
  }

  // The LSTM cell's gates in float32 SIMD (lstm_wat.ts), with the copies 2-3x the TypeScript
  // loop's speed (CPU time, 28 steps of [128, 128], Deno and Bun); false (the caller runs that
  // loop) where the arrays do not fit.
  const lstmGates: LstmGatesKernel = (zx, zh, c, batch, units, hOut, cOut, keep) => {
    checkLstm("lstmGates", batch, units, [zx, zh], [c, hOut, cOut], keep);
    return staged([zx, zh, c], [hOut, cOut, keep], (a) => lstmForwardF32(batch, units, ...a));
  };
  const lstmGatesBack: LstmGatesBackKernel = (dh, dc, c, keep, batch, units, dz, dcPrev) => {
    checkLstm("lstmGatesBack", batch, units, [dz], [dh, dc, c, dcPrev], keep);
    return staged([dh, dc, c, keep], [dz, dcPrev], (a) => lstmBackwardF32(batch, units, ...a));
  };

  return { reluMaxPool2x2, bernoulliNll, lstmGates, lstmGatesBack };
}
