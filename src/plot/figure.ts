/**
 * A figure is a plain value: the SVG text of one picture and its size in CSS pixels. Every
 * chart in `gradstream/plot` returns one; {@link sheet} lays several out on one page, and
 * `rasterize`/`toPng` turn one into pixels.
 *
 * The charts are drawn by Observable Plot (`@observablehq/plot`) into a server-side DOM from
 * `linkedom`; this file holds the glue: the document, the serialisation, the layout margins
 * every chart shares (so a test can say where a data value must land), and the palette.
 *
 * @module
 */

import { checkFinite, checkOptions, checkString } from "./_checks.ts";
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** The SVG text of one picture and its size in CSS pixels. */
export interface Figure {
  /** A standalone SVG document (`<svg xmlns=...>...</svg>`). */
  readonly svg: string;
  /** Width in CSS pixels. */
  readonly width: number;
  /** Height in CSS pixels. */
  readonly height: number;
}

/** Blank space around a chart's frame, in CSS pixels. */
export interface Margins {
  /** Above the frame (the title goes here). */
  readonly top: number;
  /** Right of the frame (the legend goes here). */
  readonly right: number;
  /** Below the frame (x ticks and label). */
  readonly bottom: number;
  /** Left of the frame (y ticks and label). */
  readonly left: number;
}

/** Options every chart takes. */
export interface ChartOptions {
  /** Width of the whole figure in CSS pixels (default 640). */
  readonly width?: number;
  /** Height of the whole figure in CSS pixels (default 400). */
  readonly height?: number;
  /** A title drawn above the frame. */
  readonly title?: string;
  /** The x axis label. */
  readonly xLabel?: string;
  /** The y axis label. */
  readonly yLabel?: string;
  /** Margins around the frame; missing sides get the defaults (`DEFAULT_MARGINS`). */
  readonly margins?: Partial<Margins>;
}

/** The margins a chart uses unless told otherwise: room for tick labels and axis labels. */
export const DEFAULT_MARGINS: Margins = { top: 30, right: 20, bottom: 40, left: 60 };

/**
 * The categorical palette (Tableau 10): series, classes and paths take these colours in order
 * unless given their own.
 */
export const PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** The font family the SVG asks for; `rasterize` supplies DejaVu Sans under that name. */
export const FONT_FAMILY = "DejaVu Sans, sans-serif";

/** The frame of a chart: where data coordinates map to, in CSS pixels from the top-left. */
export interface Frame {
  /** The frame's left edge, from the figure's left. */
  readonly left: number;
  /** The frame's top edge, from the figure's top. */
  readonly top: number;
  /** The frame's width. */
  readonly width: number;
  /** The frame's height. */
  readonly height: number;
}

/** The frame (plot area) of a figure of this size with these margins. */
export function frameOf(width: number, height: number, margins: Margins): Frame {
  return {
    left: margins.left,
    top: margins.top,
    width: width - margins.left - margins.right,
    height: height - margins.top - margins.bottom,
  };
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The largest width or height of a figure, in CSS pixels. */
export const MAX_FIGURE_SIZE = 8192;

/** Resolves a chart's size and margins, checking them; `caller` names the chart in errors. */
export function layout(
  caller: string,
  options: ChartOptions,
  defaults: { width?: number; height?: number; margins?: Partial<Margins> } = {},
): { width: number; height: number; margins: Margins; frame: Frame } {
  for (const name of ["title", "xLabel", "yLabel"] as const) {
    checkString(caller, name, options[name as keyof ChartOptions]);
  }
  if (options.margins !== undefined) {
    checkOptions(caller, options.margins, ["top", "right", "bottom", "left"], "margins");
  }
  for (const name of ["width", "height"] as const) {
    const v = options[name];
    if (v !== undefined && typeof v !== "number") {
      throw new TypeError(`${caller}: ${name} must be a number of CSS pixels, got ${String(v)}`);
    }
  }
  const width = options.width ?? defaults.width ?? 640;
  const height = options.height ?? defaults.height ?? 400;
  const margins = { ...DEFAULT_MARGINS, ...defaults.margins, ...options.margins };
  for (const [name, v] of Object.entries({ width, height, ...margins })) {
    // The cap keeps a mistyped size from building a picture no rasteriser can hold (resvg
    // draws at twice the size by default).
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_FIGURE_SIZE) {
      throw new RangeError(
        `${caller}: ${name} must be a number from 0 to ${MAX_FIGURE_SIZE} (CSS pixels), got ${
          String(v).slice(0, 40)
        }`,
      );
    }
  }
  const frame = frameOf(width, height, margins);
  if (frame.width < 10 || frame.height < 10) {
    throw new RangeError(
      `${caller}: the frame is ${frame.width}x${frame.height} px (a figure of ${width}x${height} ` +
        `with margins ${JSON.stringify(margins)}); it needs at least 10x10`,
    );
  }
  return { width, height, margins, frame };
}

