/**
 * Reading an environment variable without side effects in either runtime.
 *
 * @module
 */

/**
 * The value of an environment variable, or `undefined` when it is unset or cannot be read.
 * Under Deno it reads only when `--allow-env` already grants it: a library must neither throw
 * nor make the user answer a permission prompt for an optional setting.
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
    if (typeof Deno !== "undefined" && typeof Deno.permissions?.querySync === "function") {
      const { state } = Deno.permissions.querySync({ name: "env", variable: name });
      return state === "granted" ? Deno.env.get(name) : undefined;
    }
    const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } })
      .process;
    return proc?.env?.[name];
  } catch {
    return undefined;
  }
}
