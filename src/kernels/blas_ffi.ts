/**
 * The FFI half of the BLAS backend: binding CBLAS's gemm and OpenBLAS's extras under Deno
 * (`Deno.dlopen`) and under Bun (`bun:ffi`), with typed arrays passed zero-copy.
 *
 * @module
 */

import { type DenoRuntime, denoRuntime, permissionGranted } from "./env.ts";
import type { FloatArray } from "../tensor.ts";

/** The CBLAS `?gemm` signature, as both runtimes bind it. */
export type Gemm = (
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
export interface Binding {
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

/** Deno's FFI signature of `cblas_sgemm` (`f32`) or `cblas_dgemm` (`f64`). */
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
export class PermissionDenied extends Error {}

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
export function opener(): (path: string) => Binding {
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
