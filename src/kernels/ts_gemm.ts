/**
 * The fast plain-TypeScript gemm: the `ts` backend, for when neither BLAS nor WebAssembly
 * can be used (and the WebAssembly backend's fallback for operands past 2 GiB).
 *
 * It is the GotoBLAS loop nest scaled down to what a JavaScript JIT keeps in registers:
 * `op(A)` and `op(B)` are packed (once per cache block) into zero-padded float64 panels, so
 * the four transpose variants and both dtypes share one micro-kernel, and a 3×4 tile of
 * accumulators runs down `k` in plain locals. Packing to float64 also means float32 inputs
 * are converted once, not once per multiply, and accumulate in double precision.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import type { Backend, GemmKernel } from "./kernels.ts";
import { checkGemmArgs } from "./check_gemm.ts";

/** Rows and columns of the register tile. */
const MR = 3;
const NR = 4;
/** Depth of a packed block: a 4×KC panel of B stays in L1. */
const KC = 256;
/** Rows of A per packed block (a multiple of MR): MC×KC doubles stay in L2. */
const MC = 66;
/** Columns of B per packed block, which bounds the scratch at KC×NC doubles (4 MiB). */
const NC = 2048;

// Scratch panels, allocated once and reused: packing must not allocate per call. Lazily,
// so that importing the module costs nothing when another backend is in use.
let packedA: Float64Array | undefined;
let packedB: Float64Array | undefined;

/** Packs rows `[i0, i0+mc)` × depths `[p0, p0+kc)` of `op(A)` into MR-row panels. */
function packA(
  a: FloatArray,
  rs: number,
  cs: number,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
): void {
  const dst = packedA!;
  let d = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = mc - i < MR ? mc - i : MR;
    let src = (i0 + i) * rs + p0 * cs;
    if (rows === MR) {
      for (let p = 0; p < kc; p++, src += cs, d += MR) {
        dst[d] = a[src];
        dst[d + 1] = a[src + rs];
        dst[d + 2] = a[src + 2 * rs];
      }
    } else {
      for (let p = 0; p < kc; p++, src += cs, d += MR) {
        for (let r = 0; r < MR; r++) dst[d + r] = r < rows ? a[src + r * rs] : 0;
      }
    }
  }
}

/** Packs depths `[p0, p0+kc)` × columns `[j0, j0+nc)` of `op(B)` into NR-column panels. */
function packB(
  b: FloatArray,
  rs: number,
  cs: number,
  p0: number,
  kc: number,
  j0: number,
  nc: number,
): void {
  const dst = packedB!;
  let d = 0;
  for (let j = 0; j < nc; j += NR) {
    const cols = nc - j < NR ? nc - j : NR;
    let src = p0 * rs + (j0 + j) * cs;
    if (cols === NR) {
      for (let p = 0; p < kc; p++, src += rs, d += NR) {
        dst[d] = b[src];
        dst[d + 1] = b[src + cs];
        dst[d + 2] = b[src + 2 * cs];
        dst[d + 3] = b[src + 3 * cs];
      }
    } else {
      for (let p = 0; p < kc; p++, src += rs, d += NR) {
        for (let c = 0; c < NR; c++) dst[d + c] = c < cols ? b[src + c * cs] : 0;
      }
    }
  }
}

/**
 * `out[rows×cols tile at o] += Apanel · Bpanel` over `kc` steps. Twelve accumulators in
 * locals: 3×4 measured a little faster than 4×4 (whose sixteen the JIT partly spills) under
 * both V8 and JavaScriptCore.
 */
