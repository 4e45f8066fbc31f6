/**
 * Constant padding: `pad` surrounds a tensor with a border of one value.
 *
 * @module
 */

import { allocate, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import { describeValue } from "../_checks.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { boxAt, copyBox, whole } from "./_region.ts";
import { type Primitive, primitive } from "./primitive.ts";

/**
 * `x` with `pads[d] = [before, after]` elements of `value` added before and after it on each
 * axis `d` (non-negative integers, one pair per axis), as `numpy.pad` in constant mode.
 * `value` may be ±Infinity (a max-pool's border), not NaN. The border is constant, so the
 * pullback crops `dy` back to x's box.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().pad(tensor([[1, 2]]), [[1, 0], [0, 1]], 9);
 * if (y.shape.join() !== "2,3" || y.data.join() !== "9,9,9,1,2,9") throw new Error("unexpected");
 * ```
 */
export const pad: Primitive<
  [x: Tensor, pads: readonly (readonly [number, number])[], value?: number]
> = primitive(
  "pad",
  1,
  (_backend, x: Tensor, pads: readonly (readonly [number, number])[], value: number = 0) => {
    assertTensor("pad", x, "the input x");
    const rank = x.shape.length;
    const pairs = Array.isArray(pads) &&
      pads.every((p) =>
        Array.isArray(p) && p.length === 2 && p.every((v: unknown) => typeof v === "number")
      );
    if (!pairs || pads.length !== rank) {
      throw new TypeError(
        `Cannot pad: pads must be ${rank} pairs [before, after] of integers, one per axis of ` +
          `shape ${formatShape(x.shape)}, got ${describeValue(pads)}`,
      );
    }
    pads.forEach(([b, a], d) => {
      if (!Number.isSafeInteger(b) || !Number.isSafeInteger(a) || b < 0 || a < 0) {
        throw new RangeError(
          `Cannot pad: pads[${d}] = [${b}, ${a}] must be non-negative integers`,
        );
      }
    });
    if (typeof value !== "number") {
      throw new TypeError(`Cannot pad: value must be a number, got ${describeValue(value)}`);
    }
    if (Number.isNaN(value)) throw new RangeError("Cannot pad: value must not be NaN");
    const out = x.shape.map((n, d) => pads[d][0] + n + pads[d][1]);
    const begin = pads.map(([b]) => b);
    const data = allocate(x.dtype, out.reduce((s, n) => s * n, 1), "pad");
    if (!Object.is(value, 0)) data.fill(value); // -0 too: the border keeps its sign
    copyBox(x.shape, x.data, whole(x.shape), data, boxAt(out, begin));
    const y = fromTypedArray(data, out);
    return [y, (dy, needs) => {
      const g = cotangent("pad", dy, out);
      if (!needs[0]) return [undefined];
      const dx = allocate(x.dtype, x.data.length);
      copyBox(x.shape, g, boxAt(out, begin), dx, whole(x.shape));
      return [fromTypedArray(dx, x.shape)];
    }];
  },
);
