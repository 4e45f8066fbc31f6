/**
 * Image grids: many small grey (or colour-mapped) images in rows, with captions (digits,
 * an autoencoder's reconstructions, a layer's filters).
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  CHART_OPTIONS,
  checkDomain,
  checkList,
  checkNumbers,
  checkObject,
  checkOptions,
  checkString,
} from "./_checks.ts";
import { colorBytes, type ColorOptions, colorScaleOptions } from "./_color.ts";
import { pngDataUrl } from "./_png.ts";
import { type ChartOptions, type Figure, layout, plotFigure, titleMark } from "./figure.ts";

/** One image: `width * height` values, row by row from the top. */
export interface Image {
  /** `width * height` values, row by row from the top. */
  readonly data: ArrayLike<number>;
  /** Pixels across. */
  readonly width: number;
  /** Pixels down. */
  readonly height: number;
  /** Text under the image. */
  readonly caption?: string;
}

/** Options for {@link imageGrid}. */
export interface ImageGridOptions
  extends Omit<ChartOptions, "width" | "height" | "xLabel" | "yLabel"> {
  /** Images per row (default 8). */
  readonly columns?: number;
  /** CSS pixels per image pixel (default 3). */
  readonly pixelSize?: number;
  /** The value range mapped to colours (default [0, 1]); values outside clamp. */
  readonly domain?: readonly [number, number];
  /** The colours (default black to white). */
  readonly color?: ColorOptions;
}

/**
 * Lays images out in rows of `columns`, each drawn pixel for pixel (no smoothing), with its
 * caption below.
 *
 * @example
 * ```ts
 * import { imageGrid } from "./mod.ts";
 * const stripes = { data: [0, 1, 0, 1, 0, 1], width: 3, height: 2, caption: "a" };
 * const fig = imageGrid([stripes, stripes], { columns: 2, pixelSize: 10 });
 * if (!fig.svg.includes(">a<")) throw new Error("no caption");
 * ```
 */
export function imageGrid(images: readonly Image[], options: ImageGridOptions = {}): Figure {
  const caller = "imageGrid";
  checkList(caller, "image", images);
  checkOptions(caller, options, [
    ...CHART_OPTIONS.filter((k) => !["width", "height", "xLabel", "yLabel"].includes(k)),
    ...["columns", "pixelSize", "domain", "color"],
  ]);
  images.forEach((im, i) => {
    checkObject(caller, `images[${i}]`, im);
    checkNumbers(caller, `images[${i}].data`, im.data);
    checkString(caller, `images[${i}].caption`, im.caption);
  });
  const columns = Math.min(options.columns ?? 8, images.length);
  const pixel = options.pixelSize ?? 3;
  if (!Number.isInteger(columns) || columns < 1) {
    throw new RangeError(`${caller}: columns must be an integer >= 1, got ${options.columns}`);
  }
  if (!Number.isFinite(pixel) || pixel <= 0) {
    throw new RangeError(`${caller}: pixelSize must be > 0, got ${pixel}`);
  }
  checkDomain(caller, "domain", options.domain);
  images.forEach((im, i) => {
    if (
      !Number.isInteger(im.width) || !Number.isInteger(im.height) || im.width < 1 ||
      im.height < 1 || im.data.length !== im.width * im.height
    ) {
      throw new TypeError(
        `${caller}: image ${i} is ${im.width}x${im.height} but has ${im.data.length} values`,
      );
    }
  });
  const captions = images.some((im) => im.caption !== undefined);
  const cellW = Math.max(...images.map((im) => im.width)) * pixel + 6;
  const cellH = Math.max(...images.map((im) => im.height)) * pixel + 6 + (captions ? 14 : 0);
  const rows = Math.ceil(images.length / columns);
  const margins = {
    top: options.title === undefined ? 4 : 24,
    right: 4,
    bottom: 4,
    left: 4,
    ...options.margins,
  };
  const { width, height } = layout(caller, {
    ...options,
    width: columns * cellW + margins.left + margins.right,
    height: rows * cellH + margins.top + margins.bottom,
    margins,
  });
  const color = colorBytes(
    colorScaleOptions(options.domain ?? [0, 1], options.color ?? { colors: ["black", "white"] }),
  );
  const cells = images.map((im, i) => {
    const bytes = new Uint8Array(im.width * im.height * 3);
    for (let k = 0; k < im.width * im.height; k++) {
      const v = im.data[k];
      const [r, g, b] = Number.isFinite(v) ? color(v) : [255, 0, 255];
      bytes.set([r, g, b], 3 * k);
    }
    return {
      col: (i % columns) * cellW + cellW / 2,
      row: Math.floor(i / columns) * cellH + 3 + (im.height * pixel) / 2,
      captionRow: Math.floor(i / columns) * cellH + 3 + im.height * pixel + 10,
      w: im.width * pixel,
      h: im.height * pixel,
      src: pngDataUrl(im.width, im.height, bytes, 3),
      caption: im.caption ?? "",
    };
  });
  const marks: Plot.Markish[] = cells.map((c) =>
    Plot.image([c], {
      x: "col",
      y: "row",
      src: "src",
      width: c.w,
      height: c.h,
      preserveAspectRatio: "none",
      // resvg honours optimizeSpeed (nearest neighbour); CSS reads it as pixelated.
      imageRendering: "optimizeSpeed",
    })
  );
  if (captions) {
    marks.push(Plot.text(cells, { x: "col", y: "captionRow", text: "caption", fontSize: 10 }));
  }
  marks.push(titleMark(options.title, margins, width));
  // x and y are pixel coordinates of the frame, so each image lands exactly on its cell.
  return plotFigure({
    width,
    height,
    margins,
    x: { domain: [0, columns * cellW], axis: null },
    y: { domain: [0, rows * cellH], axis: null, reverse: true },
    marks,
  });
}
