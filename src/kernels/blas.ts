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

import { type DenoRuntime, denoRuntime, permissionGranted } from "./env.ts";
import type { FloatArray } from "../tensor.ts";
import type { Backend, GemmKernel } from "./kernels.ts";
import { defaultBlasThreads } from "./blas_threads.ts";
import { checkGemmArgs } from "./check_gemm.ts";
import { checkInteger, checkOptions, describeValue } from "../_checks.ts";
import { readEnv } from "./env.ts";

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

type Gemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  lda: number,
  b: FloatArray,
  ldb: number,
  beta: number,
  c: FloatArray,
  ldc: number,
) => void;

/** What both runtimes' bindings provide. */
interface Binding {
  readonly sgemm: Gemm;
  readonly dgemm: Gemm;
  /** `openblas_get_config()`, when the library is OpenBLAS. */
  readonly config?: string;
  /** `openblas_get_parallel()`: 0 sequential, 1 pthreads, 2 OpenMP. */
  readonly parallel?: number;
  readonly getThreads?: () => number;
  readonly setThreads?: (n: number) => void;
  /** Unloads the library (Deno), for a library found unusable after opening. */
  readonly close?: () => void;
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

function gemmSymbol(real: "f32" | "f64") {
  return {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      real,
      "buffer",
      "i32",
      "buffer",
      "i32",
      real,
      "buffer",
      "i32",
    ],
    result: "void",
  } as const;
}

const DENO_SYMBOLS = {
  cblas_sgemm: gemmSymbol("f32"),
  cblas_dgemm: gemmSymbol("f64"),
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_get_parallel: { parameters: [], result: "i32", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
} as const;

/**
 * Thrown by {@linkcode loadBlasKernels} where the runtime has no FFI at all (Node.js), as
 * opposed to a library or permission that is missing: automatic backend selection skips
 * BLAS there without a notice.
 */
export class NoFfiError extends Error {
  override name = "NoFfiError";
}

/** Thrown for a path the runtime may not open; other paths may still be allowed. */
class PermissionDenied extends Error {}

function openDeno(deno: DenoRuntime, path: string): Binding {
  // Never prompt from inside a library: "prompt" counts as denied.
  if (!permissionGranted({ name: "ffi", path }) || deno.dlopen === undefined) {
    throw new PermissionDenied(path);
  }
  const lib = deno.dlopen(path, DENO_SYMBOLS);
  const s = lib.symbols as Record<keyof typeof DENO_SYMBOLS, unknown>;
  const fn = <T>(f: unknown) => (typeof f === "function" ? f as T : undefined);
  const config = fn<() => unknown>(s.openblas_get_config)?.();
  return {
    sgemm: s.cblas_sgemm as Gemm,
    dgemm: s.cblas_dgemm as Gemm,
    config: config && deno.UnsafePointerView
      ? deno.UnsafePointerView.getCString(config)
      : undefined,
    parallel: fn<() => number>(s.openblas_get_parallel)?.(),
    getThreads: fn<() => number>(s.openblas_get_num_threads),
    setThreads: fn<(n: number) => void>(s.openblas_set_num_threads),
    close: () => lib.close(),
  };
}

/** The slice of `bun:ffi` used here. */
interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: readonly string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
  CString: new (ptr: unknown) => { toString(): string };
}

function bunFfi(): BunFfi {
  // `import.meta.require` is Bun's synchronous require; a static import of "bun:ffi" would
  // not type-check or load under Deno.
  const req = (import.meta as unknown as { require?: (id: string) => unknown }).require;
  if (typeof req !== "function") throw new Error("bun:ffi is not reachable");
  return req("bun:ffi") as BunFfi;
}

function openBun(path: string): Binding {
  const ffi = bunFfi();
  const args = (
    real: string,
  ) => [
    "i32",
    "i32",
    "i32",
    "i32",
    "i32",
    "i32",
    real,
    "ptr",
    "i32",
    "ptr",
    "i32",
    real,
    "ptr",
    "i32",
  ];
  const lib = ffi.dlopen(path, {
    cblas_sgemm: { args: args("f32"), returns: "void" },
    cblas_dgemm: { args: args("f64"), returns: "void" },
  });
  // Bun's dlopen rejects a missing symbol, so the OpenBLAS extras are opened one by one.
  const optional = (name: string, args: string[], returns: string) => {
    try {
      return ffi.dlopen(path, { [name]: { args, returns } }).symbols[name];
    } catch {
      return undefined;
    }
  };
  const getConfig = optional("openblas_get_config", [], "ptr");
  const getParallel = optional("openblas_get_parallel", [], "i32");
  const getThreads = optional("openblas_get_num_threads", [], "i32");
  const setThreads = optional("openblas_set_num_threads", ["i32"], "void");
  const config = getConfig?.();
  return {
    sgemm: lib.symbols.cblas_sgemm as Gemm,
    dgemm: lib.symbols.cblas_dgemm as Gemm,
    config: config ? new ffi.CString(config).toString() : undefined,
    parallel: getParallel?.() as number | undefined,
    getThreads: getThreads as (() => number) | undefined,
    setThreads: setThreads as ((n: number) => void) | undefined,
  };
}

/** The runtime's opener, or an `Error` saying why there is none. */
function opener(): (path: string) => Binding {
  const deno = denoRuntime();
  if (deno !== undefined && typeof deno.dlopen === "function") {
    return (path) => openDeno(deno, path);
  }
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
    bunFfi();
    return openBun;
  }
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
    ?.node;
  throw new NoFfiError(
    node === undefined
      ? "this runtime has no FFI (OpenBLAS needs Deno or Bun)"
      : `Node.js ${node} has no FFI (OpenBLAS needs Deno or Bun)`,
  );
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
  return Object.freeze({ name: "blas" as const, description, gemm });
}
