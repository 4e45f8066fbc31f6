/**
 * Several figures on one page. Plot's facets share one x and one y scale; a sheet of
 * independent charts (eight activations, each with its own range) nests each figure's SVG at
 * its place in a grid instead.
 *
 * @module
 */

import { checkFinite, checkList, checkObject, checkOptions, checkString } from "./_checks.ts";
import { MAX_FIGURE_SIZE } from "./figure.ts";
import { escapeXml, type Figure, FONT_FAMILY } from "./figure.ts";

/** Options for {@link sheet}. */
export interface SheetOptions {
  /** Figures per row (default: all in one row). */
  readonly columns?: number;
  /** A title across the top of the sheet. */
  readonly title?: string;
  /** Space between figures in CSS pixels (default 8). */
  readonly gap?: number;
}

/**
 * Lays figures out in rows of `columns`, left to right, top to bottom; each cell is as wide
 * as the widest figure in its column and as tall as the tallest in its row.
 *
 * @example
 * ```ts
 * import { lineChart, sheet } from "./mod.ts";
 * const a = lineChart([{ name: "a", y: [1, 2, 3] }], { width: 300, height: 200 });
 * const b = lineChart([{ name: "b", y: [3, 2, 1] }], { width: 300, height: 200 });
 * const both = sheet([a, b], { columns: 2, gap: 10 });
 * if (both.width !== 610 || both.height !== 200) throw new Error(`${both.width}x${both.height}`);
 * ```
 */
export function sheet(figures: readonly Figure[], options: SheetOptions = {}): Figure {
  checkList("sheet", "figure", figures);
  checkOptions("sheet", options, ["columns", "title", "gap"]);
  checkString("sheet", "title", options.title);
  figures.forEach((f, i) => {
    checkObject("sheet", `figures[${i}]`, f);
    checkString("sheet", `figures[${i}].svg`, f.svg, false);
    checkFinite("sheet", `figures[${i}].width`, f.width);
    checkFinite("sheet", `figures[${i}].height`, f.height);
  });
  if (options.columns !== undefined && typeof options.columns !== "number") {
    throw new TypeError(`sheet: columns must be a number, got ${String(options.columns)}`);
  }
  if (options.gap !== undefined && typeof options.gap !== "number") {
    throw new TypeError(`sheet: gap must be a number, got ${String(options.gap)}`);
  }
  const columns = options.columns ?? figures.length;
  const gap = options.gap ?? 8;
  if (!Number.isInteger(columns) || columns < 1 || columns > 4096) {
    throw new RangeError(`sheet: columns must be an integer from 1 to 4096, got ${columns}`);
  }
  if (typeof gap !== "number" || !Number.isFinite(gap) || gap < 0 || gap > MAX_FIGURE_SIZE) {
    throw new RangeError(`sheet: gap must be a number from 0 to ${MAX_FIGURE_SIZE}, got ${gap}`);
  }
  const cols = Math.min(columns, figures.length);
  const rows = Math.ceil(figures.length / cols);
  const colWidths = new Array<number>(cols).fill(0);
  const rowHeights = new Array<number>(rows).fill(0);
  figures.forEach((f, i) => {
    colWidths[i % cols] = Math.max(colWidths[i % cols], f.width);
    rowHeights[Math.floor(i / cols)] = Math.max(rowHeights[Math.floor(i / cols)], f.height);
  });
  const titleHeight = options.title === undefined ? 0 : 28;
  const xs = colWidths.map((_, c) => colWidths.slice(0, c).reduce((a, w) => a + w + gap, 0));
  const ys = rowHeights.map((_, r) =>
    titleHeight + rowHeights.slice(0, r).reduce((a, h) => a + h + gap, 0)
  );
  const width = xs[cols - 1] + colWidths[cols - 1];
  const height = ys[rows - 1] + rowHeights[rows - 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title !== undefined) {
    parts.push(
      `<text x="${width / 2}" y="19" text-anchor="middle" font-family="${FONT_FAMILY}" ` +
        `font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  }
  figures.forEach((f, i) => {
    const x = xs[i % cols];
    const y = ys[Math.floor(i / cols)];
    // A nested <svg> keeps each figure's own viewBox and its scoped <style>.
    parts.push(f.svg.replace(/^<svg\b/, `<svg x="${x}" y="${y}"`));
  });
  parts.push("</svg>");
  return { svg: parts.join(""), width, height };
}
