/**
 * The BLAS backend: OpenBLAS's `cblas_sgemm`/`cblas_dgemm` through the runtime's FFI
 * (`Deno.dlopen` under Deno, `bun:ffi` under Bun), with typed arrays passed zero-copy.
 *
 * The library is looked up in the usual install locations (Debian/Ubuntu's
 * `libopenblas0-pthread`, Fedora, Homebrew, then the loader's own search path), or at the
 * path in `GRADSTREAM_BLAS_LIB`. OpenMP builds of OpenBLAS are skipped: one crashed under
 * Deno's FFI in an earlier trial, and where they ran they were several times slower on two
 * threads at the MLP's sizes than the pthread build. On macOS the Accelerate framework's
 * CBLAS is the last resort.
 *
 * @module
 */

import type { Backend, GemmKernel } from "./kernels.ts";
import { defaultBlasThreads } from "./blas_threads.ts";
import { checkGemmArgs } from "./check_gemm.ts";
import { checkInteger, checkOptions, describeValue } from "../_checks.ts";
import { readEnv } from "./env.ts";
import { type Binding, opener, PermissionDenied } from "./blas_ffi.ts";

export { NoFfiError } from "./blas_ffi.ts";

/** Options of {@linkcode loadBlasKernels}. */
export interface BlasOptions {
  /** Library paths to try, in order (default: the usual locations for this platform). */
  readonly paths?: readonly string[];
  /**
   * Threads for OpenBLAS (`openblas_set_num_threads`, a process-wide setting). Default: one
   * fewer than the machine has cores, at least one, unless `OPENBLAS_NUM_THREADS`,
   * `GOTO_NUM_THREADS` or `OMP_NUM_THREADS` is set (then OpenBLAS's own reading of it). Why,
   * with measurements: `blas_threads.ts`.
   */
  readonly threads?: number;
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/**
 * The usual places of a pthread OpenBLAS (or another CBLAS), most specific first.
 *
 * @example
 * ```ts
 * import { defaultBlasPaths } from "./blas.ts";
 * if (!defaultBlasPaths().some((p) => p.includes("openblas"))) throw new Error("unexpected");
 * ```
 */
export function defaultBlasPaths(): string[] {
  const paths: string[] = [];
  for (const arch of ["x86_64", "aarch64", "powerpc64le", "s390x", "riscv64"]) {
    paths.push(`/usr/lib/${arch}-linux-gnu/openblas-pthread/libopenblas.so.0`);
  }
  paths.push(
    "/usr/lib64/libopenblasp.so.0", // Fedora's pthread build
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
    "/usr/local/lib/libopenblas.so.0",
    "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
    "libopenblas.so.0",
    "libopenblas.dll",
    "/System/Library/Frameworks/Accelerate.framework/Accelerate",
  );
  return paths;
}

function describe(binding: Binding, path: string): string {
  const threads = binding.getThreads?.();
  const what =
    binding.config?.replace(/ (NO_LAPACKE|NO_AFFINITY|DYNAMIC_ARCH|MAX_THREADS=\d+)/g, "") ??
      "CBLAS";
  const t = threads === undefined ? "" : `, ${threads} thread${threads === 1 ? "" : "s"}`;
  return `blas (${what}${t}, ${path})`;
}

/**
 * Loads a CBLAS library through FFI and returns it as a backend. Throws an `Error` whose
 * message says why when none can be used (no FFI, permission not granted, library missing,
 * OpenMP build).
 *
 * @example
 * ```ts
 * import { loadBlasKernels } from "./blas.ts";
 * try {
 *   const blas = loadBlasKernels();
 *   const out = new Float32Array(1);
 *   blas.gemm(false, true, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), out);
 *   if (out[0] !== 11) throw new Error("unexpected");
 * } catch (e) {
 *   console.log(`no BLAS here: ${(e as Error).message}`);
 * }
 * ```
 */
export function loadBlasKernels(options: BlasOptions = {}): Backend {
  const op = "loadBlasKernels";
  checkOptions(op, options);
  if (
    options.paths !== undefined &&
    (!Array.isArray(options.paths) || !options.paths.every((p) => typeof p === "string"))
  ) {
    throw new TypeError(
      `${op}: paths must be an array of library paths, got ${describeValue(options.paths)}`,
    );
  }
  if (options.threads !== undefined) checkInteger(op, "threads", options.threads, { min: 1 });
  const fromEnv = readEnv("GRADSTREAM_BLAS_LIB");
  const paths = options.paths ?? (fromEnv ? [fromEnv] : defaultBlasPaths());
  const open = opener();
  const failures: string[] = [];
  let denied = 0;
  for (const path of paths) {
    let binding: Binding;
    try {
      binding = open(path);
    } catch (e) {
      if (e instanceof PermissionDenied) denied++;
      failures.push(path);
      continue;
    }
    if (binding.parallel === 2) {
      binding.close?.();
      failures.push(`${path} (an OpenMP build; use the pthread one)`);
      continue;
    }
    const threads = options.threads ?? defaultBlasThreads();
    if (threads !== undefined) binding.setThreads?.(threads);
    return makeKernels(binding, describe(binding, path));
  }
  if (denied === paths.length) {
    throw new Error(
      `FFI permission not granted (run with --allow-ffi${
        paths.length === 1 ? `=${paths[0]}` : ""
      })`,
    );
  }
  const where = failures.length <= 3 ? failures.join(", ") : `${failures.length} usual paths`;
  throw new Error(
    `no usable OpenBLAS/CBLAS library (tried ${where}); ` +
      `install libopenblas0-pthread or set GRADSTREAM_BLAS_LIB`,
  );
}

function makeKernels(binding: Binding, description: string): Backend {
  const { sgemm, dgemm } = binding;
  const gemm: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
    checkGemmArgs(m, n, k, a, b, out, "gemm");
    // Degenerate sizes never reach the library: zero-length buffers and leading dimensions
    // below 1 are where CBLAS implementations disagree (some print an error and return).
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, 0, m * n);
      return;
    }
    const ta = transA ? TRANS : NO_TRANS, tb = transB ? TRANS : NO_TRANS;
    const lda = transA ? m : k, ldb = transB ? k : n;
    const f = out instanceof Float64Array ? dgemm : sgemm;
    f(ROW_MAJOR, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, out, n);
  };
  // CBLAS's beta = 1: the product added into `out`, what a convolution summed tap row by tap
  // row needs (src/ops/_conv_rows.ts).
  const gemmAdd: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
    checkGemmArgs(m, n, k, a, b, out, "gemmAdd");
    if (m === 0 || n === 0 || k === 0) return;
    const ta = transA ? TRANS : NO_TRANS, tb = transB ? TRANS : NO_TRANS;
    const lda = transA ? m : k, ldb = transB ? k : n;
    const f = out instanceof Float64Array ? dgemm : sgemm;
    f(ROW_MAJOR, ta, tb, m, n, k, 1, a, lda, b, ldb, 1, out, n);
  };
  return Object.freeze({ name: "blas" as const, description, gemm, gemmAdd });
}
