/** Colour scales as functions to bytes, for the pictures drawn as embedded PNG images. */

import * as Plot from "@observablehq/plot";

/** The colour schemes of Observable Plot (d3-scale-chromatic) that a chart may name. */
export type ColorScheme =
  | "viridis"
  | "magma"
  | "inferno"
  | "plasma"
  | "cividis"
  | "turbo"
  | "blues"
  | "greens"
  | "greys"
  | "oranges"
  | "purples"
  | "reds"
  | "ylgnbu"
  | "ylorrd"
  | "bugn"
  | "rdbu"
  | "rdylbu"
  | "piyg"
  | "spectral";

/** How values map to colours: a scheme, or colours spread evenly over the domain. */
export type ColorOptions =
  | { readonly scheme: ColorScheme; readonly colors?: undefined }
  | { readonly colors: readonly string[]; readonly scheme?: undefined };

/** Plot's colour scale options for `domain` and `color`. */
export function colorScaleOptions(
  domain: readonly [number, number],
  color: ColorOptions,
  log = false,
): Plot.ScaleOptions {
  if (color.colors !== undefined) {
    const n = color.colors.length;
    if (n < 2) throw new RangeError(`color: needs at least two colours, got ${n}`);
    const [a, b] = log ? [Math.log(domain[0]), Math.log(domain[1])] : domain;
    const stops = color.colors.map((_, i) => a + ((b - a) * i) / (n - 1));
    return {
      type: log ? "log" : "linear",
      domain: log ? stops.map(Math.exp) : stops,
      range: [...color.colors],
      clamp: true,
    };
  }
  return {
    type: log ? "log" : "linear",
    domain: [...domain],
    scheme: color.scheme as Plot.ColorScheme,
    clamp: true,
  };
}

/** Parses `rgb(r, g, b)` or `#rrggbb` (what Plot's colour scales return) into bytes. */
export function parseColor(css: string): [number, number, number] {
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  throw new TypeError(`parseColor: cannot read colour ${JSON.stringify(css)}`);
}

/** A function from a value to RGB bytes, through Plot's colour scale. */
export function colorBytes(options: Plot.ScaleOptions): (v: number) => [number, number, number] {
  const scale = Plot.scale({ color: options });
  return (v) => parseColor(String(scale.apply(v)));
}

/** Any CSS colour (a name, `#rgb`, `hsl(...)`) as RGB bytes, read through d3's colour parser. */
export function cssToRgb(css: string): [number, number, number] {
  const scale = Plot.scale({ color: { type: "linear", domain: [0, 1], range: [css, css] } });
  const out = String(scale.apply(0));
  if (!/^rgb\(/.test(out)) {
    throw new TypeError(`cssToRgb: cannot read colour ${JSON.stringify(css)}`);
  }
  return parseColor(out);
}
