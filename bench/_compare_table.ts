/**
 * The tables of the compare drivers: result rows, the median of interleaved rounds, the
 * columns laid out, and the Python side's versions.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import type { RunResult } from "./_common.ts";

/** A result row: which configuration ran, and which runtime ran it where there are several. */
export type Row = RunResult & {
  readonly runtime?: string;
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
 * Prints `rows` under `head`, each column as wide as its widest cell, the columns in `right`
 * right-aligned. A row shorter than `head` (a failure) is printed as it is, its cells joined.
 */
export function printColumns(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
): void {
  const full = rows.filter((r) => r.length === head.length);
  const widths = head.map((h, i) => Math.max(h.length, ...full.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(r.length === head.length ? line(r) : r.join("  "));
}

/** The cells the compare tables share, each from a row (or a number). */
export const cell = {
  /** An integer with thousands separators. */
  int: fmtInt,
  /** The range column: `min-max` samples/s over the rounds. */
  range: (r: Row): string =>
    r.range === undefined ? "" : `${fmtInt(r.range[0])}-${fmtInt(r.range[1])}`,
  /** The backend column without library paths (they make it too wide). */
  detail: (r: Row): string => r.detail.replace(/, \/[^,)]*/g, ""),
  /** Peak RSS: `123 MiB`. */
  mib: (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`,
  /** `vs X`: this row's samples/s over `base`'s, `-` where `base` did not run. */
  ratio: (r: Row, base: Row | undefined): string =>
    base === undefined ? "-" : `${(r.samplesPerSecond / base.samplesPerSecond).toFixed(2)}x`,
};
