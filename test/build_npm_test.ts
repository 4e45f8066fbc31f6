import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

test("the npm package ships only the build and installs only rxjs and fast-check", () => {
  const pkg = read("package.json");
  assert.deepEqual(pkg.files, ["dist/"]);
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), ["fast-check", "rxjs"]);
  assert.notEqual(pkg.private, true);
  const deno = read("deno.json");
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.equal(deno.imports[name], `npm:${name}@${version}`, `${name} pinned alike`);
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
