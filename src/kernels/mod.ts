/**
 * Kernel backends and their selection.
 *
 * @module
 */

export type { BackendName, Kernels } from "./kernels.ts";
export { referenceGemm, referenceKernels } from "./reference.ts";
export { kernels, useBackend } from "./select.ts";
