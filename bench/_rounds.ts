/**
 * How the compare drivers run their cells: the runtimes a child can start under, one child
 * process per run (pinned with `taskset` when asked), the data file handed to the children,
 * and the interleaved rounds (round 1 of every cell, then round 2, ...), so a burst of load
 * from a neighbour on a shared machine lands on one round of several cells instead of on
 * every round of one.
 *
 * @module
 */

import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Args } from "./_compare_child.ts";
import {
  type BenchData,
  RESULT_MARK,
  type RunOptions,
  type RunResult,
  runtimeInfo,
  writeBenchData,
} from "./_common.ts";
import { fmtInt, pythonVersions, type Row } from "./_compare_table.ts";

/** The checkout's root: every child runs there. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** How a child can be started: a runtime with its own command line and environment. */
export interface Runtime {
  /** What the table calls it: `deno`, `bun-tuned`, `python3`. */
  readonly name: string;
  /** The executable (`deno` or `bun`; for `python`, `name` is the interpreter). */
  readonly exe: "deno" | "bun" | "python";
  /** Extra environment for the child. */
  readonly env: Readonly<Record<string, string>>;
}

/** The JavaScript runtimes `--runtimes` picks from (`bun-tuned`: see `bench/compare.ts`). */
export const RUNTIMES: readonly Runtime[] = [
  { name: "deno", exe: "deno", env: {} },
  { name: "bun", exe: "bun", env: {} },
  { name: "bun-tuned", exe: "bun", env: { MIMALLOC_PURGE_DELAY: "1000" } },
];

/** `--runtimes a,b` in `RUNTIMES` order, `fallback` when absent. */
export function runtimesArg(args: Args, fallback: readonly string[]): Runtime[] {
  const names = args.list("runtimes", RUNTIMES.map((rt) => rt.name), fallback);
  return RUNTIMES.filter((rt) => names.includes(rt.name));
}

