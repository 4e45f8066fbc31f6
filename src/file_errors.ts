/**
 * Errors of the file readers and writers (IDX, MNIST, checkpoints), worded for the user: a
 * missing file is named, and a permission Deno denies says which flag grants it
 * (`--allow-read=<path>`, `--allow-write=<path>`), instead of the runtime's error or a
 * misleading "not found".
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { describeValue } from "./_checks.ts";

/**
 * The file-system path of a path argument: a non-empty string without NUL characters, or a
 * `file:` URL; anything else is a `TypeError` naming `op`.
 *
 * @example
 * ```ts
 * import { filePath } from "./file_errors.ts";
 * if (filePath("saveModel", new URL("file:///tmp/m.safetensors")) !== "/tmp/m.safetensors") {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function filePath(op: string, path: unknown): string {
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw new TypeError(
        `${op}: path must be a file path or a file: URL, got ${path.protocol} URL`,
      );
    }
    return fileURLToPath(path);
  }
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new TypeError(
      `${op}: path must be a non-empty file path (a string or a file: URL), got ${
        describeValue(path)
      }`,
    );
  }
  return path;
}

/**
 * The same error under the name of the public function that called `inner` (`loadModel` for
 * `loadCheckpoint`), keeping its class and the original as `cause`.
 */
export function renameError(e: unknown, inner: string, op: string): unknown {
  if (!(e instanceof Error) || !e.message.startsWith(`${inner}:`)) return e;
  const Ctor = e instanceof TypeError ? TypeError : e instanceof RangeError ? RangeError : Error;
  return new Ctor(`${op}:${e.message.slice(inner.length + 1)}`, { cause: e });
}

/** Whether `e` is a permission Deno's sandbox refused (not the operating system's). */
export function isSandboxDenial(e: unknown): boolean {
  const name = (e as Error | undefined)?.name;
  return name === "NotCapable" || name === "PermissionDenied";
}

/**
 * Rewords a file-system error from `op` on `path` as an `Error` naming both, with the Deno
 * flag that grants a denied permission, and the original as its `cause`.
 *
 * @example
 * ```ts
 * import { fileError } from "./file_errors.ts";
 * const denied = Object.assign(new Error('Requires read access to "/data/x", run again with the --allow-read flag'), { name: "NotCapable" });
 * const e = fileError("readIdx", "/data/x", denied, "read");
 * if (!e.message.includes("--allow-read=/data/x")) throw new Error("unexpected");
 * ```
 */
export function fileError(op: string, path: string, e: unknown, action: "read" | "write"): Error {
  const err = e as (Error & { code?: string }) | undefined;
  if (isSandboxDenial(e)) {
    // Deno says which access to which path it wanted (renaming needs both, on both paths).
    const m = /Requires (read|write) access to "([^"]*)"/.exec(err?.message ?? "");
    const [access, target] = m ? [m[1], m[2]] : [action, path];
    return new Error(
      `${op}: Deno denied ${access} access to ${target}; run with --allow-${access}=${target} ` +
        `(or a folder above it)`,
      { cause: e },
    );
  }
  if (err?.code === "ENOENT") {
    return new Error(`${op}: ${path} does not exist`, { cause: e });
  }
  if (err?.code === "EACCES" || err?.code === "EPERM") {
    return new Error(
      `${op}: the system does not let this process ${action} ${path} (${err.code})`,
      {
        cause: e,
      },
    );
  }
  return new Error(`${op}: cannot ${action} ${path}: ${String(err?.message ?? e).slice(0, 300)}`, {
    cause: e,
  });
}
