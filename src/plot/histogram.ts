/**
 * Histograms of one or more sets of values, overlaid or one row each (the activations of every
 * layer, the weights under L1 and under L2).
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

/** A named set of values. */
export interface ValueSet {
  /** Shown in the legend, or beside its row. */
  readonly name: string;
  /** The values binned (finite). */
  readonly values: ArrayLike<number>;
  /** A CSS colour (default: the next colour of `PALETTE`). */
  readonly color?: string;
}

/** Options for {@link histogram}. */
export interface HistogramOptions extends ChartOptions {
  /** Number of bins across the x range (default 40). */
  readonly bins?: number;
  /** The x range binned (default: the values' extent); values outside are left out. */
  readonly xDomain?: readonly [number, number];
  /** `"overlay"` (default): the sets over one another, half transparent; `"rows"`: one row each. */
  readonly layout?: "overlay" | "rows";
  /** The y axis: `"count"` (default) or `"fraction"` of each set's values per bin. */
  readonly measure?: "count" | "fraction";
  /** Log-scale the counts (empty bins are then not drawn). */
  readonly logY?: boolean;
}

/**
 * Bins each set's values over shared bin edges and draws the counts (or fractions) as bars.
 *
 * @example
 * ```ts
 * import { histogram } from "./mod.ts";
 * const fig = histogram(
 *   [{ name: "L1", values: [0, 0, 0, 0.5] }, { name: "L2", values: [0.1, 0.2, 0.3, 0.4] }],
 *   { bins: 5, xLabel: "weight" },
 * );
 * if (!fig.svg.includes(">weight<")) throw new Error("no x label");
 * ```
 */
export function histogram(sets: readonly ValueSet[], options: HistogramOptions = {}): Figure {
  const caller = "histogram";
  checkList(caller, "set of values", sets);
  checkOptions(caller, options, [...CHART_OPTIONS, "bins", "xDomain", "layout", "measure", "logY"]);
  checkFlag(caller, "logY", options.logY);
  if (options.layout !== undefined && options.layout !== "overlay" && options.layout !== "rows") {
    throw new RangeError(`${caller}: layout must be "overlay" or "rows"`);
  }
  if (
    options.measure !== undefined && options.measure !== "count" && options.measure !== "fraction"
  ) {
    throw new RangeError(`${caller}: measure must be "count" or "fraction"`);
  }
  sets.forEach((s, i) => {
    checkObject(caller, `sets[${i}]`, s);
    checkString(caller, `sets[${i}].name`, s.name, false);
    checkNumbers(caller, `sets[${i}].values`, s.values);
    checkString(caller, `sets[${i}].color`, s.color);
  });
  const bins = options.bins ?? 40;
  if (!Number.isInteger(bins) || bins < 1 || bins > 10000) {
    throw new RangeError(`${caller}: bins must be an integer in [1, 10000], got ${bins}`);
  }
  checkDomain(caller, "xDomain", options.xDomain);
  sets.forEach((s) => {
    for (let i = 0; i < s.values.length; i++) {
      checkFinite(caller, `values[${i}] of ${JSON.stringify(s.name)}`, s.values[i]);
    }
  });
  const rowsLayout = (options.layout ?? "overlay") === "rows";
  const fraction = options.measure === "fraction";
  const all = sets.flatMap((s) => Array.from(s.values));
  const [lo0, hi0] = options.xDomain ?? extent(all) ?? [0, 1];
  const [lo, hi] = lo0 < hi0 ? [lo0, hi0] : [lo0 - 0.5, lo0 + 0.5];
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const colors = sets.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const names = sets.map((s) => s.name);
  const legend = !rowsLayout && sets.length > 1;
  const { width, height, margins } = layout(caller, options, {
    height: rowsLayout ? Math.max(200, 70 + 70 * sets.length) : 400,
    margins: legend
      ? { right: legendWidth(names) }
      : rowsLayout
      ? { right: legendWidth(names) - 20 }
      : {},
  });
  const marks: Plot.Markish[] = [Plot.gridY({ stroke: "#000", strokeOpacity: 0.08 })];
  sets.forEach((s, i) => {
    // Counted here over the shared edges (Plot's bin transform would choose its own): the
    // last bin is closed on the right, so the maximum is counted.
    const counts = new Array<number>(bins).fill(0);
    for (let k = 0; k < s.values.length; k++) {
      const v = s.values[k];
      if (v < lo || v > hi) continue;
      counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
    }
    const rows = counts.map((c, b) => ({
      x1: edges[b],
      x2: edges[b + 1],
      y: fraction ? (s.values.length === 0 ? 0 : c / s.values.length) : c,
      name: s.name,
    })).filter((r) => !options.logY || r.y > 0);
    marks.push(
      Plot.rectY(rows, {
        x1: "x1",
        x2: "x2",
        y: "y",
        fy: rowsLayout ? "name" : undefined,
        fill: colors[i],
        fillOpacity: rowsLayout || sets.length === 1 ? 0.9 : 0.5,
        inset: 0.3,
      }),
    );
  });
  if (legend) marks.push(...legendMarks(sets.map((s, i) => ({ name: s.name, color: colors[i] }))));
  marks.push(titleMark(options.title, margins, width));
  return plotFigure({
    width,
    height,
    margins,
    fy: rowsLayout ? { domain: names, label: null, axis: "right", padding: 0.15 } : undefined,
    x: {
      domain: [lo, hi],
      label: options.xLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    y: {
      type: options.logY ? "log" : "linear",
      tickFormat: options.logY ? logTickFormat : undefined,
      label: options.yLabel ?? (fraction ? "fraction" : "count"),
      labelAnchor: "center",
      labelArrow: "none",
      ticks: rowsLayout ? 2 : undefined,
    },
    marks,
  });
}
