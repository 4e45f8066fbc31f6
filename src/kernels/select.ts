/**
 * Backends by name, and the default one.
 *
 * For the default, on first use gradstream tries BLAS (OpenBLAS through FFI), then WebAssembly SIMD, then
 * plain TypeScript, and keeps the first that loads. The environment variable
 * `GRADSTREAM_BACKEND` (`blas`, `wasm`, `ts` or `auto`) puts one backend first. The default is a
 * value picked once; code that wants another backend passes one (`backend("ts")`) to
 * `initTrain`, `vjp` or `untraced`. A backend that cannot load (library missing,
 * `--allow-ffi` not granted, no FFI as under Node.js, no WebAssembly) is skipped with a
 * one-line notice on stderr, never an exception; under Deno the notice also names the
 * `--allow-env` flag when the `GRADSTREAM_*` variables could not be read.
 *
 * @module
 */

import { checkFunction, describeValue } from "../_checks.ts";
import type { Backend, BackendName } from "./kernels.ts";
import { loadBlasKernels, NoFfiError } from "./blas.ts";
import { envHint, readEnv } from "./env.ts";
import { tsKernels } from "./ts_gemm.ts";
import { loadWasmKernels } from "./wasm_kernels.ts";

/** The backends in the order automatic selection tries them. */
export const BACKEND_ORDER: readonly BackendName[] = Object.freeze(["blas", "wasm", "ts"]);

/**
 * Whether a backend can run here: its kernels, or the reason it cannot. `unsupported` marks
 * a backend this runtime can never run (BLAS under Node.js, which has no FFI): automatic
 * selection skips it without a notice; asking for it by name still gets one.
 */
export type BackendProbe =
  | { readonly ok: true; readonly kernels: Backend }
  | { readonly ok: false; readonly reason: string; readonly unsupported?: boolean };

/** The outcome of {@linkcode chooseBackend}: kernels, and the notice to print, if any. */
export interface BackendChoice {
  /** The kernels chosen. */
  readonly kernels: Backend;
  /** One line explaining a fallback or an unknown request; absent when all went as asked. */
  readonly notice?: string;
}

const LOADERS: Readonly<Record<BackendName, () => Backend>> = {
  blas: () => withWasmAdam(loadBlasKernels()),
  wasm: () => loadWasmKernels(),
  ts: () => tsKernels,
};

const probes = new Map<BackendName, BackendProbe>();

/**
 * OpenBLAS has no Adam step, and the JavaScript loop is a third of a training step; nor has it
 * the rectifier, the bias loops of `linear`, the Bernoulli likelihood (`exp` and `log1p` per
 * element) or the LSTM's gates, whose JavaScript loops run slower under V8 than the wasm SIMD
 * ones with their copies in and out. The blas backend borrows those WebAssembly kernels where
 * that module loads (its description says so).
 */
function withWasmAdam(blas: Backend): Backend {
  const wasm = probeBackend("wasm");
  if (!wasm.ok || wasm.kernels.adam === undefined) return blas;
  return Object.freeze({
    ...blas,
    description:
      `${blas.description}; Adam, relu, pool, bias, Bernoulli NLL, LSTM gates: wasm SIMD`,
    adam: wasm.kernels.adam,
    adamApply: wasm.kernels.adamApply,
    adamApplyFresh: wasm.kernels.adamApplyFresh,
    relu: wasm.kernels.relu,
    reluBack: wasm.kernels.reluBack,
    reluMaxPool2x2: wasm.kernels.reluMaxPool2x2,
    addRows: wasm.kernels.addRows,
    columnSums: wasm.kernels.columnSums,
    bernoulliNll: wasm.kernels.bernoulliNll,
    lstmGates: wasm.kernels.lstmGates,
    lstmGatesBack: wasm.kernels.lstmGatesBack,
  });
}

function isBackendName(name: string): name is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(name);
}

/**
 * Loads a backend (once per process) and says whether it can run here. Never throws for a
 * backend that is merely unavailable.
 *
 * @example
 * ```ts
 * import { probeBackend } from "./select.ts";
 * const ts = probeBackend("ts");
 * if (!ts.ok) throw new Error("the ts backend is always available");
 * const blas = probeBackend("blas");
 * console.log(blas.ok ? blas.kernels.description : `no blas: ${blas.reason}`);
 * ```
 */
export function probeBackend(name: BackendName): BackendProbe {
  if (!isBackendName(name)) {
    const Ctor = typeof name === "string" ? RangeError : TypeError;
    throw new Ctor(
      `probeBackend: unknown backend ${describeValue(name)} (expected blas, wasm or ts)`,
    );
  }
  let probe = probes.get(name);
  if (probe === undefined) {
    try {
      probe = { ok: true, kernels: LOADERS[name]() };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      probe = e instanceof NoFfiError
        ? { ok: false, reason, unsupported: true }
        : { ok: false, reason };
    }
    probes.set(name, probe);
  }
  return probe;
}

