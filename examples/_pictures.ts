/**
 * What the picture-drawing examples share: their command line (`--out DIR`, `--quick`) and
 * writing each figure as SVG and PNG, naming every file written.
 *
 * @module
 */

import process from "node:process";
import { basename, join } from "node:path";
import { type Figure, saveFigure } from "../src/plot/mod.ts";

/** The options every picture example takes. */
export interface PictureArgs {
  /** Where the pictures go: `--out DIR`, default `out/<script name>/`. */
  readonly dir: string;
  /** `--quick`: a shorter run with the same pictures. */
  readonly quick: boolean;
}

/** Reads `--out DIR` and `--quick` from the command line of the script at `url`. */
export function pictureArgs(url: string): PictureArgs {
  const args = process.argv.slice(2);
  const name = basename(new URL(url).pathname).replace(/\.ts$/, "");
  let dir = join("out", name);
  let quick = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--quick") quick = true;
    else if (args[i] === "--out" && i + 1 < args.length) dir = args[++i];
    else if (args[i].startsWith("--out=")) dir = args[i].slice("--out=".length);
    else {
      throw new TypeError(
        `${name}: unknown argument ${JSON.stringify(args[i])} (expected --out DIR, --quick)`,
      );
    }
  }
  return { dir, quick };
}

/** Writes every figure as `dir/name.svg` and `dir/name.png` and prints the paths. */
export async function writeFigures(dir: string, figures: Record<string, Figure>): Promise<void> {
  console.log(`\npictures in ${dir}/:`);
  for (const [name, figure] of Object.entries(figures)) {
    const [svg, png] = await saveFigure(figure, dir, name);
    console.log(`  ${svg}\n  ${png}`);
  }
}