/** The command that starts `exe`: this process's own executable when it is that runtime. */
function executable(exe: "deno" | "bun"): string | undefined {
  if (runtimeInfo().name === exe) return process.execPath;
  const probe = spawnSync(exe, ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? exe : undefined;
}

/**
 * The command line that runs `script` under `rt` (`deno run -A`, `bun`, or the Python
 * interpreter `rt.name`); undefined when that runtime is not on `PATH`.
 */
export function runtimeCommand(rt: Runtime, script: string): string[] | undefined {
  if (rt.exe === "python") return [rt.name, script];
  const exe = executable(rt.exe);
  if (exe === undefined) return undefined;
  return rt.exe === "deno" ? [exe, "run", "-A", script] : [exe, script];
}

/** The command line that runs `script` under the runtime running this process. */
export function selfCommand(script: string): string[] {
  return runtimeInfo().name === "deno"
    ? [process.execPath, "run", "-A", script]
    : [process.execPath, script];
}

/** `deno 2.9.6`, `bun 1.4.5`: what each runtime's `--version` says (first line). */
export function versionOf(rt: Runtime): string {
  if (rt.exe === "python") return pythonVersions(rt.name);
  const exe = executable(rt.exe);
  if (exe === undefined) return `${rt.exe} (not installed)`;
  const out = spawnSync(exe, ["--version"], { encoding: "utf8" });
  return `${rt.exe} ${(out.stdout ?? "").trim().split("\n")[0].replace(/^(deno|bun)\s*/, "")}`;
}

/** `--cpus LIST`, checked: a CPU list that `taskset` accepts here; undefined when absent. */
export function cpusArg(args: Args): string | undefined {
  const pin = args.get("cpus");
  if (pin === undefined) return undefined;
  if (!/^\d+([-,]\d+)*$/.test(pin)) {
    throw new RangeError(`${args.tool}: --cpus takes a CPU list such as 1 or 0-1, got ${pin}`);
  }
  if (spawnSync("taskset", ["-c", pin, "true"]).status !== 0) {
    throw new Error(`${args.tool}: --cpus needs taskset (util-linux) and CPUs ${pin} to exist`);
  }
  return pin;
}

/** How {@linkcode spawnMarked} runs a child. */
export interface SpawnOptions {
  /** `taskset -c LIST` pins the child (and every thread it starts) to those CPUs. */
  readonly pin?: string;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Milliseconds before the child is killed; null for no limit (default 600 s). */
  readonly timeout?: number | null;
  /** The prefix of the stdout line that carries the result (default `RESULT_MARK`). */
  readonly mark?: string;
  /** The most bytes of stdout or stderr kept (default 16 MiB). */
  readonly maxBuffer?: number;
}

/** Runs `command` in the checkout's root: the JSON of its marked stdout line, and the process. */
export function spawnMarked(
  command: readonly string[],
  o: SpawnOptions = {},
): { result: unknown; out: SpawnSyncReturns<string> } {
  const [cmd, ...argv] = o.pin === undefined ? command : ["taskset", "-c", o.pin, ...command];
  const out = spawnSync(cmd, argv, {
    cwd: ROOT,
    env: { ...process.env, ...o.env },
    encoding: "utf8",
    maxBuffer: o.maxBuffer ?? 1 << 24,
    timeout: o.timeout === null ? undefined : o.timeout ?? 600_000,
  });
  const mark = o.mark ?? RESULT_MARK;
  const line = (out.stdout ?? "").split("\n").find((l) => l.startsWith(mark));
  return { result: line === undefined ? undefined : JSON.parse(line.slice(mark.length)), out };
}

/** A child's result, or a failed result saying how it exited and its last lines. */
export function spawnResult(
  config: string,
  command: readonly string[],
  o: SpawnOptions,
): RunResult {
  const { result, out } = spawnMarked(command, o);
  if (result !== undefined) return result as RunResult;
  const tail = `${out.stderr ?? ""}${out.error?.message ?? ""}`.trim().split("\n").slice(-3);
  return { config, error: `exit ${out.status}: ${tail.join(" | ")}` } as RunResult;
}

/**
 * Runs `script` under `rt` (see {@linkcode runtimeCommand}) with `argv`, `rt`'s environment
 * added to `o.env`: its result row, the runtime's name in it.
 */
export function spawnUnder(
  rt: Runtime,
  script: string,
  config: string,
  argv: readonly string[],
  o: SpawnOptions = {},
): Row {
  const run = runtimeCommand(rt, script);
  const r = run === undefined
    ? { config, error: `${rt.exe} is not on PATH` } as RunResult
    : spawnResult(config, [...run, ...argv], { ...o, env: { ...o.env, ...rt.env } });
  return { ...r, runtime: rt.name };
}

/** The arguments that start a compare driver's child (see `child` in `_compare_child.ts`). */
export function childArgs(config: string, dataPath: string, o: RunOptions): string[] {
  return [
    "--child",
    config,
    "--data",
    dataPath,
    "--steps",
    `${o.steps}`,
    "--warmup",
    `${o.warmup}`,
  ];
}

/** One cell of the table: what the progress line calls it, and one run of it. */
export interface Cell<K> {
  /** Where its runs are kept in the returned map. */
  readonly key: K;
  /** Its name in the progress lines, e.g. `bun gradstream-blas`. */
  readonly label: string;
  /** One run: starts the child and waits for its result. */
  run(): RunResult;
}

/**
 * `rounds` rounds of every cell, interleaved, with a progress line on stderr per run; the
 * runs of each cell by its key.
 */
export function runRounds<K>(rounds: number, cells: readonly Cell<K>[]): Map<K, RunResult[]> {
  const runs = new Map<K, RunResult[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const cell of cells) {
      const t0 = performance.now();
      const r = cell.run();
      const took = ((performance.now() - t0) / 1000).toFixed(1);
      const what = r.error ?? `${fmtInt(r.samplesPerSecond)} samples/s`;
      console.error(`  round ${round}/${rounds} ${cell.label}: ${what} (${took} s)`);
      runs.set(cell.key, [...(runs.get(cell.key) ?? []), r]);
    }
  }
  return runs;
}

/** Runs `body` with `data` written to a temporary file (its path), removed afterwards. */
export function withDataFile<T>(prefix: string, data: BenchData, body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const path = join(dir, "data.bin");
    writeBenchData(path, data);
    return body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `2 x Intel(R) Xeon(R) ...`: the CPUs of this machine. */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model.trim() ?? "unknown CPU"}`;
}