/**
 * Picks the backend for a request (`GRADSTREAM_BACKEND`'s value; `undefined`, `""` or `auto`
 * for automatic): the requested backend first, then the rest in {@linkcode BACKEND_ORDER}.
 * Pure apart from `probe`, which tests replace to simulate missing backends.
 *
 * @example
 * ```ts
 * import { chooseBackend, probeBackend } from "./select.ts";
 * const noBlas = (name: "blas" | "wasm" | "ts") =>
 *   name === "blas" ? { ok: false as const, reason: "library not found" } : probeBackend(name);
 * const choice = chooseBackend("blas", noBlas);
 * if (choice.kernels.name === "blas") throw new Error("blas was unavailable");
 * if (!choice.notice?.includes("library not found")) throw new Error("notice says why");
 * ```
 */
export function chooseBackend(
  requested: string | undefined,
  probe: (name: BackendName) => BackendProbe = probeBackend,
): BackendChoice {
  if (requested !== undefined && typeof requested !== "string") {
    throw new TypeError(
      `chooseBackend: requested must be a backend name or undefined, got ${
        describeValue(requested)
      }`,
    );
  }
  checkFunction("chooseBackend", "probe", probe, "a function (name) => BackendProbe");
  const notes: string[] = [];
  let order: readonly BackendName[] = BACKEND_ORDER;
  const wanted = requested?.trim().toLowerCase() ?? "";
  const automatic = wanted === "" || wanted === "auto";
  if (!automatic) {
    if (isBackendName(wanted)) {
      order = [wanted, ...BACKEND_ORDER.filter((name) => name !== wanted)];
    } else {
      notes.push(`unknown GRADSTREAM_BACKEND "${requested}" (expected blas, wasm, ts or auto)`);
    }
  }
  for (const name of order) {
    const p = probe(name);
    if (p.ok) {
      const notice = notes.length > 0
        ? `gradstream: ${notes.join("; ")}; using ${p.kernels.description}`
        : undefined;
      return notice === undefined ? { kernels: p.kernels } : { kernels: p.kernels, notice };
    }
    if (!(p.unsupported === true && (automatic || name !== wanted))) {
      notes.push(`${name} unavailable: ${p.reason}`);
    }
  }
  // Only a substituted probe can refuse "ts"; the TypeScript kernels need nothing.
  return { kernels: tsKernels, notice: `gradstream: ${notes.join("; ")}; using ts` };
}

let chosen: Backend | undefined;

function select(requested: string | undefined): Backend {
  const choice = chooseBackend(requested);
  if (choice.notice !== undefined) {
    // Under Deno without --allow-env the settings that would change this choice are unread.
    const hint = envHint();
    console.error(hint === "" ? choice.notice : `${choice.notice} (${hint})`);
  }
  return choice.kernels;
}

/**
 * The default backend, picked once on first call (see the module doc for how) and never
 * changed afterwards: a training state made without a `backend` option gets this one. It is a
 * value like any other backend; nothing in gradstream reads a mutable current backend.
 *
 * @example
 * ```ts
 * import { defaultBackend } from "./select.ts";
 * const out = new Float32Array(4);
 * // [1 2]ᵀ · [3 4] is the outer product.
 * defaultBackend().gemm(false, false, 2, 2, 1, new Float32Array([1, 2]), new Float32Array([3, 4]), out);
 * if (out.join() !== "3,4,6,8") throw new Error("unexpected");
 * ```
 */
export function defaultBackend(): Backend {
  return chosen ??= select(readEnv("GRADSTREAM_BACKEND"));
}

/**
 * A backend by name (`"blas"`, `"wasm"`, `"ts"`), loaded once per process; an `Error` saying
 * why if it cannot run here. `"auto"` is {@linkcode defaultBackend}.
 *
 * @example
 * ```ts
 * import { backend } from "./select.ts";
 * const ts = backend("ts");
 * if (ts.name !== "ts") throw new Error("unexpected");
 * ```
 */
export function backend(name: BackendName | "auto"): Backend {
  if (name === "auto") return defaultBackend();
  if (!isBackendName(name)) {
    const Ctor = typeof name === "string" ? RangeError : TypeError;
    throw new Ctor(
      `backend: unknown backend ${describeValue(name)} (expected blas, wasm, ts or auto)`,
    );
  }
  const p = probeBackend(name);
  if (!p.ok) throw new Error(`backend: "${name}" is not available here: ${p.reason}`);
  return p.kernels;
}
