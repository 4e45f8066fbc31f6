/**
 * Kernel backends and their selection.
 *
 * @module
 */

export type { AdamKernel, AdamScalars, BackendName, GemmKernel, Backend } from "./kernels.ts";
export { adamTs } from "./adam_ts.ts";
export { referenceGemm, referenceKernels } from "./reference.ts";
export { tsGemm, tsKernels } from "./ts_gemm.ts";
export { type BlasOptions, defaultBlasPaths, loadBlasKernels } from "./blas.ts";
export { loadWasmKernels, type WasmKernelOptions } from "./wasm_kernels.ts";
export { checkGemmArgs } from "./check_gemm.ts";
export {
  BACKEND_ORDER,
  type BackendChoice,

  type BackendProbe,
  chooseBackend,
  backend,
  defaultBackend,
  kernels,
  probeBackend,

} from "./select.ts";
