/**
 * Heatmaps with points over them: a model's output over the plane with the training data on
 * top (a decision boundary), or any grid of values.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  CHART_OPTIONS,
  checkDomain,
  checkFinite,
  checkFlag,
  checkNumbers,
  checkOptions,
  checkString,
  extent,
} from "./_checks.ts";
import { colorBytes, type ColorOptions, colorScaleOptions, cssToRgb } from "./_color.ts";
import { pngDataUrl } from "./_png.ts";
import {
  type ChartOptions,
  type Figure,
  layout,
  PALETTE,
  plotFigure,
  titleMark,
} from "./figure.ts";
import { checkGrid, type Grid } from "./grid.ts";

/** Points drawn over a heatmap or a contour plot, coloured by class. */
export interface Points {
  /** The points' x coordinates. */
  readonly x: ArrayLike<number>;
  /** Their y coordinates, as many as `x`. */
  readonly y: ArrayLike<number>;
  /** A class index per point (colour `pointColors[label]`); default all class 0. */
  readonly label?: ArrayLike<number>;
}

/** Options for {@link heatmap}. */
export interface HeatmapOptions extends ChartOptions {
  /** The value range the colours span (default: the grid's extent); values outside clamp. */
  readonly domain?: readonly [number, number];
  /** The colours (default the "viridis" scheme). */
  readonly color?: ColorOptions;
  /** Points drawn on top. */
  readonly points?: Points;
  /** A colour per class for the points (default `PALETTE`). */
  readonly pointColors?: readonly string[];
  /** Point radius in CSS pixels (default 3). */
  readonly pointRadius?: number;
  /**
   * The colour of cells above the domain (matplotlib's `set_over`), e.g. white for "diverges";
   * by default they take the colour of the domain's top.
   */
  readonly overColor?: string;
  /** Contour lines drawn over the cells at these values (e.g. `[0.5]`: the decision boundary). */
  readonly contours?: readonly number[];
  /** Draw the axes (default true; false for small multiples). */
  readonly axes?: boolean;
}

/** Throws unless the points are well formed. */
export function checkPoints(caller: string, points: Points, classes: number): void {
  const n = points.x.length;
  if (points.y.length !== n || (points.label !== undefined && points.label.length !== n)) {
    throw new TypeError(
      `${caller}: points need as many x, y (and label) values: got ${n}, ${points.y.length}` +
        (points.label === undefined ? "" : `, ${points.label.length}`),
    );
  }
  for (let i = 0; i < n; i++) {
    checkFinite(caller, `points.x[${i}]`, points.x[i]);
    checkFinite(caller, `points.y[${i}]`, points.y[i]);
    const l = points.label?.[i] ?? 0;
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw new RangeError(
        `${caller}: points.label[${i}] is ${l}; expected an integer in [0, ${classes})`,
      );
    }
  }
}

/** The marks that draw points coloured by class, with a white outline. */
export function pointMarks(points: Points, colors: readonly string[], r: number): Plot.Markish {
  const rows = Array.from({ length: points.x.length }, (_, i) => ({
    x: points.x[i],
    y: points.y[i],
    fill: colors[points.label?.[i] ?? 0],
  }));
  return Plot.dot(rows, {
    x: "x",
    y: "y",
    fill: "fill",
    stroke: "white",
    strokeWidth: 0.8,
    r,
    clip: true,
  });
}

/** The grid as an image: one pixel per cell, the top row of the image the grid's top row. */
export function gridImage(
  grid: Grid,
  color: (v: number) => [number, number, number],
): string {
  const { cols, rows, values } = grid;
  const bytes = new Uint8Array(cols * rows * 3);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      const [red, green, blue] = Number.isFinite(v) ? color(v) : [255, 255, 255];
      const o = 3 * ((rows - 1 - r) * cols + c);
      bytes[o] = red;
      bytes[o + 1] = green;
      bytes[o + 2] = blue;
    }
  }
  return pngDataUrl(cols, rows, bytes, 3);
}

