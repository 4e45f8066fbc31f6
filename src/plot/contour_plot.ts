/**
 * Contour plots with paths over them: a loss surface with the trajectories of optimisers.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { CHART_OPTIONS, checkFinite, checkFlag, checkOptions, extent } from "./_checks.ts";
import { type ColorOptions, colorScaleOptions } from "./_color.ts";
import {
  type ChartOptions,
  type Figure,
  layout,
  legendMarks,
  legendWidth,
  PALETTE,
  plotFigure,
  titleMark,
} from "./figure.ts";
import { checkGrid, type Grid } from "./grid.ts";
import { checkPoints, pointMarks, type Points } from "./heatmap.ts";

/** A path drawn over the contours (an optimiser's iterates). */
export interface Path {
  /** Shown in the legend. */
  readonly name: string;
  /** The x coordinates of the path's points, in order. */
  readonly x: ArrayLike<number>;
  /** The y coordinates, as many as `x`. */
  readonly y: ArrayLike<number>;
  /** A CSS colour (default: the next colour of `PALETTE`). */
  readonly color?: string;
}

/** Options for {@link contourPlot}. */
export interface ContourOptions extends ChartOptions {
  /**
   * The levels: a count (default 12, spread evenly, or geometrically with `logScale`) or the
   * values themselves.
   */
  readonly thresholds?: number | readonly number[];
  /** Space the levels and colours logarithmically (every value must be > 0). */
  readonly logScale?: boolean;
  /** Fill the bands between levels, and below the lowest (default true). */
  readonly filled?: boolean;
  /**
   * The band colours (default: white-blue to steel blue, light at the bottom so that paths
   * converging on a minimum stay visible). Bands are opaque: Plot's contour regions nest, so
   * translucent bands would darken one another.
   */
  readonly color?: ColorOptions;
  /** Paths drawn on top, each with a dot at its start and a ring at its end. */
  readonly paths?: readonly Path[];
  /** Points drawn on top (a minimum, say), class 0 black unless `pointColors` says. */
  readonly points?: Points;
  /** A colour per class for the points (default black). */
  readonly pointColors?: readonly string[];
}

/** The most contour levels one plot draws. */
const MAX_LEVELS = 10000;

const DEFAULT_BANDS = ["#f7fbff", "#d4e4f2", "#9ecae1", "#5d9cc9", "#2f6f9f"];

/** `count` levels over `[lo, hi]`, evenly or geometrically spaced, excluding the ends. */
export function levels(lo: number, hi: number, count: number, log: boolean): number[] {
  checkFinite("levels", "lo", lo);
  checkFinite("levels", "hi", hi);
  if (!(lo < hi) || (log && !(lo > 0))) {
    throw new RangeError(
      `levels: needs lo < hi${log ? " and lo > 0 (log spacing)" : ""}, got ${lo} and ${hi}`,
    );
  }
  if (typeof count !== "number") {
    throw new TypeError(`levels: count must be a number, got ${typeof count}`);
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_LEVELS) {
    throw new RangeError(`levels: count must be an integer in [1, ${MAX_LEVELS}], got ${count}`);
  }
  if (typeof log !== "boolean") {
    throw new TypeError(`levels: log must be a boolean, got ${typeof log}`);
  }
  const out: number[] = [];
  for (let i = 1; i <= count; i++) {
    const t = i / (count + 1);
    out.push(log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo));
  }
  return out;
}

/**
 * Draws a grid of values as contour lines (and filled bands), with paths and points on top.
 *
 * @example
 * ```ts
 * import { contourPlot, sampleGrid } from "./mod.ts";
 * const bowl = sampleGrid((x, y) => x * x + 10 * y * y, { x: [-2, 2], y: [-1, 1] });
 * const fig = contourPlot(bowl, {
 *   paths: [{ name: "gd", x: [-1.5, -1, -0.5], y: [0.8, -0.6, 0.4] }],
 *   xLabel: "w1",
 *   yLabel: "w2",
 * });
 * if (!fig.svg.includes(">gd<")) throw new Error("no legend");
 * ```
 */
