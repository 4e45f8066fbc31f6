/**
 * Bar charts, on a linear or a log scale, optionally grouped: the gradient norm of each layer
 * for each activation, side by side.
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
  checkObject,
  checkOptions,
  checkString,
  extent,
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

/** One bar. */
export interface Bar {
  /** Where the bar stands on the x axis (a layer's name, say). */
  readonly label: string;
  /** The bar's height (> 0 on a log scale). */
  readonly value: number;
  /** Bars with the same label and different groups stand side by side, coloured by group. */
  readonly group?: string;
}

/** Options for {@link barChart}. */
export interface BarChartOptions extends ChartOptions {
  /** Log-scale the y axis (every value must then be > 0); bars rise from the domain's floor. */
  readonly logY?: boolean;
  /** The y range shown (default: from 0, or on a log scale from the power of ten below the least value). */
  readonly yDomain?: readonly [number, number];
  /** A colour per group, in order of first appearance (default `PALETTE`). */
  readonly colors?: readonly string[];
}

/**
 * Draws bars in the order given; grouped bars stand side by side within their label, with a
 * legend of the groups in the right margin.
 *
 * @example
 * ```ts
 * import { barChart } from "./mod.ts";
 * const fig = barChart(
 *   [
 *     { label: "1", value: 1e-1, group: "sigmoid" }, { label: "1", value: 1, group: "relu" },
 *     { label: "2", value: 2e-2, group: "sigmoid" }, { label: "2", value: 1, group: "relu" },
 *   ],
 *   { logY: true, xLabel: "layer", yLabel: "gradient norm" },
 * );
 * if (!fig.svg.includes(">sigmoid<")) throw new Error("no legend");
 * ```
 */
export function barChart(bars: readonly Bar[], options: BarChartOptions = {}): Figure {
  const caller = "barChart";
  checkList(caller, "bar", bars);
  checkOptions(caller, options, [...CHART_OPTIONS, "logY", "yDomain", "colors"]);
  checkFlag(caller, "logY", options.logY);
  bars.forEach((b, i) => {
    checkObject(caller, `bars[${i}]`, b);
    checkString(caller, `bars[${i}].label`, b.label, false);
    checkString(caller, `bars[${i}].group`, b.group);
  });
  const log = options.logY ?? false;
  checkDomain(caller, "yDomain", options.yDomain, log);
  bars.forEach((b, i) => {
    checkFinite(caller, `bars[${i}].value`, b.value);
    if (log && !(b.value > 0)) {
      throw new RangeError(
        `${caller}: bars[${i}].value is ${b.value}; a log y axis needs values > 0`,
      );
    }
  });
  const groups = [...new Set(bars.map((b) => b.group ?? ""))];
  const grouped = groups.length > 1 || groups[0] !== "";
  const labels = [...new Set(bars.map((b) => b.label))];
  const colors = groups.map((_, i) => options.colors?.[i] ?? PALETTE[i % PALETTE.length]);
  const { width, height, margins } = layout(caller, options, {
    margins: grouped ? { right: legendWidth(groups) } : {},
  });
  const [lo, hi] = extent(bars.map((b) => b.value))!;
  const domain: [number, number] = options.yDomain !== undefined
    ? [options.yDomain[0], options.yDomain[1]]
    : log
    ? [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))]
    : [Math.min(0, lo), Math.max(0, hi)];
  const rows = bars.map((b) => ({ ...b, group: b.group ?? "", base: log ? domain[0] : 0 }));
  const fill = (r: { group: string }) => colors[groups.indexOf(r.group)];
  const marks: Plot.Markish[] = [
    Plot.gridY({ stroke: "#000", strokeOpacity: 0.08 }),
    grouped
      ? Plot.barY(rows, { fx: "label", x: "group", y1: "base", y2: "value", fill })
      : Plot.barY(rows, { x: "label", y1: "base", y2: "value", fill }),
  ];
  if (!log) marks.push(Plot.ruleY([0]));
  if (grouped) {
    marks.push(
      ...legendMarks(groups.map((name, i) => ({ name, color: colors[i] })), { faceted: true }),
    );
  }
  marks.push(titleMark(options.title, margins, width));
  return plotFigure({
    width,
    height,
    margins,
    fx: grouped
      ? {
        domain: labels,
        label: options.xLabel ?? null,
        axis: "bottom",
        labelAnchor: "center",
        padding: 0.15,
      }
      : undefined,
    x: grouped
      ? { domain: groups, axis: null, padding: 0.05 }
      : { domain: labels, label: options.xLabel ?? null, labelAnchor: "center", padding: 0.15 },
    y: {
      type: log ? "log" : "linear",
      tickFormat: log ? logTickFormat : undefined,
      domain,
      label: options.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    marks,
  });
}
