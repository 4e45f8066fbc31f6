import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { entryFile, jsSpecifier, resolveExport } from "../scripts/build_npm.ts";

const read = (file: string) =>
  JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));

test("every deno.json export resolves through package.json to the entry the build writes", () => {
  const deno = read("deno.json"), pkg = read("package.json");
  for (const subpath of Object.keys(deno.exports)) {
    assert.equal(
      resolveExport(pkg.exports, subpath, "default"),
      `./dist/${entryFile(subpath)}.js`,
      subpath,
    );
    assert.equal(
      resolveExport(pkg.exports, subpath, "types"),
      `./dist/${entryFile(subpath)}.d.ts`,
      subpath,
    );
  }
});

test("a subpath added to deno.json (e.g. ./plot) is covered by package.json as it stands", () => {
  const pkg = read("package.json");
  assert.equal(resolveExport(pkg.exports, "./plot", "default"), "./dist/entry/plot.js");
  assert.equal(resolveExport(pkg.exports, "./plot", "types"), "./dist/entry/plot.d.ts");
});

const ROOT = new URL("../", import.meta.url);

/** mod.ts and every TypeScript file under src/, relative to the repository. */
function sourceFiles(): string[] {
  return [
    "mod.ts",
    ...readdirSync(new URL("src/", ROOT), { recursive: true })
      .map((f) => `src/${String(f).replaceAll("\\", "/")}`)
      .filter((f) => f.endsWith(".ts")),
  ];
}

/** The npm packages that the given source files import (doc-comment examples aside). */
function importedPackages(files: readonly string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(new URL(file, ROOT), "utf8");
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^".][^"]*)"/gm)) {
      const spec = m[1];
      if (spec.startsWith("node:")) continue;
      names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
    }
  }
  return [...names].sort();
}

/** Whether a source file belongs to the plotting entry point (`gradstream/plot`). */
const isPlot = (file: string) => file.startsWith("src/plot/");

test("the npm package ships only the build; its dependencies are what the core uses", () => {
  const pkg = read("package.json"), deno = read("deno.json");
  assert.deepEqual(pkg.files, ["dist/"]);
  assert.notEqual(pkg.private, true);
  const core = sourceFiles().filter((f) => !isPlot(f));
  const imported = importedPackages(core);
  assert.ok(imported.includes("rxjs") && imported.includes("fast-check"), imported.join());
  const deps = Object.keys(pkg.dependencies);
  for (const name of imported) assert.ok(deps.includes(name), `${name} is imported: a dependency`);
  // A dependency that is not imported is still named by the code (a file it resolves).
  const code = core.map((f) => readFileSync(new URL(f, ROOT), "utf8")).join("\n");
  for (const name of deps) assert.ok(code.includes(`"${name}`), `${name} is used by the library`);
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.equal(deno.imports[name], `npm:${name}@${version}`, `${name} pinned alike`);
    assert.ok(!(name in (pkg.devDependencies ?? {})), `${name} is not also a devDependency`);
  }
});

test("what only gradstream/plot uses is an optional peer dependency, pinned alike", () => {
  // A user who never plots installs none of it; one who does installs these next to gradstream.
  const pkg = read("package.json"), deno = read("deno.json");
  const plot = sourceFiles().filter(isPlot);
  const core = new Set(importedPackages(sourceFiles().filter((f) => !isPlot(f))));
  const code = plot.map((f) => readFileSync(new URL(f, ROOT), "utf8")).join("\n");
  const used = Object.keys(pkg.peerDependencies ?? {});
  for (const name of importedPackages(plot).filter((n) => !core.has(n))) {
    assert.ok(used.includes(name), `${name} is imported by src/plot/: a peer dependency`);
  }
  for (const name of used) {
    assert.ok(code.includes(`"${name}`), `${name} is used by src/plot/`);
    assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, `${name} is optional`);
    const version = pkg.peerDependencies[name];
    assert.equal(deno.imports[name], `npm:${name}@${version}`, `${name} pinned alike`);
    assert.equal(pkg.devDependencies?.[name], version, `${name} is installed for the tests`);
    assert.ok(!(name in pkg.dependencies), `${name} is not a dependency of the core`);
  }
});

test("relative .ts specifiers become .js; bare and other specifiers stay", () => {
  assert.equal(jsSpecifier("./src/tensor.ts"), "./src/tensor.js");
  assert.equal(jsSpecifier("../x.mts"), "../x.mjs");
  assert.equal(jsSpecifier("rxjs"), "rxjs");
  assert.equal(jsSpecifier("./data.json"), "./data.json");
  assert.equal(jsSpecifier("node:fs/promises"), "node:fs/promises");
});

test("entry files: '.' is index, './name' is entry/name, anything else is refused", () => {
  assert.equal(entryFile("."), "index");
  assert.equal(entryFile("./testing"), "entry/testing");
  assert.throws(() => entryFile("testing"), /unsupported export subpath "testing"/);
  assert.throws(() => entryFile("./../x"), /unsupported export subpath/);
});
