/**
 * Backends: the kernels the primitives run on, as values (`gradstream/kernels`).
 *
 * A backend is chosen per model: pass one to `initTrain(..., { backend })`, `vjp`,
 * `valueAndGrad` or `untraced`; without one, {@linkcode defaultBackend} (picked once per
 * process: BLAS, then WebAssembly SIMD, then TypeScript, or `GRADSTREAM_BACKEND` first) is
 * used. A custom backend is any object implementing {@linkcode Backend}; the TypeScript
 * reference fills in the kernels it lacks.
 *
 * @example
 * ```ts
 * import { backend, chooseBackend, defaultBackend } from "./mod.ts";
 * const ts = backend("ts");
 * const out = new Float64Array(1);
 * ts.gemm(false, false, 1, 1, 2, new Float64Array([1, 2]), new Float64Array([3, 4]), out);
 * if (out[0] !== 11) throw new Error("unexpected");
 * // What automatic selection would pick, without changing anything.
 * const choice = chooseBackend(undefined);
 * if (typeof choice.kernels.gemm !== "function" || typeof defaultBackend().name !== "string") {
 *   throw new Error("unexpected");
 * }
 * ```
 *
 * @module
 */

export type {
  AdamApplyFreshKernel,
  AdamApplyKernel,
  AdamKernel,
  AdamScalars,
  AddRowsKernel,
  Backend,
  BackendName,
  BernoulliNllKernel,
  ColumnSumsKernel,
  GemmKernel,
  LstmGatesBackKernel,
  LstmGatesKernel,
  ReluBackKernel,
  ReluKernel,
  ReluMaxPoolKernel,
} from "./kernels.ts";
export type { FloatArray } from "../tensor.ts";
export {
  backend,
  BACKEND_ORDER,
  type BackendChoice,
  type BackendProbe,
  chooseBackend,
  defaultBackend,
  probeBackend,
} from "./select.ts";
export { tsKernels } from "./ts_gemm.ts";
export { referenceKernels } from "./reference.ts";
export { type BlasOptions, defaultBlasPaths, loadBlasKernels } from "./blas.ts";
export { loadWasmKernels, type WasmKernelOptions } from "./wasm_kernels.ts";
