/**
 * The floors of ARCHITECTURE.md, enforced: every relative import in `src/` goes to the same floor
 * or one below, `data/` does not import `train/`, and `plot/` imports nothing else of `src/`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");

/** The floor of a file under src/ (its path relative to src/), or "plot"/"testing". */
function floorOf(path: string): number | "plot" | "testing" {
  const top = path.split("/")[0];
  if (top === "plot") return "plot";
  if (top === "testing") return "testing";
  if (
    [
      "tensor.ts",
      "tensor_types.ts",
      "tensor_checks.ts",
      "tensor_nested.ts",
      "random.ts",
      "random_keys.ts",
      "tree.ts",
      "_checks.ts",
      "_checks_structure.ts",
      "_describe.ts",
      "_tree_walk.ts",
    ].includes(
      top,
    )
  ) {
    return 0;
  }
  if (top === "kernels") return 1;
  if (top === "ops" || top === "autodiff") return 2;
  if (["layers", "losses", "losses.ts", "init.ts", "optim"].includes(top)) return 3;
  if (
    ["data", "train", "checkpoint", "checkpoint.ts", "files.ts", "file_errors.ts"].includes(top)
  ) return 4;
  throw new Error(`src/${path} is in no floor of ARCHITECTURE.md: add it to the table and here`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
      ? [join(dir, e.name)]
      : []
  );
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/^(?:import|export)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/gms)];
  return specs.map((m) => relative(SRC, normalize(join(dirname(file), m[1]))));
}

const edges = sourceFiles(SRC).flatMap((file) => {
  const from = relative(SRC, file);
  return relativeImports(file).map((to) => ({ from, to }));
});

test("architecture: every file of src/ belongs to a floor", () => {
  for (const file of sourceFiles(SRC)) floorOf(relative(SRC, file));
});

test("architecture: no import runs up a floor", () => {
  const bad = edges.filter(({ from, to }) => {
    const a = floorOf(from), b = floorOf(to);
    if (a === "plot") return b !== "plot";
    if (b === "plot" || b === "testing") return a !== b;
    if (a === "testing") return false; // the checker may use every floor
    return (b as number) > (a as number);
  });
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
});

test("architecture: data/ does not import train/", () => {
  const bad = edges.filter((e) => e.from.startsWith("data/") && e.to.startsWith("train/"));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
});

test("architecture: the import graph of src/ has no cycle", () => {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === "done") return;
    if (state.get(node) === "open") {
      cycles.push([...path.slice(path.indexOf(node)), node].join(" -> "));
      return;
    }
    state.set(node, "open");
    for (const to of next.get(node) ?? []) visit(to, [...path, node]);
    state.set(node, "done");
  };
  for (const node of next.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});