/**
 * The title mark: bold text centred over the frame, in the top margin; smaller than 13 px
 * when a long title would not fit across a narrow figure.
 */
export function titleMark(title: string | undefined, margins: Margins, width = 640): Plot.Markish {
  if (title === undefined) return null;
  // facet "super": drawn once over the whole frame, also in a faceted chart.
  const fontSize = Math.max(8, Math.min(13, Math.floor(width / (0.66 * title.length))));
  return Plot.text([title], {
    frameAnchor: "top",
    dy: -margins.top / 2,
    facet: "super",
    fontSize,
    fontWeight: "bold",
  });
}

/**
 * A legend drawn inside the figure (Plot's own categorical legend is HTML, outside the SVG):
 * a swatch and a name per entry, in the right margin, top-aligned with the frame.
 */
export function legendMarks(
  entries: readonly { name: string; color: string }[],
  options: { dash?: readonly boolean[]; faceted?: boolean } = {},
): Plot.Markish[] {
  // In a faceted chart, drawn once at the top right of the whole frame.
  const facet = options.faceted ? { facet: "super" as const } : {};
  return entries.flatMap(({ name, color }, i) => [
    Plot.text([options.dash?.[i] ? "- -" : "—"], {
      frameAnchor: "top-right",
      dx: 10,
      dy: 6 + 14 * i,
      fill: color,
      fontSize: 14,
      fontWeight: "bold",
      textAnchor: "start",
      ...facet,
    }),
    Plot.text([name], {
      frameAnchor: "top-right",
      dx: 28,
      dy: 6 + 14 * i,
      textAnchor: "start",
      fontSize: 11,
      ...facet,
    }),
  ]);
}

/** The width in CSS pixels a legend of these names needs in the right margin. */
export function legendWidth(names: readonly string[]): number {
  return 36 + 7 * Math.max(0, ...names.map((n) => n.length));
}

/**
 * Draws a Plot specification into a figure. Width, height and margins (as {@linkcode layout}
 * resolved them) are fixed by the caller, so the frame is known exactly; the font is {@link FONT_FAMILY}.
 */
export function plotFigure(
  options: Plot.PlotOptions & { width: number; height: number; margins: Margins },
): Figure {
  const { margins, ...spec } = options;
  // A fresh document per figure: nothing is shared between calls.
  const { document } = parseHTML("<!doctype html><html><body></body></html>") as unknown as {
    document: Plot.PlotOptions["document"];
  };
  const element = Plot.plot({
    style: { fontFamily: FONT_FAMILY, fontSize: "11px", background: "white", color: "black" },
    ...spec,
    marginTop: margins.top,
    marginRight: margins.right,
    marginBottom: margins.bottom,
    marginLeft: margins.left,
    document,
  });
  if (element.tagName.toLowerCase() !== "svg") {
    // Plot wraps the SVG in a <figure> when it draws an HTML legend or caption; charts here
    // never ask for one, so this is a bug in the chart, not in the caller's data.
    throw new TypeError(`plotFigure: Plot returned <${element.tagName}>, expected <svg>`);
  }
  element.setAttribute("xmlns", SVG_NS);
  element.setAttribute("xmlns:xlink", "http://www.w3.org/1999/xlink");
  return { svg: element.outerHTML, width: options.width, height: options.height };
}

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Tick labels for a log axis: plain decimals from 0.001 to 99999, powers of ten as `1e-5`
 * beyond (Plot's default SI prefixes read `100µ`, which is not how a loss is written).
 */
export function logTickFormat(v: number): string {
  checkFinite("logTickFormat", "the tick value", v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  const e = Math.floor(Math.log10(a) + 1e-9);
  const m = Number((v / 10 ** e).toPrecision(2));
  return m === 1 ? `1e${e}` : `${m}e${e}`;
}
