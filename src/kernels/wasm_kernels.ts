/**
 * The WebAssembly SIMD backend: for runtimes or permissions without FFI, single-threaded.
 *
 * The module (source: `wasm/gemm_wat.ts`, bytes: `wasm/gemm_wasm.ts`) is compiled once,
 * synchronously, from bytes embedded in the code, so no file is read, and instantiated twice:
 * once for the gemm and once for the Adam kernels, whose memory keeps the optimiser's arrays
 * between steps (`wasm_adam.ts`). Each gemm copies the operands into its instance's memory, runs
 * the kernel there and copies the product out; the memory grows to the largest call seen and
 * stays at that size. Both dtypes run in SIMD
 * (f32x4 and f64x2). A call whose operands would not fit 2 GiB of wasm memory, or for which
 * the engine refuses to grow the memory, falls back to the plain TypeScript kernel.
 *
 * @module
 */

import { align16, MAX_BYTES, PAGE } from "./wasm_memory.ts";
import type {
  AddRowsKernel,
  Backend,
  ColumnSumsKernel,
  GemmKernel,
  ReluBackKernel,
  ReluKernel,
} from "./kernels.ts";
import { reluBackTs, reluTs } from "./relu_ts.ts";
import { addRowsTs, columnSumsTs } from "./rows_ts.ts";
import { checkGemmArgs } from "./check_gemm.ts";
import { checkElementwise, checkRows } from "./check_wasm.ts";
import { checkBoolean, checkOptions } from "../_checks.ts";
import { tsGemm } from "./ts_gemm.ts";
import { wasmAdam } from "./wasm_adam.ts";
import { layerKernels } from "./wasm_layer_kernels.ts";
import {
  GEMM_WASM_HEAP_BASE,
  GEMM_WASM_PLAIN,
  GEMM_WASM_RELAXED,
  GEMM_WASM_WORK_BYTES,
} from "./wasm/gemm_wasm.ts";

/** Options of {@linkcode loadWasmKernels}. */
export interface WasmKernelOptions {
  /**
   * `true`: require the relaxed-SIMD module, whose `relaxed_madd` V8 fuses into one FMA and
   * JavaScriptCore runs as a multiply and an add, so float32 products differ in their last bits
   * between Deno and Bun (and Adam carries that on into visibly different parameters): faster
   * under Deno, not reproducible across runtimes. `false` or omitted: plain SIMD (a multiply,
   * then an add), the same bits on every engine.
   */
  readonly relaxed?: boolean;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

type GemmExport = (
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  a: number,
  b: number,
  c: number,
  work: number,
) => void;

/**
 * Instantiates the WebAssembly gemm and returns it as a backend. Throws an `Error` saying why
 * when this engine has no WebAssembly or no SIMD (or no relaxed SIMD, when required).
 *
 * @example
 * ```ts
 * import { loadWasmKernels } from "./wasm_kernels.ts";
 * const wasm = loadWasmKernels();
 * const out = new Float32Array(1);
 * wasm.gemm(false, false, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), out);
 * if (out[0] !== 11) throw new Error("unexpected");
 * ```
 */
export function loadWasmKernels(options: WasmKernelOptions = {}): Backend {
  checkOptions("loadWasmKernels", options);
  if (options.relaxed !== undefined) checkBoolean("loadWasmKernels", "relaxed", options.relaxed);
  if (typeof WebAssembly !== "object" || typeof WebAssembly.Module !== "function") {
    throw new Error("this runtime has no WebAssembly");
  }
  const relaxed = options.relaxed ?? false;
  const bytes = decodeBase64(relaxed ? GEMM_WASM_RELAXED : GEMM_WASM_PLAIN);
  if (relaxed && !WebAssembly.validate(bytes)) {
    throw new Error("this engine lacks WebAssembly relaxed SIMD");
  }
  if (!WebAssembly.validate(bytes)) throw new Error("this engine lacks WebAssembly SIMD");
  const module = new WebAssembly.Module(bytes);
  const exports = new WebAssembly.Instance(module, {}).exports;
  const memory = exports.memory as WebAssembly.Memory;
  const gemmF32 = exports.gemm_f32 as GemmExport;
  const gemmF64 = exports.gemm_f64 as GemmExport;
  const reluF32 = exports.relu_f32 as (n: number, x: number, y: number) => void;
  const reluBackF32 = exports.relu_back_f32 as (
    n: number,
    x: number,
    g: number,
    dx: number,
  ) => void;
  type RowsExport = (n: number, units: number, m: number, other: number) => void;
  const addRowsF32 = exports.add_rows_f32 as RowsExport;
  const columnSumsF32 = exports.column_sums_f32 as RowsExport;
  // The Adam kernels on an instance of their own, whose memory keeps the optimiser's arrays
  // between steps (see wasm_adam.ts) where the gemm's operands would overwrite them.
  const { adam, adamApply, adamApplyFresh } = wasmAdam(module);
  let heap32 = new Float32Array(memory.buffer);
  let heap64 = new Float64Array(memory.buffer);

  /** Grows the memory to at least `bytes`; false when the engine refuses the memory. */
  function reserve(bytes: number): boolean {
    const have = memory.buffer.byteLength;
    if (have < bytes) {
      try {
        memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return false;
      }
    }
    if (heap32.buffer !== memory.buffer) {
      // Growing detaches the old buffer; views must be made afresh.
      heap32 = new Float32Array(memory.buffer);
      heap64 = new Float64Array(memory.buffer);
    }
    return true;
  }

  const gemm: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
    checkGemmArgs(m, n, k, a, b, out, "gemm");
    const mn = m * n;
    if (mn === 0) return;
    if (k === 0) {
      out.fill(0, 0, mn);
      return;
    }
    const f64 = out instanceof Float64Array;
    const size = f64 ? 8 : 4;
    const la = m * k, lb = k * n;
    const offA = GEMM_WASM_HEAP_BASE;
    const offB = align16(offA + la * size);
    const offC = align16(offB + lb * size);
    const work = align16(offC + mn * size);
    if (work + GEMM_WASM_WORK_BYTES > MAX_BYTES || !reserve(work + GEMM_WASM_WORK_BYTES)) {
      tsGemm(transA, transB, m, n, k, a, b, out);
      return;
    }
    const heap = f64 ? heap64 : heap32;
    const shift = f64 ? 3 : 2;
    heap.set(a.length === la ? a : a.subarray(0, la), offA >> shift);
    heap.set(b.length === lb ? b : b.subarray(0, lb), offB >> shift);
    (f64 ? gemmF64 : gemmF32)(+transA, +transB, m, n, k, offA, offB, offC, work);
    out.set(heap.subarray(offC >> shift, (offC >> shift) + mn));
  };

