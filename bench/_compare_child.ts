/**
 * The child side of `bench/compare.ts` (one configuration in its own process) and its
 * command-line helpers.
 *
 * @module
 */

import process from "node:process";
import {
  type BenchData,
  readBenchData,
  report,
  type RunOptions,
  type RunResult,
} from "./_common.ts";

/** `--name value` and bare `--flag` arguments (a bare flag maps to `""`). */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new RangeError(`compare: unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) args.set(a.slice(2), "");
    else args.set(a.slice(2), argv[++i]);
  }
  return args;
}

/** The integer argument `--name` (at least `min`), or `fallback` when absent. */
export function intArg(
  args: Map<string, string>,
  name: string,
  fallback: number,
  min: number,
): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`compare: --${name} must be an integer >= ${min}, got ${raw}`);
  }
  return v;
}

async function runChild(config: string, data: BenchData, options: RunOptions): Promise<RunResult> {
  if (config.startsWith("tfjs-")) {
    const { runTfjs } = await import("./_tfjs_mlp.ts");
    return await runTfjs(config === "tfjs-cpu" ? "cpu" : "wasm", data, options);
  }
  const { runGradstream } = await import("./_gradstream_mlp.ts");
  if (config === "gradstream-wasm-relaxed") {
    // The opt-in FMA build: faster under V8, last bits differ between engines.
    const { loadWasmKernels } = await import("../src/kernels/wasm_kernels.ts");
    return { ...await runGradstream(loadWasmKernels({ relaxed: true }), data, options), config };
  }
  const backend = config.slice("gradstream-".length) as "blas" | "wasm" | "ts";
  return await runGradstream(backend, data, options);
}

/**
 * The child side: runs one configuration (`--child NAME`) on the data file `--data` and
 * reports its result line (or its error) on stdout.
 */
export async function child(args: Map<string, string>): Promise<void> {
  const config = args.get("child")!;
  const options = { warmup: intArg(args, "warmup", 500, 1), steps: intArg(args, "steps", 600, 1) };
  try {
    report(await runChild(config, readBenchData(args.get("data")!), options));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    report({ config, error } as RunResult);
  }
  // The wasm backends keep handles open (emscripten's process hooks); results are out.
  process.exit(0);
}
