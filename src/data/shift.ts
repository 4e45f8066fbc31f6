/**
 * Data augmentation by translation: `randomShifts` moves each image of a batch by a few whole
 * pixels, a different random offset per image, as a CNN sees a digit a little off-centre, and
 * on request mirrors half of them left to right (a shirt is a shirt either way; a digit is not).
 *
 * @module
 */

import { checkBoolean, checkInteger, checkKey, checkOptions, describeValue } from "../_checks.ts";
import { type Key, randomBits } from "../random.ts";
import {
  allocate,
  type FloatArray,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
} from "../tensor.ts";

/** Options of {@linkcode randomShifts}. */
export interface ShiftOptions {
  /** Image height in pixels (the examples are `height × width × channels` values each). */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Channels per pixel, the last axis; default 1. */
  readonly channels?: number;
  /** The largest shift along each axis, in pixels: offsets are drawn from `[-max, max]`. */
  readonly max: number;
  /**
   * Also mirror each image left to right with probability 1/2, drawn per example (before its
   * shift); default false. For classes that look alike mirrored (clothing, not digits).
   */
  readonly flip?: boolean;
}

/**
 * Each example of `x` translated by a random whole number of pixels along each axis, drawn
 * uniformly from `[-max, max]` per example and axis from `key` (same key, same shifts);
 * pixels moved in from outside are 0. `x` is a batch of images in any layout whose examples
 * hold `height·width·channels` values, row-major with channels last: `[n, 784]` rows of MNIST
 * or `[n, 28, 28, 1]`. The output has `x`'s shape and dtype; `x` is not written. Data
 * augmentation for training only: call it on each batch with a fresh key (`foldIn` of the
 * epoch and batch index), never on the test set.
 *
 * @example
 * ```ts
 * import { randomShifts } from "./shift.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([[0, 0, 0, 0, 1, 0, 0, 0, 0]]); // a 3x3 image, one bright pixel in the middle
 * const y = randomShifts(key(0), x, { height: 3, width: 3, max: 1 });
 * if (Array.from(y.data).reduce((a, b) => a + b, 0) !== 1) throw new Error("the pixel stays inside");
 * ```
 */
export function randomShifts(key: Key, x: Tensor, options: ShiftOptions): Tensor {
  const op = "randomShifts";
  checkKey(op, key);
  const o = checkOptions(op, options, ["height", "width", "channels", "max", "flip"]);
  if (!isTensor(x)) {
    throw new TypeError(`${op}: x must be a tensor, got ${describeValue(x)}`);
  }
  checkInteger(op, "height", o.height, { min: 1 });
  checkInteger(op, "width", o.width, { min: 1 });
  const channels = o.channels === undefined ? 1 : o.channels;
  checkInteger(op, "channels", channels, { min: 1 });
  checkInteger(op, "max", o.max, { min: 0, max: Math.min(o.height, o.width) - 1 });
  const flip = o.flip === undefined ? false : o.flip;
  checkBoolean(op, "flip", flip);
  const size = o.height * o.width * channels, n = x.shape.length === 0 ? 0 : x.shape[0];
  if (x.shape.length < 2 || x.data.length !== n * size) {
    throw new TypeError(
      `${op}: x must be a batch of examples of ${o.height}x${o.width}x${channels} = ${size} ` +
        `values each, got shape ${formatShape(x.shape)}`,
    );
  }
  // Without flips the draws are those of before flips existed, so old seeds give old shifts.
  const draws = flip ? 3 : 2;
  const bits = randomBits(key, draws * n);
  const out = allocate(x.dtype, x.data.length, op);
  const span = 2 * o.max + 1;
  for (let e = 0; e < n; e++) {
    const b = draws * e;
    const dy = (bits[b] % span) - o.max, dx = (bits[b + 1] % span) - o.max;
    if (flip && bits[b + 2] % 2 === 1) {
      flipShiftOne(x.data, out, e * size, o.height, o.width, channels, dy, dx);
    } else shiftOne(x.data, out, e * size, o.height, o.width, channels, dy, dx);
  }
  return fromTypedArray(out, x.shape);
}

/** One image at `at`: `out[r, q] = x[r - dy, q - dx]` where that is inside, else 0. */
function shiftOne(
  x: FloatArray,
  out: FloatArray,
  at: number,
  h: number,
  w: number,
  c: number,
  dy: number,
  dx: number,
): void {
  const q0 = Math.max(0, dx), q1 = Math.min(w, w + dx);
  for (let r = Math.max(0, dy); r < Math.min(h, h + dy); r++) {
    const from = at + ((r - dy) * w + q0 - dx) * c;
    out.set(x.subarray(from, from + (q1 - q0) * c), at + (r * w + q0) * c);
  }
}

/** One image at `at`, mirrored then shifted: `out[r, q] = x[r - dy, w - 1 - (q - dx)]`. */
function flipShiftOne(
  x: FloatArray,
  out: FloatArray,
  at: number,
  h: number,
  w: number,
  c: number,
  dy: number,
  dx: number,
): void {
  const q0 = Math.max(0, dx), q1 = Math.min(w, w + dx);
  for (let r = Math.max(0, dy); r < Math.min(h, h + dy); r++) {
    for (let q = q0; q < q1; q++) {
      const from = at + ((r - dy) * w + (w - 1 - (q - dx))) * c, to = at + (r * w + q) * c;
      for (let ch = 0; ch < c; ch++) out[to + ch] = x[from + ch];
    }
  }
}