/**
 * Draws a grid of values as coloured cells filling the frame, with optional contour lines and
 * points on top. The axes span exactly the grid's rectangle.
 *
 * @example
 * ```ts
 * import { heatmap, sampleGrid } from "./mod.ts";
 * const p = sampleGrid((x, y) => 1 / (1 + Math.exp(-4 * x * y)), { x: [-1, 1], y: [-1, 1] });
 * const fig = heatmap(p, {
 *   domain: [0, 1],
 *   points: { x: [-0.5, 0.5], y: [0.5, 0.5], label: [0, 1] },
 *   contours: [0.5],
 * });
 * if (!fig.svg.includes("<image")) throw new Error("no cells");
 * ```
 */
export function heatmap(grid: Grid, options: HeatmapOptions = {}): Figure {
  const caller = "heatmap";
  checkGrid(caller, grid);
  checkOptions(caller, options, [
    ...CHART_OPTIONS,
    ...["domain", "color", "points", "pointColors", "pointRadius", "overColor", "contours", "axes"],
  ]);
  checkFlag(caller, "axes", options.axes);
  checkString(caller, "overColor", options.overColor);
  if (options.contours !== undefined) checkNumbers(caller, "contours", options.contours);
  if (options.pointRadius !== undefined) checkFinite(caller, "pointRadius", options.pointRadius);
  checkDomain(caller, "domain", options.domain);
  const pointColors = options.pointColors ?? PALETTE;
  if (options.points) checkPoints(caller, options.points, pointColors.length);
  const axes = options.axes ?? true;
  const { width, height, margins, frame } = layout(caller, options, {
    width: 420,
    height: 400,
    margins: axes
      ? {}
      : { top: options.title === undefined ? 2 : 18, right: 2, bottom: 2, left: 2 },
  });
  const domain = options.domain ?? extent(Array.from(grid.values).filter(Number.isFinite)) ??
    [0, 1];
  const safeDomain: [number, number] = domain[0] < domain[1]
    ? [domain[0], domain[1]]
    : [domain[0] - 1, domain[0] + 1];
  const scaleOptions = colorScaleOptions(safeDomain, options.color ?? { scheme: "viridis" });
  const inDomain = colorBytes(scaleOptions);
  const over = options.overColor === undefined ? undefined : cssToRgb(options.overColor);
  const top = safeDomain[1];
  const src = gridImage(
    grid,
    over === undefined ? inDomain : (v) => (v > top ? over : inDomain(v)),
  );
  const marks: Plot.Markish[] = [
    Plot.image([{ x: (grid.x[0] + grid.x[1]) / 2, y: (grid.y[0] + grid.y[1]) / 2 }], {
      x: "x",
      y: "y",
      src: () => src,
      width: frame.width,
      height: frame.height,
      preserveAspectRatio: "none",
      // resvg honours optimizeSpeed (nearest neighbour); CSS reads it as pixelated.
      imageRendering: "optimizeSpeed",
    }),
  ];
  if (options.contours !== undefined && options.contours.length > 0) {
    marks.push(
      Plot.contour(Array.from(grid.values), {
        width: grid.cols,
        height: grid.rows,
        x1: grid.x[0],
        x2: grid.x[1],
        y1: grid.y[0],
        y2: grid.y[1],
        thresholds: [...options.contours],
        stroke: "black",
        strokeWidth: 1.5,
        fill: "none",
      }),
    );
  }
  if (options.points) marks.push(pointMarks(options.points, pointColors, options.pointRadius ?? 3));
  marks.push(Plot.frame({ stroke: "#666" }));
  marks.push(titleMark(options.title, margins, width));
  return plotFigure({
    width,
    height,
    margins,
    x: {
      domain: [...grid.x],
      label: options.xLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
      axis: axes ? "bottom" : null,
    },
    y: {
      domain: [...grid.y],
      label: options.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
      axis: axes ? "left" : null,
    },
    marks,
  });
}
