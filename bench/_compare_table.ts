/**
 * The tables of `bench/compare.ts`: result rows, the median of interleaved rounds, the printed
 * comparison, and the Python side's versions.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import type { RunResult } from "./_common.ts";

/** A result row: which runtime ran which configuration. */
export type Row = RunResult & {
  readonly runtime: string;
  /** Over the rounds: the slowest and fastest mean samples/s (the row shows the median round). */
  readonly range?: readonly [number, number];
};

/**
 * The round with the median samples/s (the upper one of an even count), with the range over
 * all rounds and the largest peak RSS; a failed round makes the whole row a failure.
 */
export function medianRun(rows: readonly Row[]): Row {
  const failed = rows.find((r) => r.error !== undefined);
  if (failed !== undefined) return failed;
  const sorted = [...rows].sort((a, b) => a.samplesPerSecond - b.samplesPerSecond);
  const mid = sorted[sorted.length >> 1];
  return {
    ...mid,
    range: [sorted[0].samplesPerSecond, sorted[sorted.length - 1].samplesPerSecond],
    peakRssBytes: Math.max(...rows.map((r) => r.peakRssBytes)),
  };
}

/** `Python 3.11.7, torch 2.13.0, jax 0.10.2`, `(missing)` for what is not installed. */
export function pythonVersions(python: string): string {
  const probe = spawnSync(python, [
    "-c",
    "import sys, importlib.util as u, importlib.metadata as m\n" +
    "v = lambda p: m.version(p) if u.find_spec(p) else '(missing)'\n" +
    'print(f\'Python {sys.version.split()[0]}, torch {v("torch")}, jax {v("jax")}\')',
  ], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : `${python} (not installed)`;
}

/** An integer with thousands separators. */
export function fmtInt(v: number): string {
  return Math.round(v).toLocaleString("en-US");
}

/**
 * Prints the comparison: one line per runtime and configuration, the ratios to `BASELINE` and
 * `TARGET`, where each step's time went, and each runtime against Deno.
 */
export function printTable(results: readonly Row[], BASELINE: string, TARGET: string): void {
  const baseOf = (runtime: string) =>
    results.find((r) => r.runtime === runtime && r.config === BASELINE && r.error === undefined);
  const head = [
    "runtime",
    "configuration",
    "backend",
    "steps",
    "samples/s",
    "(rounds: min-max)",
    "(median step)",
    "peak RSS",
    `vs ${BASELINE}`,
    `vs ${TARGET}`,
    "loss first -> last",
  ];
  const rows = results.map((r) => {
    if (r.error !== undefined) {
      return [r.runtime, r.config, `unavailable: ${r.error}`, "", "", "", "", "", "", "", ""];
    }
    const base = baseOf(r.runtime);
    const target = results.find((t) => t.config === TARGET && t.error === undefined);
    return [
      r.runtime,
      r.config,
      r.detail.replace(/, \/[^,)]*/g, ""), // library paths make the column too wide
      String(r.steps),
      fmtInt(r.samplesPerSecond),
      r.range === undefined ? "" : `${fmtInt(r.range[0])}-${fmtInt(r.range[1])}`,
      fmtInt(r.medianSamplesPerSecond),
      `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      base === undefined ? "-" : `${(r.samplesPerSecond / base.samplesPerSecond).toFixed(2)}x`,
      target === undefined ? "-" : `${(r.samplesPerSecond / target.samplesPerSecond).toFixed(2)}x`,
      `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([3, 4, 5, 6, 7, 8, 9]);
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log();
  for (const r of results) {
    if (r.stages === undefined || r.error !== undefined) continue;
    const { forward, backward, step } = r.stages;
    const pct = (s: number) => `${((100 * s) / r.seconds).toFixed(0)}%`;
    console.log(
      `${r.runtime} ${r.config} step time: forward ${pct(forward)}, backward (loss + VJP) ` +
        `${pct(backward)}, optimiser ${pct(step)}, batching and loop ` +
        `${pct(r.seconds - forward - backward - step)}`,
    );
  }
  // Each runtime against Deno, configuration by configuration (mean samples/s).
  const deno = (config: string) =>
    results.find((r) => r.runtime === "deno" && r.config === config && r.error === undefined);
  for (const runtime of new Set(results.map((r) => r.runtime))) {
    if (runtime === "deno") continue;
    const ratios = results
      .filter((r) => r.runtime === runtime && r.error === undefined && deno(r.config))
      .map((r) =>
        `${r.config} ${(r.samplesPerSecond / deno(r.config)!.samplesPerSecond).toFixed(2)}`
      );
    if (ratios.length > 0) console.log(`${runtime} / deno (samples/s): ${ratios.join(", ")}`);
  }
}
