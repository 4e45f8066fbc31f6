/** Reading the pictures the plot tests draw: decoded PNGs, pixels at data coordinates, text. */

import assert from "node:assert/strict";
import { decode } from "fast-png";
import type { Figure } from "../src/plot/figure.ts";
import { rasterize } from "../src/plot/raster.ts";

/** An RGBA picture, decoded from the PNG the library wrote. */
export interface Picture {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
  /** Pixels per CSS pixel it was drawn at. */
  readonly scale: number;
}

/**
 * Rasterises a figure, decodes the PNG it produced (with fast-png, not resvg), and checks
 * that the decoded pixels are the raster's and the size is the figure's times `scale`.
 */
export async function draw(figure: Figure, scale = 2): Promise<Picture> {
  const raster = await rasterize(figure, { scale });
  const png = decode(raster.png);
  assert.equal(png.width, Math.round(figure.width * scale));
  assert.equal(png.height, Math.round(figure.height * scale));
  assert.equal(png.depth, 8);
  assert.equal(png.channels, 4);
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  assert.deepEqual(rgba, raster.pixels, "the PNG decodes to the raster's pixels");
  return { width: png.width, height: png.height, rgba, scale };
}

/** The RGB of the pixel under CSS position (x, y). */
export function rgbAt(pic: Picture, x: number, y: number): [number, number, number] {
  const px = Math.floor(x * pic.scale);
  const py = Math.floor(y * pic.scale);
  assert.ok(px >= 0 && px < pic.width && py >= 0 && py < pic.height, `(${x}, ${y}) is outside`);
  const o = 4 * (py * pic.width + px);
  return [pic.rgba[o], pic.rgba[o + 1], pic.rgba[o + 2]];
}

/** Whether the pixel under CSS position (x, y) is within `tol` of `rgb` in every channel. */
export function isColor(
  pic: Picture,
  x: number,
  y: number,
  rgb: readonly number[],
  tol = 40,
): boolean {
  return rgbAt(pic, x, y).every((c, i) => Math.abs(c - rgb[i]) <= tol);
}

/** The fraction of pixels that are not white. */
export function inkFraction(pic: Picture): number {
  let ink = 0;
  for (let i = 0; i < pic.rgba.length; i += 4) {
    if (pic.rgba[i] < 250 || pic.rgba[i + 1] < 250 || pic.rgba[i + 2] < 250) ink++;
  }
  return ink / (pic.width * pic.height);
}

/** The text content of every <text> element of an SVG (entities decoded). */
export function svgTexts(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)) {
    for (const t of m[1].replace(/<[^>]+>/g, "\n").split("\n")) {
      const s = t.replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
        .replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").trim();
      if (s !== "") out.push(s);
    }
  }
  return out;
}

/** Maps data coordinates to CSS pixels in a frame, as a linear (or log) scale would. */
export function toPixel(
  frame: { left: number; top: number; width: number; height: number },
  xDomain: readonly [number, number],
  yDomain: readonly [number, number],
  log: { x?: boolean; y?: boolean } = {},
): (x: number, y: number) => [number, number] {
  const t = (v: number, [a, b]: readonly [number, number], isLog?: boolean) =>
    isLog ? (Math.log(v) - Math.log(a)) / (Math.log(b) - Math.log(a)) : (v - a) / (b - a);
  return (x, y) => [
    frame.left + t(x, xDomain, log.x) * frame.width,
    frame.top + (1 - t(y, yDomain, log.y)) * frame.height,
  ];
}
