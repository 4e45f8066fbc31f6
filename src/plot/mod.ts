/**
 * gradstream/plot: the pictures of a training run, drawn by Observable Plot into SVG and
 * rasterised to PNG by resvg, the same on Deno, Bun and Node (no browser, no system fonts).
 *
 * Every chart is a function from data to a {@link Figure} (SVG text and a size); `sheet`
 * lays figures out on one page; `rasterize` and `toPng` draw one into pixels; `saveFigure`
 * writes the SVG and the PNG.
 *
 * @example
 * ```ts
 * import { lineChart, rasterize } from "./mod.ts";
 * const history = [{ trainLoss: 0.9, valLoss: 1.0 }, { trainLoss: 0.4, valLoss: 0.6 }];
 * const fig = lineChart(
 *   [
 *     { name: "train", x: [1, 2], y: history.map((h) => h.trainLoss) },
 *     { name: "test", x: [1, 2], y: history.map((h) => h.valLoss) },
 *   ],
 *   { xLabel: "epoch", yLabel: "loss", logY: true, width: 400, height: 250 },
 * );
 * const { width, height } = await rasterize(fig);
 * if (width !== 400 || height !== 250) throw new Error(`${width}x${height}`);
 * ```
 *
 * @module
 */

// Figures and their layout.
export { DEFAULT_MARGINS, FONT_FAMILY, PALETTE } from "./figure.ts";
export type { ChartOptions, Figure, Frame, Margins } from "./figure.ts";
export { logTickFormat } from "./figure.ts";
export { sheet, type SheetOptions } from "./sheet.ts";

// Grids of values over the plane.
export { gridOf, gridPoints, sampleGrid } from "./grid.ts";
export type { Grid, GridSpec } from "./grid.ts";

// The charts.
export { historySeries, lineChart, type LineChartOptions, type Series } from "./line_chart.ts";
export { heatmap, type HeatmapOptions, type Points } from "./heatmap.ts";
export { type ContourOptions, contourPlot, levels, type Path } from "./contour_plot.ts";
export { type Bar, barChart, type BarChartOptions } from "./bar_chart.ts";
export { histogram, type HistogramOptions, type ValueSet } from "./histogram.ts";
export { type Image, imageGrid, type ImageGridOptions } from "./image_grid.ts";
export type { ColorOptions, ColorScheme } from "./_color.ts";

// Pixels and files.
export { type Raster, rasterize, type RasterOptions, toPng } from "./raster.ts";
export { saveFigure } from "./save.ts";