function microKernel(
  kc: number,
  pa: Float64Array,
  ia: number,
  pb: Float64Array,
  ib: number,
  out: FloatArray,
  o: number,
  ldc: number,
  rows: number,
  cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  for (let p = 0; p < kc; p++, ia += MR, ib += NR) {
    const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3];
    let a = pa[ia];
    c00 += a * b0;
    c01 += a * b1;
    c02 += a * b2;
    c03 += a * b3;
    a = pa[ia + 1];
    c10 += a * b0;
    c11 += a * b1;
    c12 += a * b2;
    c13 += a * b3;
    a = pa[ia + 2];
    c20 += a * b0;
    c21 += a * b1;
    c22 += a * b2;
    c23 += a * b3;
  }
  if (rows === MR && cols === NR) {
    out[o] += c00, out[o + 1] += c01, out[o + 2] += c02, out[o + 3] += c03;
    o += ldc;
    out[o] += c10, out[o + 1] += c11, out[o + 2] += c12, out[o + 3] += c13;
    o += ldc;
    out[o] += c20, out[o + 1] += c21, out[o + 2] += c22, out[o + 3] += c23;
    return;
  }
  // A ragged edge: write only the rows and columns that exist.
  addRow(out, o, cols, c00, c01, c02, c03);
  if (rows > 1) addRow(out, o + ldc, cols, c10, c11, c12, c13);
  if (rows > 2) addRow(out, o + 2 * ldc, cols, c20, c21, c22, c23);
}

function addRow(
  out: FloatArray,
  o: number,
  cols: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
): void {
  out[o] += v0;
  if (cols > 1) out[o + 1] += v1;
  if (cols > 2) out[o + 2] += v2;
  if (cols > 3) out[o + 3] += v3;
}

/**
 * `out = op(a) · op(b)` with packing and register tiling, in plain TypeScript. Same contract
 * as {@linkcode referenceGemm}: row-major, `out` (length ≥ m·n) overwritten.
 *
 * @example
 * ```ts
 * import { tsGemm } from "./ts_gemm.ts";
 * // [1 2; 3 4] · [5; 6] = [17; 39]
 * const out = new Float32Array(2);
 * tsGemm(false, false, 2, 1, 2, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6]), out);
 * if (out[0] !== 17 || out[1] !== 39) throw new Error("unexpected");
 * ```
 */
export const tsGemm: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
  out.fill(0, 0, m * n);
  if (m === 0 || n === 0 || k === 0) return;
  // op(A)(i,p) = a[i*rsA + p*csA]; op(B)(p,j) = b[p*rsB + j*csB].
  const rsA = transA ? 1 : k, csA = transA ? m : 1;
  const rsB = transB ? 1 : n, csB = transB ? k : 1;
  packedA ??= new Float64Array(MC * KC);
  packedB ??= new Float64Array(KC * NC);
  const pa = packedA, pb = packedB;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = n - j0 < NC ? n - j0 : NC;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = k - p0 < KC ? k - p0 : KC;
      packB(b, rsB, csB, p0, kc, j0, nc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = m - i0 < MC ? m - i0 : MC;
        packA(a, rsA, csA, i0, mc, p0, kc);
        for (let j = 0; j < nc; j += NR) {
          const cols = nc - j < NR ? nc - j : NR;
          const o = i0 * n + j0 + j;
          for (let i = 0; i < mc; i += MR) {
            const rows = mc - i < MR ? mc - i : MR;
            microKernel(kc, pa, i * kc, pb, j * kc, out, o + i * n, n, rows, cols);
          }
        }
      }
    }
  }
};

const checkedTsGemm: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
  checkGemmArgs(m, n, k, a, b, out, "gemm");
  tsGemm(transA, transB, m, n, k, a, b, out);
};

/**
 * The `ts` backend: {@linkcode tsGemm} behind argument checks.
 *
 * @example
 * ```ts
 * import { tsKernels } from "./ts_gemm.ts";
 * const out = new Float64Array(1);
 * tsKernels.gemm(true, true, 1, 1, 2, new Float64Array([1, 2]), new Float64Array([3, 4]), out);
 * if (out[0] !== 11) throw new Error("unexpected");
 * ```
 */
export const tsKernels: Backend = Object.freeze({
  name: "ts" as const,
  description: "ts (plain TypeScript, 3×4 register tiles, 1 thread)",
  gemm: checkedTsGemm,
});
