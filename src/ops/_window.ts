/**
 * The geometry of a sliding window over an NHWC tensor, shared by the convolution and the
 * pools: strides, dilations and padding read from options (checked under the caller's name),
 * and the output size they give. Internal to `src/ops/`.
 *
 * @module
 */

import { formatShape, type Shape, type Tensor } from "../tensor.ts";
import { checkInteger, describeValue } from "../_checks.ts";
import { assertTensor } from "./_checks.ts";

/**
 * Padding of the two spatial axes: `"valid"` (none), `"same"` (TensorFlow's: the output has
 * `ceil(size / stride)` positions, the odd pixel of padding on the bottom/right), or explicit
 * `[[top, bottom], [left, right]]` counts of zeros.
 */
export type Padding =
  | "valid"
  | "same"
  | readonly [
    readonly [top: number, bottom: number],
    readonly [left: number, right: number],
  ];

/** One number for both spatial axes, or `[height, width]`. */
export type Pair = number | readonly [number, number];

/** Where a window lands: everything the loops over an NHWC tensor need. */
export interface Window {
  readonly batch: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  /** Rows of padding above the input, columns left of it. */
  readonly top: number;
  readonly left: number;
  readonly oh: number;
  readonly ow: number;
}

/** A positive integer or a pair of them (`name` in messages), as `[height, width]`. */
export function pair(op: string, name: string, value: Pair): [number, number] {
  const at = `Cannot ${op}`;
  if (value === null) {
    throw new TypeError(`${at}: ${name} must be a positive integer or a pair of them, got null`);
  }
  if (typeof value === "number") {
    checkInteger(at, name, value, { min: 1 });
    return [value, value];
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(
      `${at}: ${name} must be a positive integer or a pair [height, width] of them, got ${
        describeValue(value)
      }`,
    );
  }
  checkInteger(at, `${name}[0]`, value[0], { min: 1 });
  checkInteger(at, `${name}[1]`, value[1], { min: 1 });
  return [value[0], value[1]];
}

/** A rank-4 tensor (`what` and its `layout` in messages): its four dimensions. */
export function nhwc(
  op: string,
  x: Tensor,
  what: string,
  layout = "[batch, height, width, channels]",
): [number, number, number, number] {
  assertTensor(op, x, what);
  if (x.shape.length !== 4) {
    throw new TypeError(
      `Cannot ${op}: ${what} must have rank 4 (${layout}), got shape ${formatShape(x.shape)}`,
    );
  }
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

function explicitPads(op: string, padding: unknown): [number, number, number, number] {
  const ok = Array.isArray(padding) && padding.length === 2 &&
    padding.every((p) => Array.isArray(p) && p.length === 2);
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: padding must be "valid", "same" or [[top, bottom], [left, right]], got ${
        describeValue(padding)
      }`,
    );
  }
  const names = [["top", "bottom"], ["left", "right"]];
  const out: number[] = [];
  for (let a = 0; a < 2; a++) {
    for (let s = 0; s < 2; s++) {
      const v = (padding as unknown[][])[a][s];
      checkInteger(`Cannot ${op}`, `padding's ${names[a][s]}`, v, { min: 0 });
      out.push(v as number);
    }
  }
  return [out[0], out[1], out[2], out[3]];
}

/** TensorFlow's "same" padding of one axis: [before, after], the odd pixel after. */
function samePads(size: number, stride: number, span: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + span - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * The window of `[kh, kw]` taps (dilated by `[dh, dw]`) sliding by `[sh, sw]` over `shape`
 * (NHWC) with `padding`. A dilated window wider than the padded input is a `TypeError` naming
 * both sizes; `maxPad`, when set, bounds each explicit pad (the pools: a window of padding alone
 * has no elements).
 */
export function window(
  op: string,
  shape: Shape,
  [kh, kw]: [number, number],
  [sh, sw]: [number, number],
  [dh, dw]: [number, number],
  padding: unknown,
  maxPad = false,
): Window {
  const [batch, h, w, c] = shape;
  if (maxPad && (h === 0 || w === 0)) {
    throw new TypeError(
      `Cannot ${op}: the input's height and width must be positive, got shape ${
        formatShape(shape)
      }`,
    );
  }
  const spanH = (kh - 1) * dh + 1, spanW = (kw - 1) * dw + 1;
  let pads: [number, number, number, number];
  if (padding === "valid") pads = [0, 0, 0, 0];
  else if (padding === "same") pads = [...samePads(h, sh, spanH), ...samePads(w, sw, spanW)];
  else if (typeof padding === "string") {
    throw new RangeError(
      `Cannot ${op}: padding must be "valid", "same" or [[top, bottom], [left, right]], got ${
        describeValue(padding)
      }`,
    );
  } else {
    pads = explicitPads(op, padding);
    if (maxPad && (Math.max(pads[0], pads[1]) >= kh || Math.max(pads[2], pads[3]) >= kw)) {
      throw new RangeError(
        `Cannot ${op}: each pad must be smaller than the window [${kh},${kw}] on its axis, ` +
          `got padding ${JSON.stringify(padding)}`,
      );
    }
  }
  const ph = h + pads[0] + pads[1], pw = w + pads[2] + pads[3];
  if (spanH > ph || spanW > pw) {
    const dilated = dh === 1 && dw === 1 ? "" : `, dilation [${dh},${dw}]`;
    throw new TypeError(
      `Cannot ${op}: the window spans ${spanH}x${spanW} (size [${kh},${kw}]${dilated}) ` +
        `but the padded input is only ${ph}x${pw} (input ${formatShape(shape)}, padding ${
          JSON.stringify(padding)
        })`,
    );
  }
  const oh = Math.floor((ph - spanH) / sh) + 1, ow = Math.floor((pw - spanW) / sw) + 1;
  return { batch, h, w, c, kh, kw, sh, sw, dh, dw, top: pads[0], left: pads[2], oh, ow };
}
