/**
 * Errors of the file readers and writers (IDX, MNIST, checkpoints), worded for the user: a
 * missing file is named, and a permission Deno denies says which flag grants it
 * (`--allow-read=<path>`, `--allow-write=<path>`), instead of the runtime's error or a
 * misleading "not found".
 *
 * @module
 */

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
