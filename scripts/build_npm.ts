/**
 * Builds the npm package into `dist/`: ES modules and `.d.ts` files compiled from the
 * TypeScript sources by the TypeScript compiler (`typescript`, pinned in package.json), with
 * `.ts` import specifiers rewritten to `.js`.
 *
 * Run by `npm pack` and `npm publish` at the repository root (package.json's `prepack`), or by
 * hand: `deno run --allow-read=. --allow-write=dist --allow-env scripts/build_npm.ts`, or
 * `bun scripts/build_npm.ts`.
 *
 * The entry points come from deno.json's `exports`, so JSR and npm publish the same ones:
 * `"."` becomes `dist/index.js`, any other `"./name"` becomes `dist/entry/name.js`, each a
 * one-line re-export of the compiled module under `dist/lib/`. package.json maps `"."` and
 * the pattern `"./*"` onto those files, so a subpath added to deno.json needs no change here
 * or there. After compiling, every deno.json export is resolved through package.json's
 * `exports` and must land on a file the build wrote; otherwise the build fails, saying which.
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const lib = join(dist, "lib");

/** The exports map of a package.json: subpath to a target or to conditions. */
type ExportsMap = Record<string, string | Record<string, string>>;

/** deno.json's `exports`, as a map from subpath to source file. */
function denoExports(): Record<string, string> {
  const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  const exports = typeof config.exports === "string" ? { ".": config.exports } : config.exports;
  if (exports === null || typeof exports !== "object" || !("." in exports)) {
    throw new Error(`build_npm: deno.json needs an "exports" map with a "." entry`);
  }
  return exports as Record<string, string>;
}

/** Where the build writes the entry module for a subpath, without the extension. */
export function entryFile(subpath: string): string {
  if (subpath === ".") return "index";
  if (!/^\.\/[a-z0-9_][a-z0-9_/-]*$/.test(subpath)) {
    throw new Error(`build_npm: unsupported export subpath "${subpath}" in deno.json`);
  }
  return `entry/${subpath.slice(2)}`;
}

/** `./x.ts` to `./x.js`; bare and non-TypeScript specifiers unchanged. */
export function jsSpecifier(specifier: string): string {
  return /^\.\.?\//.test(specifier) ? specifier.replace(/\.(m|c)?ts$/, ".$1js") : specifier;
}

/**
 * tsc rewrites `.ts` specifiers in the JavaScript it emits but not in declaration files; this
 * transform does the same there, on import and export declarations and `import("...")` types.
 */
const rewriteDeclarationSpecifiers: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (ctx) => {
  const f = ctx.factory;
  const literal = (node: ts.Expression | undefined) =>
    node !== undefined && ts.isStringLiteral(node) && jsSpecifier(node.text) !== node.text
      ? f.createStringLiteral(jsSpecifier(node.text))
      : undefined;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      const spec = literal(node.moduleSpecifier);
      if (spec) {
        return f.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          spec,
          node.attributes,
        );
      }
    } else if (ts.isExportDeclaration(node)) {
      const spec = literal(node.moduleSpecifier);
      if (spec) {
        return f.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          spec,
          node.attributes,
        );
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const spec = literal(node.argument.literal as ts.Expression);
      if (spec) {
        return f.updateImportTypeNode(
          node,
          f.updateLiteralTypeNode(node.argument, spec),
          node.attributes,
          node.qualifier,
          node.typeArguments,
          node.isTypeOf,
        );
      }
    }
    return ts.visitEachChild(node, visit, ctx);
  };
  return (root) => ts.visitNode(root, visit) as typeof root;
};

