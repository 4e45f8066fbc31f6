/**
 * The reference kernels in plain TypeScript: the definition every faster backend is tested
 * against, and the fallback when neither BLAS nor WebAssembly is available.
 *
 * @module
 */

import type { Backend, GemmKernel } from "./kernels.ts";
import { checkGemmArgs } from "./check_gemm.ts";

/**
 * `out = op(a) · op(b)` in plain TypeScript. The loops run i-p-j so the innermost loop walks
 * `b` and `out` contiguously; transposed operands are read with strides.
 */
export const referenceGemm: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i] : a[i * k + p];
      if (aip === 0) continue;
      if (transB) {
        for (let j = 0; j < n; j++) out[row + j] += aip * b[j * k + p];
      } else {
        const brow = p * n;
        for (let j = 0; j < n; j++) out[row + j] += aip * b[brow + j];
      }
    }
  }
};

const checkedReferenceGemm: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
  checkGemmArgs(m, n, k, a, b, out, "gemm");
  referenceGemm(transA, transB, m, n, k, a, b, out);
};

/** The plain TypeScript backend (its `gemm` checks its arguments, then runs `referenceGemm`). */
export const referenceKernels: Backend = Object.freeze({
  name: "ts" as const,
  description: "ts (plain TypeScript reference kernels)",
  gemm: checkedReferenceGemm,
});
