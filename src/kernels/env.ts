/**
 * What the kernels need from the runtime, reached without side effects in Deno, Bun and
 * Node: environment variables, and under Deno its permission queries and FFI.
 *
 * The `Deno` namespace is read from `globalThis` (typed here by the slice used), never named
 * as a global, so the compiled npm package loads and type-checks where there is no Deno.
 *
 * @module
 */

/** A Deno permission state; "prompt" counts as not granted (a library never prompts). */
type PermissionState = "granted" | "denied" | "prompt";

/** The slice of the `Deno` namespace the kernels use. */
export interface DenoRuntime {
  /** Synchronous permission queries. */
  readonly permissions?: {
    querySync?(desc: { name: string; variable?: string; path?: string }): {
      state: PermissionState;
    };
  };
  /** Environment variables. */
  readonly env: { get(name: string): string | undefined };
  /** Opens a native library (`--allow-ffi`). */
  readonly dlopen?: (
    path: string,
    symbols: Record<string, unknown>,
  ) => { symbols: Record<string, unknown>; close(): void };
  /** Reads C strings from native pointers. */
  readonly UnsafePointerView?: { getCString(pointer: unknown): string };
}

/**
 * The `Deno` namespace when running under Deno, else `undefined`.
 *
 * @example
 * ```ts
 * import { denoRuntime } from "./env.ts";
 * const deno = denoRuntime();
 * if ("Deno" in globalThis ? deno === undefined : deno !== undefined) throw new Error("unexpected");
 * ```
 */
export function denoRuntime(): DenoRuntime | undefined {
  const deno = (globalThis as { Deno?: DenoRuntime }).Deno;
  return typeof deno === "object" && deno !== null ? deno : undefined;
}

/**
 * Whether Deno's permission for `desc` is granted; `true` outside Deno (Bun and Node have no
 * permissions). Never prompts and never throws.
 *
 * @example
 * ```ts
 * import { permissionGranted } from "./env.ts";
 * if (typeof permissionGranted({ name: "env", variable: "HOME" }) !== "boolean") {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function permissionGranted(
  desc: { name: string; variable?: string; path?: string },
): boolean {
  const deno = denoRuntime();
  if (deno === undefined) return true;
  try {
    const query = deno.permissions?.querySync;
    return typeof query === "function" && query.call(deno.permissions, desc).state === "granted";
  } catch {
    return false;
  }
}

/** The environment variables gradstream reads, each named in the README's permission list. */
export const GRADSTREAM_VARIABLES: readonly string[] = Object.freeze([
  "GRADSTREAM_BACKEND",
  "GRADSTREAM_BLAS_LIB",
]);

/**
 * The value of an environment variable, or `undefined` when it is unset or cannot be read.
 * Under Deno it reads only when `--allow-env` already grants it: a library must neither throw
 * nor make the user answer a permission prompt for an optional setting. {@linkcode envHint}
 * says which flag to pass when a setting was not readable.
 *
 * @example
 * ```ts
 * import { readEnv } from "./env.ts";
 * const v = readEnv("GRADSTREAM_SURELY_UNSET_VARIABLE");
 * if (v !== undefined) throw new Error("unexpected");
 * ```
 */
export function readEnv(name: string): string | undefined {
  try {
    const deno = denoRuntime();
    if (deno !== undefined) {
      return permissionGranted({ name: "env", variable: name }) ? deno.env.get(name) : undefined;
    }
    const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } })
      .process;
    return proc?.env?.[name];
  } catch {
    return undefined;
  }
}

/**
 * The flag that would let gradstream read the given variables under Deno, as a sentence for
 * a notice, or `""` when all of them are readable (always, outside Deno).
 *
 * @example
 * ```ts
 * import { envHint } from "./env.ts";
 * const hint = envHint(["GRADSTREAM_BACKEND"]);
 * if (hint !== "" && !hint.includes("--allow-env=GRADSTREAM_BACKEND")) throw new Error(hint);
 * ```
 */
export function envHint(names: readonly string[] = GRADSTREAM_VARIABLES): string {
  const unread = names.filter((name) => !permissionGranted({ name: "env", variable: name }));
  if (unread.length === 0) return "";
  return `${unread.join(" and ")} not read: run with --allow-env=${unread.join(",")} to set ` +
    (unread.length === 1 ? "it" : "them");
}
