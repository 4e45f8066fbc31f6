/**
 * Dropout: zero each unit with probability `rate` while training, identity at evaluation.
 *
 * @module
 */

import { randomBits } from "../random.ts";
import { allocate, assertSameShape, fromTypedArray, type Tensor } from "../tensor.ts";
import type { Layer } from "./layer.ts";

/** 2³², the number of distinct uint32 words the key's bits are drawn from. */
const TWO_POW_32 = 4294967296;

function copy(t: Tensor): Tensor {
  const data = allocate(t.dtype, t.data.length);
  data.set(t.data);
  return fromTypedArray(data, t.shape);
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
 * the same mask. The VJP is `dy · mask / (1 - rate)`, with the mask of the forward pass.
 *
 * @example
 * ```ts
 * import { dropout } from "./dropout.ts";
 * import { EVAL, trainContext } from "./layer.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = dropout(0.5);
 * const { params, state } = layer.init(key(0), [4]);
 * const x = ones([2, 4]);
 * const train = layer.apply(params, state, x, trainContext(key(1)));
 * // Kept units are scaled by 1 / (1 - 0.5) = 2; dropped ones are 0.
 * if (!train.y.data.every((v) => v === 0 || v === 2)) throw new Error("unexpected");
 * const evaluated = layer.apply(params, state, x, EVAL);
 * if (!evaluated.y.data.every((v) => v === 1)) throw new Error("eval is the identity");
 * ```
 */
export function dropout(rate: number): Layer<null, null> {
  if (!(typeof rate === "number" && rate >= 0 && rate < 1)) {
    throw new RangeError(`dropout: rate must satisfy 0 <= rate < 1, got ${rate}`);
  }
  const scale = 1 / (1 - rate);
  // A unit is kept when its uint32 word is >= rate·2³², which happens with probability
  // 1 - rate up to 2⁻³² (the resolution of one word).
  const threshold = rate * TWO_POW_32;
  return {
    name: "dropout",
    init: (_key, inShape) => ({ outShape: [...inShape], params: null, state: null }),
    apply: (_params, state, x, ctx) => {
      if (!ctx.training || rate === 0) {
        // Copies rather than returning x itself, so a result never aliases an input.
        return {
          y: copy(x),
          state,
          vjp: (dy) => {
            assertSameShape("dropout VJP", dy, x);
            return { params: null, x: copy(dy) };
          },
        };
      }
      if (ctx.key === undefined) {
        throw new TypeError(
          `dropout: training mode needs a key in the context (ctx.key), got none; ` +
            `pass trainContext(key) or use the evaluation context`,
        );
      }
      const n = x.data.length;
      const bits = randomBits(ctx.key, n);
      const mask = new Uint8Array(n);
      const out = allocate(x.dtype, n);
      const xd = x.data;
      // Selects rather than branches (a random 1-in-(1/rate) branch mispredicts often); a
      // dropped element is 0 even where x is NaN or infinite.
      for (let i = 0; i < n; i++) {
        const keep = bits[i] >= threshold;
        mask[i] = keep ? 1 : 0;
        out[i] = keep ? xd[i] * scale : 0;
      }
      return {
        y: fromTypedArray(out, x.shape),
        state,
        vjp: (dy) => {
          assertSameShape("dropout VJP", dy, x);
          const dx = allocate(x.dtype, n);
          const g = dy.data;
          for (let i = 0; i < n; i++) dx[i] = mask[i] === 1 ? g[i] * scale : 0;
          return { params: null, x: fromTypedArray(dx, x.shape) };
        },
      };
    },
  };
}