export function contourPlot(grid: Grid, options: ContourOptions = {}): Figure {
  const caller = "contourPlot";
  checkGrid(caller, grid);
  checkOptions(caller, options, [
    ...CHART_OPTIONS,
    ...["thresholds", "logScale", "filled", "color", "paths", "points", "pointColors"],
  ]);
  checkFlag(caller, "logScale", options.logScale);
  checkFlag(caller, "filled", options.filled);
  if (options.paths !== undefined && !Array.isArray(options.paths)) {
    throw new TypeError(`${caller}: paths must be an array of paths`);
  }
  const log = options.logScale ?? false;
  const finite = Array.from(grid.values).filter(Number.isFinite);
  if (log && finite.some((v) => v <= 0)) {
    throw new RangeError(
      `${caller}: logScale needs every value > 0, got min ${Math.min(...finite)}`,
    );
  }
  const [lo, hi] = extent(finite) ?? [0, 1];
  const t = options.thresholds ?? 12;
  if (typeof t === "number" && (!Number.isInteger(t) || t < 1)) {
    throw new RangeError(`${caller}: thresholds must be an integer >= 1 or a list, got ${t}`);
  }
  const thresholds = typeof t === "number" ? levels(lo, hi, t, log) : [...t];
  thresholds.forEach((v, i) => checkFinite(caller, `thresholds[${i}]`, v));
  const paths = options.paths ?? [];
  paths.forEach((p) => {
    if (p.x.length !== p.y.length) {
      throw new TypeError(
        `${caller}: path ${JSON.stringify(p.name)} has ${p.x.length} x and ${p.y.length} y values`,
      );
    }
  });
  const pointColors = options.pointColors ?? ["black"];
  if (options.points) checkPoints(caller, options.points, pointColors.length);
  const { width, height, margins } = layout(caller, options, {
    width: 520,
    height: 420,
    margins: paths.length > 0 ? { right: legendWidth(paths.map((p) => p.name)) } : {},
  });
  const colors = paths.map((p, i) => p.color ?? PALETTE[i % PALETTE.length]);
  const filled = options.filled ?? true;
  // Marching squares round off the corners of the outermost cells; padding the grid with a
  // copy of its edge one cell further out, and clipping to the frame, keeps the bands square.
  const { cols, rows } = grid;
  const values: number[] = [];
  for (let r = -1; r <= rows; r++) {
    for (let c = -1; c <= cols; c++) {
      const v =
        grid.values[Math.min(rows - 1, Math.max(0, r)) * cols + Math.min(cols - 1, Math.max(0, c))];
      values.push(Number.isFinite(v) ? v : NaN);
    }
  }
  const dx = (grid.x[1] - grid.x[0]) / cols;
  const dy = (grid.y[1] - grid.y[0]) / rows;
  // Filled, the band below the first level is drawn too (from the least value), as
  // matplotlib's contourf does; Plot fills only the regions above each threshold.
  const sorted = [...thresholds].sort((a, b) => a - b);
  const bands = filled && sorted.length > 0 && sorted[0] > lo ? [lo, ...sorted] : sorted;
  const contour = {
    width: cols + 2,
    height: rows + 2,
    x1: grid.x[0] - dx,
    x2: grid.x[1] + dx,
    y1: grid.y[0] - dy,
    y2: grid.y[1] + dy,
    thresholds: bands,
    clip: true,
  };
  const colorDomain: [number, number] = lo < hi ? [lo, hi] : [lo - 1, lo + 1];
  const colorScale = colorScaleOptions(
    colorDomain,
    options.color ?? { colors: DEFAULT_BANDS },
    log,
  );
  const marks: Plot.Markish[] = [
    filled
      ? Plot.contour(values, {
        ...contour,
        fill: Plot.identity,
        stroke: "white",
        strokeOpacity: 0.6,
        strokeWidth: 0.5,
      })
      : Plot.contour(values, { ...contour, stroke: Plot.identity, strokeWidth: 1 }),
    Plot.frame({ stroke: "#666" }),
  ];
  paths.forEach((p, i) => {
    const rows = Array.from({ length: p.x.length }, (_, k) => ({ x: p.x[k], y: p.y[k] }))
      .filter((r) => Number.isFinite(r.x) && Number.isFinite(r.y));
    marks.push(
      Plot.line(rows, { x: "x", y: "y", stroke: colors[i], strokeWidth: 1.8, clip: true }),
    );
    if (rows.length > 0) {
      marks.push(
        Plot.dot(rows.slice(0, 1), { x: "x", y: "y", fill: colors[i], r: 3.5, clip: true }),
      );
      marks.push(
        Plot.dot(rows.slice(-1), {
          x: "x",
          y: "y",
          stroke: colors[i],
          strokeWidth: 2,
          r: 5,
          clip: true,
        }),
      );
    }
  });
  if (options.points) marks.push(pointMarks(options.points, pointColors, 4));
  if (paths.length > 0) {
    marks.push(...legendMarks(paths.map((p, i) => ({ name: p.name, color: colors[i] }))));
  }
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
    },
    y: {
      domain: [...grid.y],
      label: options.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    color: colorScale,
    marks,
  });
}
