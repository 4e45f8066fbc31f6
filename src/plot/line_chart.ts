/**
 * Line charts: one or more series over a shared x axis (loss per epoch of several runs, a
 * function and its derivative, a measured curve beside a bound).
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  CHART_OPTIONS,
  checkDomain,
  checkFinite,
  checkFlag,
  checkList,
  checkNumbers,
  checkObject,
  checkOptions,
  checkString,
} from "./_checks.ts";
import {
  type ChartOptions,
  type Figure,
  layout,
  legendMarks,
  legendWidth,
  logTickFormat,
  PALETTE,
  plotFigure,
  titleMark,
} from "./figure.ts";

/** One line. */
export interface Series {
  /** Shown in the legend. */
  readonly name: string;
  /** The y values; `NaN` leaves a gap. */
  readonly y: ArrayLike<number>;
  /** The x values, as many as `y` (default 0, 1, 2, ...). */
  readonly x?: ArrayLike<number>;
  /** A CSS colour (default: the next colour of `PALETTE`). */
  readonly color?: string;
  /** Draw the line dashed (a bound or a reference next to a measurement). */
  readonly dashed?: boolean;
  /** Mark every point with a dot. */
  readonly dots?: boolean;
}

/** Options for {@link lineChart}. */
export interface LineChartOptions extends ChartOptions {
  /** Log-scale the y axis (every y must then be > 0). */
  readonly logY?: boolean;
  /** Log-scale the x axis (every x must then be > 0). */
  readonly logX?: boolean;
  /** The x range shown (default: the data's, rounded to nice ticks). */
  readonly xDomain?: readonly [number, number];
  /** The y range shown (default: the data's, rounded to nice ticks). */
  readonly yDomain?: readonly [number, number];
  /** Show a legend in the right margin (default: when there are two or more series). */
  readonly legend?: boolean;
  /** Horizontal grid lines (default true). */
  readonly grid?: boolean;
}

/**
 * One series from a run's history (what `epochSummaries()` emits, collected with `toArray()`):
 * x is the epoch counted from 1, y is `pick(summary)`; a summary without the value (`undefined`)
 * leaves a gap.
 *
 * @example
 * ```ts
 * import { historySeries, lineChart } from "./mod.ts";
 * const history = [
 *   { epoch: 0, trainLoss: 0.9, valLoss: 1.0 },
 *   { epoch: 1, trainLoss: 0.5, valLoss: undefined },
 *   { epoch: 2, trainLoss: 0.3, valLoss: 0.6 },
 * ];
 * const train = historySeries("train", history, (s) => s.trainLoss);
 * const val = historySeries("validation", history, (s) => s.valLoss, { dashed: true });
 * if (Array.from(train.x!).join() !== "1,2,3" || !Number.isNaN(val.y[1])) throw new Error();
 * lineChart([train, val], { xLabel: "epoch", yLabel: "loss", logY: true });
 * ```
 */
export function historySeries<T extends { readonly epoch: number }>(
  name: string,
  history: readonly T[],
  pick: (summary: T) => number | undefined,
  style: Omit<Series, "name" | "x" | "y"> = {},
): Series {
  const caller = "historySeries";
  checkString(caller, "name", name, false);
  if (!Array.isArray(history)) {
    throw new TypeError(`${caller}: history must be an array of epoch summaries`);
  }
  history.forEach((s, i) => {
    checkObject(caller, `history[${i}]`, s);
    checkFinite(caller, `history[${i}].epoch`, s.epoch);
  });
  if (typeof pick !== "function") {
    throw new TypeError(`${caller}: pick must be a function (summary) => number | undefined`);
  }
  checkOptions(caller, style, ["color", "dashed", "dots"], "style");
  return {
    ...style,
    name,
    x: history.map((s) => s.epoch + 1),
    y: history.map((s) => pick(s) ?? NaN),
  };
}

/** A series: an object with a string name, numbers for y (and x), and the style flags. */
function checkSeries(caller: string, what: string, s: Series): void {
  checkObject(caller, what, s);
  checkOptions(caller, s, ["name", "y", "x", "color", "dashed", "dots"], what);
  checkString(caller, `${what}.name`, s.name, false);
  checkNumbers(caller, `${what}.y`, s.y);
  if (s.x !== undefined) checkNumbers(caller, `${what}.x`, s.x);
  checkString(caller, `${what}.color`, s.color);
  checkFlag(caller, `${what}.dashed`, s.dashed);
  checkFlag(caller, `${what}.dots`, s.dots);
}

