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

export * from "./figure.ts";
export * from "./grid.ts";
export * from "./line_chart.ts";
export * from "./heatmap.ts";
export * from "./contour_plot.ts";
export * from "./bar_chart.ts";
export * from "./histogram.ts";
export * from "./image_grid.ts";
export * from "./sheet.ts";
export * from "./raster.ts";
export * from "./save.ts";
export type { ColorOptions } from "./_color.ts";
