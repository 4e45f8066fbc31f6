/**
 * From SVG to pixels with resvg (`@resvg/resvg-wasm`): the same WebAssembly build on Deno,
 * Bun and Node, with DejaVu Sans (from the `dejavu-fonts-ttf` package) as the only font, so a
 * picture looks the same on every machine and needs no system fonts.
 *
 * @module
 */

import { checkOptions, checkString } from "./_checks.ts";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Figure } from "./figure.ts";

/** Options for {@link rasterize} and {@link toPng}. */
export interface RasterOptions {
  /** Pixels per CSS pixel (default 1; 2 for a sharp picture on a high-density screen). */
  readonly scale?: number;
  /** Background colour behind transparent parts (default white). */
  readonly background?: string;
}

/** A rasterised figure: RGBA bytes, row by row from the top-left, 4 per pixel. */
export interface Raster {
  /** Pixels across (the figure's width times the scale). */
  readonly width: number;
  /** Pixels down. */
  readonly height: number;
  /** `width * height * 4` bytes: red, green, blue, alpha of each pixel. */
  readonly pixels: Uint8Array;
  /** The same picture as a PNG file. */
  readonly png: Uint8Array;
}

interface Renderer {
  readonly fonts: Uint8Array[];
}

// resvg's WebAssembly module may be initialised once per process; every call shares the one
// load (and the font bytes), started by the first call.
let renderer: Promise<Renderer> | undefined;

function loadRenderer(op: string): Promise<Renderer> {
  renderer ??= (async () => {
    const require = createRequire(import.meta.url);
    const [wasm, regular, bold] = await Promise.all([
      readFile(require.resolve("@resvg/resvg-wasm/index_bg.wasm")),
      readFile(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")),
      readFile(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf")),
    ]);
    await initWasm(wasm);
    return { fonts: [new Uint8Array(regular), new Uint8Array(bold)] };
  })().catch((e) => {
    renderer = undefined; // a later call, with the permission granted, tries again
    const name = (e as Error | undefined)?.name;
    if (name !== "NotCapable" && name !== "PermissionDenied") throw e;
    // Node's module resolution walks up from this module's folder through every node_modules.
    throw new Error(
      `${op}: Deno denied a read while finding resvg's WebAssembly and the DejaVu fonts in ` +
        `node_modules (${String((e as Error).message).slice(0, 160)}); run with --allow-read=. ` +
        `from the project that installed gradstream (or --allow-read)`,
      { cause: e },
    );
  });
  return renderer;
}

/** The most pixels one picture may have (256 MiB of RGBA). */
const MAX_PIXELS = 2 ** 26;

/**
 * Rasterises a figure (or SVG text) with resvg: RGBA pixels and a PNG of the same picture.
 *
 * @example
 * ```ts
 * import { lineChart, rasterize } from "./mod.ts";
 * const fig = lineChart([{ name: "loss", y: [3, 2, 1] }], { width: 200, height: 100 });
 * const raster = await rasterize(fig, { scale: 2 });
 * if (raster.width !== 400 || raster.height !== 200) throw new Error("wrong size");
 * ```
 */
export function rasterize(figure: Figure | string, options: RasterOptions = {}): Promise<Raster> {
  return rasterizeAs("rasterize", figure, options);
}

/** {@linkcode rasterize} under the name of the public function that called it. */
export async function rasterizeAs(
  op: string,
  figure: Figure | string,
  options: RasterOptions,
): Promise<Raster> {
  checkOptions(op, options, ["scale", "background"]);
  checkString(op, "background", options.background);
  const scale = options.scale ?? 1;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0 || scale > 16) {
    throw new RangeError(`${op}: scale must be in (0, 16], got ${scale}`);
  }
  const svg = typeof figure === "string" ? figure : (figure as Figure | null)?.svg;
  if (typeof svg !== "string" || !/^\s*<svg\b/.test(svg)) {
    throw new TypeError(
      `${op}: expected a Figure or SVG text starting with <svg, got ${
        typeof svg === "string" ? JSON.stringify(svg.slice(0, 40)) : typeof svg
      }`,
    );
  }
  const { fonts } = await loadRenderer(op);
  const resvg = new Resvg(svg, {
    background: options.background ?? "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      fontBuffers: fonts,
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  try {
    // resvg allocates the whole pixmap at once: refuse what would not fit in memory.
    const pixels = Math.ceil(resvg.width * scale) * Math.ceil(resvg.height * scale);
    if (!(pixels <= MAX_PIXELS)) {
      throw new RangeError(
        `${op}: ${resvg.width}x${resvg.height} at scale ${scale} is ${pixels} pixels, ` +
          `more than the ${MAX_PIXELS} allowed; draw it smaller or at a lower scale`,
      );
    }
    const image = resvg.render();
    try {
      return {
        width: image.width,
        height: image.height,
        pixels: new Uint8Array(image.pixels),
        png: new Uint8Array(image.asPng()),
      };
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/**
 * The PNG file of a figure.
 *
 * @example
 * ```ts
 * import { histogram, toPng } from "./mod.ts";
 * const png = await toPng(histogram([{ name: "w", values: [0, 1, 1, 2] }]));
 * if (png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new Error("not a PNG");
 * ```
 */
export async function toPng(
  figure: Figure | string,
  options: RasterOptions = {},
): Promise<Uint8Array> {
  return (await rasterizeAs("toPng", figure, options)).png;
}
