/**
 * Writing figures to disk: each as an SVG and a PNG side by side.
 *
 * @module
 */

import { checkObject, checkOptions, checkString } from "./_checks.ts";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Figure } from "./figure.ts";
import { rasterizeAs, type RasterOptions } from "./raster.ts";

/**
 * Writes `dir/name.svg` and `dir/name.png` (creating `dir`), and returns the two paths.
 * The PNG is drawn at `scale` pixels per CSS pixel (default 2).
 *
 * @example
 * ```ts
 * import { barChart, saveFigure } from "./mod.ts";
 * const dir = Deno.makeTempDirSync();
 * const paths = await saveFigure(barChart([{ label: "a", value: 1 }]), dir, "bars");
 * if (!paths[0].endsWith("bars.svg") || !paths[1].endsWith("bars.png")) throw new Error();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function saveFigure(
  figure: Figure,
  dir: string,
  name: string,
  options: RasterOptions = {},
): Promise<[svg: string, png: string]> {
  checkObject("saveFigure", "figure", figure);
  checkString("saveFigure", "figure.svg", figure.svg, false);
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError(`saveFigure: dir must be a folder path, got ${String(dir).slice(0, 40)}`);
  }
  if (typeof name !== "string" || !/^[\w.-]+$/.test(name)) {
    throw new TypeError(
      `saveFigure: name must be a plain file name (letters, digits, _ . -), got ${
        JSON.stringify(name)
      }`,
    );
  }
  await mkdir(dir, { recursive: true });
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  await writeFile(svgPath, figure.svg);
  await writeFile(
    pngPath,
    (await rasterizeAs("saveFigure", figure, {
      scale: 2,
      ...checkOptions("saveFigure", options, ["scale", "background"]),
    })).png,
  );
  return [svgPath, pngPath];
}