/** The rows a series becomes, checked: `caller` names the chart in errors. */
export function seriesRows(
  caller: string,
  series: readonly Series[],
  log: { x?: boolean; y?: boolean } = {},
): { x: number; y: number; name: string }[] {
  const rows: { x: number; y: number; name: string }[] = [];
  for (const s of series) {
    if (s.x !== undefined && s.x.length !== s.y.length) {
      throw new TypeError(
        `${caller}: series ${
          JSON.stringify(s.name)
        } has ${s.x.length} x values and ${s.y.length} y values`,
      );
    }
    for (let i = 0; i < s.y.length; i++) {
      const x = s.x === undefined ? i : s.x[i];
      const y = s.y[i];
      checkFinite(caller, `x[${i}] of series ${JSON.stringify(s.name)}`, x);
      checkFinite(caller, `y[${i}] of series ${JSON.stringify(s.name)}`, y, true);
      if (log.x && !(x > 0)) {
        throw new RangeError(
          `${caller}: x[${i}] of series ${
            JSON.stringify(s.name)
          } is ${x}; a log x axis needs x > 0`,
        );
      }
      if (log.y && !(y > 0) && !Number.isNaN(y)) {
        throw new RangeError(
          `${caller}: y[${i}] of series ${
            JSON.stringify(s.name)
          } is ${y}; a log y axis needs y > 0`,
        );
      }
      rows.push({ x, y, name: s.name });
    }
  }
  return rows;
}

/**
 * Draws series as lines over a shared x axis, with a legend in the right margin when there
 * are several.
 *
 * @example
 * ```ts
 * import { lineChart } from "./mod.ts";
 * const fig = lineChart(
 *   [{ name: "train", y: [1.2, 0.6, 0.3] }, { name: "test", y: [1.3, 0.8, 0.6] }],
 *   { xLabel: "epoch", yLabel: "loss", logY: true },
 * );
 * if (!fig.svg.includes(">epoch<")) throw new Error("no x label");
 * ```
 */
export function lineChart(series: readonly Series[], options: LineChartOptions = {}): Figure {
  const caller = "lineChart";
  checkList(caller, "series", series);
  checkOptions(caller, options, [
    ...CHART_OPTIONS,
    ...["logY", "logX", "xDomain", "yDomain", "legend", "grid"],
  ]);
  for (const name of ["logX", "logY", "legend", "grid"] as const) {
    checkFlag(caller, name, options[name]);
  }
  series.forEach((s, i) => checkSeries(caller, `series[${i}]`, s));
  checkDomain(caller, "xDomain", options.xDomain, options.logX);
  checkDomain(caller, "yDomain", options.yDomain, options.logY);
  const showLegend = options.legend ?? series.length > 1;
  const names = series.map((s) => s.name);
  const { width, height, margins } = layout(caller, options, {
    margins: showLegend ? { right: legendWidth(names) } : {},
  });
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const marks: Plot.Markish[] = [];
  if (options.grid ?? true) marks.push(Plot.gridY({ stroke: "#000", strokeOpacity: 0.08 }));
  series.forEach((s, i) => {
    const rows = seriesRows(caller, [s], { x: options.logX, y: options.logY });
    marks.push(
      Plot.line(rows, {
        x: "x",
        y: "y",
        stroke: colors[i],
        strokeWidth: 2,
        strokeDasharray: s.dashed ? "6,4" : undefined,
      }),
    );
    if (s.dots) marks.push(Plot.dot(rows, { x: "x", y: "y", fill: colors[i], r: 2.5 }));
  });
  if (showLegend) {
    marks.push(
      ...legendMarks(series.map((s, i) => ({ name: s.name, color: colors[i] })), {
        dash: series.map((s) => s.dashed ?? false),
      }),
    );
  }
  marks.push(titleMark(options.title, margins, width));
  return plotFigure({
    width,
    height,
    margins,
    x: {
      type: options.logX ? "log" : "linear",
      tickFormat: options.logX ? logTickFormat : undefined,
      domain: options.xDomain as [number, number] | undefined,
      nice: options.xDomain === undefined && !options.logX, // log: nice would round to powers of 10
      label: options.xLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    y: {
      type: options.logY ? "log" : "linear",
      tickFormat: options.logY ? logTickFormat : undefined,
      domain: options.yDomain as [number, number] | undefined,
      nice: options.yDomain === undefined && !options.logY,
      label: options.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    marks,
  });
}