/** Compiles the sources reachable from the entry points; throws with tsc's diagnostics. */
function compile(sources: string[]): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    types: ["node"],
    strict: true,
    isolatedModules: true,
    rewriteRelativeImportExtensions: true,
    declaration: true,
    rootDir: root,
    outDir: lib,
    newLine: ts.NewLineKind.LineFeed,
    skipLibCheck: true,
  };
  // A lib file the compiler cannot read only shows as hundreds of missing globals; say why.
  const libFile = ts.getDefaultLibFilePath(options);
  try {
    readFileSync(libFile);
  } catch (e) {
    throw new Error(
      `build_npm: cannot read the TypeScript compiler's lib files (${libFile}): ${
        (e as Error).message
      }. Run \`deno install\` (or \`bun install\`) first; under Deno, --allow-read must cover ` +
        `that folder (deno task build:npm grants the repository, where node_modules is).`,
    );
  }
  const program = ts.createProgram(sources, options);
  const result = program.emit(undefined, undefined, undefined, undefined, {
    afterDeclarations: [rewriteDeclarationSpecifiers],
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0 || result.emitSkipped) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    };
    throw new Error(
      `build_npm: the TypeScript compiler reported ${diagnostics.length} problem(s):\n` +
        ts.formatDiagnostics(diagnostics, host),
    );
  }
}

/** Writes `dist/<entry>.js` and `.d.ts`, each re-exporting the compiled module. */
function writeEntry(subpath: string, source: string): string {
  const file = join(dist, `${entryFile(subpath)}.js`);
  const compiled = join(lib, source.replace(/\.ts$/, ".js"));
  if (!existsSync(compiled)) {
    throw new Error(`build_npm: ${source} (deno.json's "${subpath}") was not compiled`);
  }
  let target = relative(dirname(file), compiled).replaceAll("\\", "/");
  if (!target.startsWith(".")) target = `./${target}`;
  const line = `// gradstream${subpath === "." ? "" : subpath.slice(1)}: see ${source}\n` +
    `export * from "${target}";\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, line);
  writeFileSync(file.replace(/\.js$/, ".d.ts"), line);
  return file;
}

/**
 * Resolves a subpath through a package.json `exports` map (exact keys, then `*` patterns) to
 * the file for the `condition` given, as Node does for the cases this package uses.
 *
 * @example
 * ```ts
 * import { resolveExport } from "./build_npm.ts";
 * const map = { "./*": { types: "./dist/entry/*.d.ts", default: "./dist/entry/*.js" } };
 * if (resolveExport(map, "./testing", "default") !== "./dist/entry/testing.js") {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function resolveExport(
  map: ExportsMap,
  subpath: string,
  condition: string,
): string | undefined {
  const pick = (target: string | Record<string, string>) =>
    typeof target === "string" ? target : (target[condition] ?? target.default);
  if (subpath in map) return pick(map[subpath]);
  for (const [key, target] of Object.entries(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const head = key.slice(0, star), tail = key.slice(star + 1);
    if (subpath.startsWith(head) && subpath.endsWith(tail) && subpath.length >= key.length - 1) {
      const match = subpath.slice(head.length, subpath.length - tail.length);
      return pick(target)?.replaceAll("*", match);
    }
  }
  return undefined;
}

/** Every deno.json export must reach, through package.json, a file this build wrote. */
function checkPackageJson(exports: Record<string, string>): void {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const problems: string[] = [];
  for (const subpath of Object.keys(exports)) {
    for (const condition of ["types", "default"]) {
      const target = resolveExport(pkg.exports ?? {}, subpath, condition);
      const want = `./dist/${entryFile(subpath)}.${condition === "types" ? "d.ts" : "js"}`;
      if (target !== want) {
        problems.push(`"${subpath}" (${condition}) resolves to ${target} instead of ${want}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `build_npm: package.json's "exports" disagree with deno.json's:\n  ` +
        problems.join("\n  "),
    );
  }
}

/** Builds `dist/`; returns the entry files written. */
export function buildNpm(): string[] {
  const exports = denoExports();
  rmSync(dist, { recursive: true, force: true });
  compile(Object.values(exports).map((source) => join(root, source)));
  const written = Object.entries(exports).map(([subpath, source]) =>
    writeEntry(subpath, source.replace(/^\.\//, ""))
  );
  checkPackageJson(exports);
  return written;
}

if (import.meta.main) {
  const written = buildNpm();
  console.log(`build_npm: wrote dist/ (${written.map((f) => relative(root, f)).join(", ")})`);
}
