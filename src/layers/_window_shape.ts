/**
 * Window options and output sizes for the convolution and pooling layers, checked under the
 * layer's name when the layer is built (`conv2d(8, 3, { stride: 0 })` throws at once) and when
 * `init` learns the example shape (a kernel wider than the padded input). The sizes follow the
 * `conv2d`/`maxPool2d` primitives; the layer tests check `init`'s shape against `apply`'s.
 * Private to `src/layers/`.
 *
 * @module
 */

import { checkInteger, describeValue } from "../_checks.ts";
import { formatShape, type Shape } from "../tensor.ts";
import type { Padding } from "../ops/conv.ts";

export type { Padding, Pair } from "../ops/conv.ts";

/** A positive integer or a `[height, width]` pair of them, as a pair. */
export function checkPair(op: string, name: string, value: unknown): [number, number] {
  if (typeof value === "number") {
    checkInteger(op, name, value, { min: 1 });
    return [value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(
      `${op}: ${name} must be a positive integer or a pair [height, width] of them, got ${
        describeValue(value)
      }`,
    );
  }
  checkInteger(op, `${name}[0]`, value[0], { min: 1 });
  checkInteger(op, `${name}[1]`, value[1], { min: 1 });
  return [value[0], value[1]];
}

/** Explicit pads as `[top, bottom, left, right]`, or the string mode. */
export type Pads = "valid" | "same" | readonly [number, number, number, number];

/**
 * `"valid"`, `"same"` or `[[top, bottom], [left, right]]` of non-negative integers; with
 * `window` (the pools), each explicit pad must be smaller than the window on its axis.
 */
export function checkPadding(op: string, padding: unknown, window?: [number, number]): Pads {
  if (padding === "valid" || padding === "same") return padding;
  if (typeof padding === "string") {
    throw new RangeError(
      `${op}: padding must be "valid", "same" or [[top, bottom], [left, right]], got ${
        describeValue(padding)
      }`,
    );
  }
  const ok = Array.isArray(padding) && padding.length === 2 &&
    padding.every((p) => Array.isArray(p) && p.length === 2);
  if (!ok) {
    throw new TypeError(
      `${op}: padding must be "valid", "same" or [[top, bottom], [left, right]], got ${
        describeValue(padding)
      }`,
    );
  }
  const names = ["top", "bottom", "left", "right"];
  const pads = (padding as number[][]).flat();
  pads.forEach((v, i) => checkInteger(op, `padding's ${names[i]}`, v, { min: 0 }));
  if (window !== undefined) {
    const [kh, kw] = window;
    if (Math.max(pads[0], pads[1]) >= kh || Math.max(pads[2], pads[3]) >= kw) {
      throw new RangeError(
        `${op}: each pad must be smaller than the window [${kh},${kw}] on its axis, got ` +
          `padding ${JSON.stringify(padding)}`,
      );
    }
  }
  return [pads[0], pads[1], pads[2], pads[3]];
}

/** The padding option as the primitives take it. */
export function paddingOption(pads: Pads): Padding {
  return typeof pads === "string" ? pads : [[pads[0], pads[1]], [pads[2], pads[3]]];
}

/** The geometry of a window layer: taps, steps and spacing per spatial axis. */
export interface WindowSpec {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly pads: Pads;
}

/** One axis: `ceil(size / stride)` for "same", else `floor((padded − span) / stride) + 1`. */
function axisOut(size: number, k: number, s: number, d: number, before: number, after: number) {
  return Math.floor((size + before + after - ((k - 1) * d + 1)) / s) + 1;
}

/**
 * The output height and width of the window over an example `[h, w, ...]` (`example` for
 * messages). A dilated window wider than the padded input is a `TypeError` naming both sizes.
 */
export function windowOut(
  op: string,
  spec: WindowSpec,
  h: number,
  w: number,
  example: Shape,
  what = "kernel",
): [number, number] {
  const { kernel: [kh, kw], stride: [sh, sw], dilation: [dh, dw], pads } = spec;
  const spanH = (kh - 1) * dh + 1, spanW = (kw - 1) * dw + 1;
  if (pads === "same") return [Math.ceil(h / sh), Math.ceil(w / sw)];
  const [t, b, l, r] = pads === "valid" ? [0, 0, 0, 0] : pads;
  if (spanH > h + t + b || spanW > w + l + r) {
    const dilated = dh === 1 && dw === 1 ? "" : `, dilation [${dh},${dw}]`;
    throw new TypeError(
      `${op}: the ${what} spans ${spanH}x${spanW} (size [${kh},${kw}]${dilated}) but the ` +
        `padded input is only ${h + t + b}x${w + l + r} (example shape ${
          formatShape(example)
        }, padding ${JSON.stringify(paddingOption(pads))})`,
    );
  }
  return [axisOut(h, kh, sh, dh, t, b), axisOut(w, kw, sw, dw, l, r)];
}

/** An example shape of the given rank with positive sizes (`layout` names its axes). */
export function checkExample(op: string, inShape: Shape, layout: string): void {
  if (inShape.length !== layout.split(",").length || inShape.some((d) => d < 1)) {
    throw new TypeError(
      `${op}: examples must have shape ${layout} with every size >= 1, got ${formatShape(inShape)}`,
    );
  }
}
