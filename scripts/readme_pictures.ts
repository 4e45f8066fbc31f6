/**
 * Regenerates the pictures the README shows (docs/img/*.png): runs each demonstration in
 * examples/ into a temporary folder, then rasterises the one picture the README takes from it
 * at most `maxWidth` pixels wide, so the repository stays lean (under 1 MiB in all).
 *
 * ```sh
 * deno task pictures
 * ```
 *
 * @module
 */

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "fast-png";
import { type Raster, rasterize } from "../src/plot/mod.ts";

/** Each demonstration and the picture of it the README shows. */
export const README_PICTURES: readonly { script: string; picture: string; maxWidth: number }[] = [
  { script: "activations", picture: "activations", maxWidth: 1100 },
  { script: "universal_approximation", picture: "fits", maxWidth: 1100 },
  { script: "optimizer_trajectories", picture: "trajectories", maxWidth: 1400 },
  { script: "decision_boundaries", picture: "overview", maxWidth: 720 },
  { script: "vanishing_gradients", picture: "sigmoid_bound", maxWidth: 1100 },
  { script: "initialization", picture: "histograms_tanh", maxWidth: 1300 },
  { script: "loss_landscape", picture: "landscapes", maxWidth: 1000 },
  { script: "regularization", picture: "curves", maxWidth: 1400 },
];

/**
 * The picture as an RGB PNG at zlib level 9 with 64 levels per channel (a difference no eye
 * sees at this size): about 40% of resvg's own RGBA PNG for the heatmaps.
 */
export function compact(raster: Raster): Uint8Array {
  const rgb = new Uint8Array(raster.width * raster.height * 3);
  for (let i = 0, j = 0; i < raster.pixels.length; i += 4, j += 3) {
    for (let c = 0; c < 3; c++) {
      rgb[j + c] = Math.min(255, Math.round(raster.pixels[i + c] / 4) * 4);
    }
  }
  return encode(
    { width: raster.width, height: raster.height, data: rgb, channels: 3, depth: 8 },
    { zlib: { level: 9 } },
  );
}

if (import.meta.main) {
  const only = Deno.args; // script names to redo; none: all
  const root = new URL("..", import.meta.url).pathname;
  const tmp = await mkdtemp(join(tmpdir(), "gradstream-pictures-"));
  await mkdir(join(root, "docs", "img"), { recursive: true });
  try {
    for (const { script, picture, maxWidth } of README_PICTURES) {
      if (only.length > 0 && !only.includes(script)) continue;
      const out = join(tmp, script);
      const t0 = performance.now();
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(root, "examples", `${script}.ts`), "--out", out],
        stdout: "null",
        stderr: "inherit",
      }).output();
      if (!run.success) throw new Error(`examples/${script}.ts failed with exit code ${run.code}`);
      const svg = await readFile(join(out, `${picture}.svg`), "utf8");
      const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
      const raster = await rasterize(svg, { scale: Math.min(1, maxWidth / width) });
      const target = join(root, "docs", "img", `${script}.png`);
      const png = compact(raster);
      await writeFile(target, png);
      console.log(
        `${target}: ${raster.width}x${raster.height}, ${(png.length / 1024).toFixed(0)} KiB ` +
          `(examples/${script}.ts ran in ${((performance.now() - t0) / 1000).toFixed(1)}s)`,
      );
    }
  } finally {
    await rm(tmp, { recursive: true });
  }
}
