/**
 * Dropout: zero each unit with probability `rate` while training, identity at evaluation.
 *
 * @module
 */

import { randomBits } from "../random.ts";
import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkNumber } from "../_checks.ts";
import { checkBatch, checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import type { Layer } from "./layer.ts";

/** 2³², the number of distinct uint32 words the key's bits are drawn from. */
const TWO_POW_32 = 4294967296;

/**
 * The scaled mask for `x`: `scale` where the unit is kept (its uint32 word is >= `threshold`,
 * which happens with probability 1 - rate up to 2⁻³²), else 0. A constant: data, not a
 * function of anything differentiated.
 */
function drawMask(bits: Uint32Array, x: Tensor, threshold: number, scale: number): Tensor {
  const mask = allocate(x.dtype, bits.length);
  for (let i = 0; i < bits.length; i++) mask[i] = bits[i] >= threshold ? scale : 0;
  return fromTypedArray(mask, x.shape);
}

/**
 * Inverted dropout. While training (`ctx.training`), each element of `x` is kept with
 * probability `1 - rate` and divided by `1 - rate`, or set to zero; at evaluation the layer is
 * the identity. `rate` is the probability of *dropping* a unit, `0 <= rate < 1`.
 *
 * The lecture's form keeps units unscaled while training and instead multiplies by `1 - rate`
 * at test time. The two are the same model: inverted dropout is the lecture's network with
 * every activation divided by `1 - rate` at both times, which the next layer absorbs into its
 * weights. In both the ratio of expected training activation to test activation is the same,
 * `E[m·x] = (1 - rate)·x` against `(1 - rate)·x`, or `E[m·x/(1 - rate)] = x` against `x`.
 * Scaling while training keeps evaluation free of any knowledge of the rate, so a trained
 * model runs without dropout layers at all.
 *
 * Randomness comes from `ctx.key`, which must be present while training; the same key gives
 * the same mask. The forward code is one primitive, `t.mul(x, mask)` with the mask (0 or
 * `1 / (1 - rate)`) drawn as a constant, so the gradient is `dy · mask`, the forward mask's. A
 * dropped unit is `x · 0`: 0 for finite `x` (NaN stays NaN, as it should, to be seen).
 * At evaluation the layer copies its input (`t.mulScalar(x, 1)`), so the result never aliases it.
 *
 * @example
 * ```ts
 * import { dropout } from "./dropout.ts";
 * import { EVAL, trainContext } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = dropout(0.5);
 * const { params, state } = layer.init(key(0), [4]);
 * const x = ones([2, 4]);
 * const train = layer.apply(untraced(), params, state, x, trainContext(key(1)));
 * // Kept units are scaled by 1 / (1 - 0.5) = 2; dropped ones are 0.
 * if (!train.y.data.every((v) => v === 0 || v === 2)) throw new Error("unexpected");
 * const evaluated = layer.apply(untraced(), params, state, x, EVAL);
 * if (!evaluated.y.data.every((v) => v === 1)) throw new Error("eval is the identity");
 * ```
 */
export function dropout(rate: number): Layer<null, null> {
  const op = "dropout";
  checkNumber(op, "rate", rate, { min: 0, max: 1, maxExclusive: true });
  const scale = 1 / (1 - rate);
  const threshold = rate * TWO_POW_32;
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkContext(op, ctx);
      checkBatch(op, x);
      if (!ctx.training || rate === 0) return { y: t.mulScalar(x, 1), state };
      if (ctx.key === undefined) {
        throw new TypeError(
          `dropout: training mode needs a key in the context (ctx.key), got none; ` +
            `pass trainContext(key) or use the evaluation context`,
        );
      }
      const mask = drawMask(randomBits(ctx.key, x.data.length), x, threshold, scale);
      return { y: t.mul(x, mask), state };
    },
  };
}
