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
 * The scalars of one Adam step (see {@linkcode Kernels.adam}): decay rates `b1`, `b2`, the
 * bias corrections `c1 = 1/(1 - b1^t)`, `c2 = 1/(1 - b2^t)`, `eps`, and `post`, the factor
 * applied last (the learning rate and sign when fused with it, else 1).
 */
export interface AdamScalars {
  /** Decay rate of the first moment. */
  readonly b1: number;
  /** Decay rate of the second moment. */
  readonly b2: number;
  /** First-moment bias correction, `1/(1 - b1^t)` at step `t`. */
  readonly c1: number;
  /** Second-moment bias correction, `1/(1 - b2^t)`. */
  readonly c2: number;
  /** Added to `√v̂` before dividing. */
  readonly eps: number;
  /** The factor applied last: the negated learning rate when fused with it, else 1. */
  readonly post: number;
}

/**
 * The signature of {@linkcode Kernels.gemm}: `out[m×n] = op(a) · op(b)`, where `op(a)` is
 * `m×k` (stored `k×m` when `transA`) and `op(b)` is `k×n` (stored `n×k` when `transB`).
 */
export type GemmKernel = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
) => void;

/** The signature of {@linkcode Kernels.adam}. */
export type AdamKernel = (
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  p: FloatArray | undefined,
  m1: FloatArray,
  v1: FloatArray,
  out: FloatArray,
  s: AdamScalars,
) => void;

/**
 * A kernel backend. Arrays are row-major; `a`, `b` and `out` share one element type.
 * Kernels write only into their output arrays, which the caller has freshly allocated.
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
  gemm: GemmKernel;
  /**
   * One Adam step over a leaf, element by element (optional: without it the TypeScript loop
   * of `adam_ts.ts` runs): `m1 = b1·m0 + (1 - b1)·g`, `v1 = b2·v0 + (1 - b2)·g²` and
   * `out = [p +] (m1·c1) / (√(v1·c2) + eps) · post`, `p` added when given. Every array has
   * `g`'s length; `m1`, `v1` and `out` are overwritten. A backend may compute float32 leaves
   * in float32 arithmetic (the TypeScript loop rounds only when it stores), so results can
   * differ from it by a few units in the last place; float64 leaves must match it exactly.
   */
  adam?: AdamKernel;
}