  /**
   * Copies `inputs` (float32, one length) in from the heap's base, runs `kernel` on their
   * addresses and the output's, and copies the output out; false when they do not fit.
   */
  function elementwise(
    inputs: readonly Float32Array[],
    out: Float32Array,
    kernel: (n: number, addresses: readonly number[]) => void,
  ): boolean {
    const n = out.length;
    const span = align16(n * 4);
    const end = GEMM_WASM_HEAP_BASE + (inputs.length + 1) * span;
    if (end > MAX_BYTES || !reserve(end)) return false;
    const at = inputs.map((_, i) => GEMM_WASM_HEAP_BASE + i * span);
    inputs.forEach((a, i) => heap32.set(a, at[i] >> 2));
    const to = GEMM_WASM_HEAP_BASE + inputs.length * span;
    kernel(n, [...at, to]);
    out.set(heap32.subarray(to >> 2, (to >> 2) + n));
    return true;
  }

  // The rectifier's loops run in SIMD on the bits: with the copies in and out, about 3x faster
  // than the JavaScript loops under V8 (float32 [128, 256]).
  const relu: ReluKernel = (x, y) => {
    checkElementwise("relu", [x, y]);
    if (!elementwise([x], y, (n, [ax, ay]) => reluF32(n, ax, ay))) reluTs(x, y);
  };
  const reluBack: ReluBackKernel = (x, g, dx) => {
    checkElementwise("reluBack", [x, g, dx]);
    if (!elementwise([x, g], dx, (n, [ax, ag, ad]) => reluBackF32(n, ax, ag, ad))) {
      reluBackTs(x, g, dx);
    }
  };

  // linear's bias loops, likewise: the bias added to a product in place, and the bias
  // cotangent's column sums in double, in row order (the same bits as rows_ts.ts).
  const addRows: AddRowsKernel = (m, b, n, units) => {
    checkRows("addRows", m, n, units, b.length === units && b instanceof Float32Array);
    const at = GEMM_WASM_HEAP_BASE, bAt = align16(at + n * units * 4), end = bAt + units * 4;
    if (end > MAX_BYTES || !reserve(end)) return addRowsTs(m, b, n, units);
    heap32.set(m.subarray(0, n * units), at >> 2);
    heap32.set(b, bAt >> 2);
    addRowsF32(n, units, at, bAt);
    m.set(heap32.subarray(at >> 2, (at >> 2) + n * units));
  };
  const columnSums: ColumnSumsKernel = (m, n, units, sums) => {
    checkRows("columnSums", m, n, units, sums.length >= units && sums instanceof Float64Array);
    const at = GEMM_WASM_HEAP_BASE, sAt = align16(at + n * units * 4), end = sAt + units * 8;
    if (end > MAX_BYTES || !reserve(end)) return columnSumsTs(m, n, units, sums);
    heap32.set(m.subarray(0, n * units), at >> 2);
    columnSumsF32(n, units, at, sAt);
    sums.set(heap64.subarray(sAt >> 3, (sAt >> 3) + units));
  };

  // The kernels of particular layers (the CNN's pool, the VAE's likelihood, the LSTM's gates)
  // on the same instance and memory.
  const { reluMaxPool2x2, bernoulliNll, lstmGates, lstmGatesBack } = layerKernels(exports, {
    f32: () => heap32,
    f64: () => heap64,
    reserve,
  });

  const flavour = relaxed ? "relaxed-SIMD FMA, 6×8 f32 tiles" : "SIMD mul+add, 4×8 f32 tiles";
  return Object.freeze({
    name: "wasm" as const,
    description: `wasm (WebAssembly ${flavour}, 1 thread)`,
    gemm,
    adam,
    adamApply,
    adamApplyFresh,
    relu,
    reluBack,
    reluMaxPool2x2,
    addRows,
    columnSums,
    bernoulliNll,
    lstmGates,
    lstmGatesBack,
  });
}
