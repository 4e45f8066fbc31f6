/**
 * The hot loops behind one small interface, chosen once per process.
 *
 * The plain TypeScript kernels in `reference.ts` define the results; every faster backend
 * (BLAS through FFI, WebAssembly SIMD) is tested against them.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";

/** The names of the available backends, fastest first. */
export type BackendName = "blas" | "wasm" | "ts";

/**
 * A kernel backend. Arrays are row-major; `a`, `b` and `out` share one element type.
 * Kernels write only into `out`, which the caller has freshly allocated.
 */
export interface Kernels {
  /** Which backend this is. */
  readonly name: BackendName;
  /** One line for progress headers, e.g. `blas (OpenBLAS 0.3.21, 2 threads)`. */
  readonly description: string;
  /**
   * General matrix multiply: `out[m×n] = op(a) · op(b)`, where `op(a)` is `m×k` (stored
   * `k×m` when `transA`) and `op(b)` is `k×n` (stored `n×k` when `transB`). `out` is
   * overwritten.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: FloatArray,
    b: FloatArray,
    out: FloatArray,
  ): void;
}
