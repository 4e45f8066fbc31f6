/**
 * The examples' command line: `--flag` switches and `--flag VALUE` options read by name, each
 * bad value refused with an error that names the example, the flag and what it was given, so a
 * typo in a long run's command fails at once and says where.
 *
 * ```ts
 * import { exampleArgs } from "./_args.ts";
 * const args = exampleArgs(import.meta.url, ["--epochs", "3"]);
 * if (args.int("--epochs", 10, 1) !== 3) throw new Error("--epochs 3 reads as 3");
 * ```
 *
 * @module
 */

import process from "node:process";
import { basename } from "node:path";
import type { BackendName } from "../mod.ts";

const backendNames: readonly string[] = ["blas", "wasm", "ts", "auto"];

/** The flags of one example's command line. */
export interface ExampleArgs {
  /** The example's name (its file name without `.ts`), the prefix of every error. */
  readonly name: string;
  /** Whether the switch `name` is on the command line. */
  has(name: string): boolean;
  /**
   * The word after `name`, or `fallback` when `name` is absent; refused when missing or
   * another flag, the error saying that `name` takes `what` (default "a value").
   */
  string(name: string, fallback: string, what?: string): string;
  /** `name N`, an integer >= `min`, or `fallback`. */
  int(name: string, fallback: number, min: number): number;
  /** `name X`, a finite number >= `min`, or `fallback`. */
  number(name: string, fallback: number, min: number): number;
  /** `--backend blas|wasm|ts`, or `"auto"` (the fastest available) when absent. */
  backend(): BackendName | "auto";
}

/**
 * The command line of the example at `url` (pass `import.meta.url`): `argv` defaults to the
 * process's arguments after the script.
 */
export function exampleArgs(
  url: string,
  argv: readonly string[] = process.argv.slice(2),
): ExampleArgs {
  const name = basename(new URL(url).pathname).replace(/\.ts$/, "");
  const fail = (flag: string, wanted: string, got: string | undefined): never => {
    throw new RangeError(`${name}: ${flag} takes ${wanted}, got ${got ?? "nothing"}`);
  };
  const raw = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i < 0 ? undefined : argv[i + 1] ?? "";
  };
  const numeric = (flag: string, fallback: number, min: number, integer: boolean) => {
    const text = raw(flag);
    const value = text === undefined ? fallback : text === "" ? NaN : Number(text);
    if (!(integer ? Number.isInteger(value) : Number.isFinite(value)) || value < min) {
      fail(flag, `${integer ? "an integer" : "a number"} >= ${min}`, text || undefined);
    }
    return value;
  };
  return {
    name,
    has: (flag) => argv.includes(flag),
    string(flag, fallback, what = "a value") {
      const text = raw(flag);
      if (text === undefined) return fallback;
      if (text === "" || text.startsWith("--")) fail(flag, what, text || undefined);
      return text;
    },
    int: (flag, fallback, min) => numeric(flag, fallback, min, true),
    number: (flag, fallback, min) => numeric(flag, fallback, min, false),
    backend() {
      const wanted = "blas, wasm, ts or auto";
      const choice = this.string("--backend", "auto", wanted);
      if (!backendNames.includes(choice)) fail("--backend", wanted, choice);
      return choice as BackendName | "auto";
    },
  };
}
