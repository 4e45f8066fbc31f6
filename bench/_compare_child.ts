/**
 * The command line of the bench drivers (`compare.ts`, `lstm_compare.ts`, `vae_compare.ts`,
 * `cnn_compare.ts`, `floor_compare.ts`, `memory.ts`) and the child side of the compare drivers:
 * one configuration in its own process, reporting its result line.
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

/**
 * `--name value` and bare `--flag` arguments (a bare flag maps to `""`); every error names
 * the script (`tool`) and the argument.
 */
export class Args {
  readonly #values = new Map<string, string>();

  /** Parses `argv` (without the runtime and script) for the script `tool`, as errors name it. */
  constructor(readonly tool: string, argv: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith("--")) throw new RangeError(`${tool}: unexpected argument ${a}`);
      const next = argv[i + 1];
      this.#values.set(a.slice(2), next === undefined || next.startsWith("--") ? "" : argv[++i]);
    }
  }

  /** Whether `--name` was given. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** The value of `--name`, `""` for a bare flag, undefined when absent. */
  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** The integer argument `--name` (at least `min`), or `fallback` when absent. */
  int(name: string, fallback: number, min = 1): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(`${this.tool}: --${name} must be an integer >= ${min}, got ${raw}`);
    }
    return v;
  }

  /**
   * The comma list `--name a,b` in the order given, each one of `all` or a key of `aliases`
   * (another spelling, such as the name a results table prints); `fallback` when absent.
   */
  list<T extends string>(
    name: string,
    all: readonly T[],
    fallback: readonly T[],
    aliases: Readonly<Record<string, T>> = {},
  ): T[] {
    const raw = this.get(name);
    if (raw === undefined) return [...fallback];
    const picked = raw.split(",").filter((s) => s !== "").map((p) => aliases[p] ?? p);
    for (const p of picked) {
      if (!(all as readonly string[]).includes(p)) {
        const also = Object.keys(aliases);
        throw new RangeError(
          `${this.tool}: unknown --${name} entry ${p}; one of ${all.join(", ")}${
            also.length > 0 ? ` (or ${also.join(", ")})` : ""
          }`,
        );
      }
    }
    return picked as T[];
  }

  /** `--only a,b`: the configurations picked, in table (`all`'s) order; all when absent. */
  only<T extends string>(all: readonly T[]): T[] {
    const picked = this.list("only", all, all);
    return all.filter((c) => picked.includes(c));
  }
}

/**
 * The child side: runs one configuration (`--child NAME`) on the data file `--data` with
 * `--warmup` and `--steps` (`defaults` when absent) and reports its result line (or its error)
 * on stdout.
 */
export async function child(
  args: Args,
  defaults: RunOptions,
  run: (config: string, data: BenchData, options: RunOptions) => Promise<RunResult>,
): Promise<void> {
  const config = args.get("child")!;
  const options = {
    warmup: args.int("warmup", defaults.warmup),
    steps: args.int("steps", defaults.steps),
  };
  try {
    report(await run(config, readBenchData(args.get("data")!), options));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    report({ config, error } as RunResult);
  }
  // The wasm backends keep handles open (emscripten's process hooks); results are out.
  process.exit(0);
}
