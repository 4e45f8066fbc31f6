/**
 * Input corruption for denoising autoencoders: additive Gaussian noise and masking noise, drawn
 * from the step's key while training, the identity at evaluation.
 *
 * @module
 */

import { normal, randomBits } from "../random.ts";
import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { checkNumber } from "../_checks.ts";
import type { Ops } from "../autodiff/ops.ts";
import { checkBatch, checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import type { ApplyContext, Layer } from "./layer.ts";

/** 2³², the number of distinct uint32 words the key's bits are drawn from. */
const TWO_POW_32 = 4294967296;

/** The key of a training call, or a `TypeError` naming the layer and the fix. */
function trainingKey(op: string, ctx: ApplyContext) {
  if (ctx.key === undefined) {
    throw new TypeError(
      `${op}: training mode needs a key in the context (ctx.key), got none; ` +
        `pass trainContext(key) or use the evaluation context`,
    );
  }
  return ctx.key;
}

/** A parameter-free, stateless layer whose training output is `corrupt(t, x, key)`. */
function noiseLayer(
  op: string,
  active: boolean,
  corrupt: (t: Ops, x: Tensor, ctx: ApplyContext) => Tensor,
): Layer<null, null> {
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      return { outShape: [...inShape], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkContext(op, ctx, t);
      checkBatch(op, x);
      // At evaluation (or with no noise) a copy, so the result never aliases the input.
      if (!ctx.training || !active) return { y: t.mulScalar(x, 1), state };
      return { y: corrupt(t, x, ctx), state };
    },
  };
}

/**
 * Additive Gaussian noise: while training, `y = x + stddev·ε` with `ε ~ N(0, 1)` drawn
 * elementwise from `ctx.key` (the same key gives the same noise); at evaluation the identity.
 * The corruption of a denoising autoencoder (train it to map `gaussianNoise(σ)(x)` back to `x`)
 * or a regulariser on any layer's input. `stddev` must be finite and `>= 0` (0: the identity).
 *
 * The noise is a constant drawn in the input's dtype, so the gradient is `dy` itself.
 *
 * @example
 * ```ts
 * import { gaussianNoise } from "./noise.ts";
 * import { EVAL, trainContext } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { zeros } from "../tensor.ts";
 * const layer = gaussianNoise(0.5);
 * const x = zeros([2, 3]);
 * const noisy = layer.apply(untraced(), null, null, x, trainContext(key(1))).y;
 * if (noisy.data.every((v) => v === 0)) throw new Error("training adds noise");
 * const clean = layer.apply(untraced(), null, null, x, EVAL).y;
 * if (!clean.data.every((v) => v === 0)) throw new Error("eval is the identity");
 * ```
 */
export function gaussianNoise(stddev: number): Layer<null, null> {
  const op = "gaussianNoise";
  checkNumber(op, "stddev", stddev, { min: 0 });
  return noiseLayer(op, stddev > 0, (t, x, ctx) => {
    const eps = normal(trainingKey(op, ctx), x.shape, { std: stddev, dtype: x.dtype });
    return t.add(x, eps);
  });
}

/** The 0/1 keep mask: 1 where the uint32 word is >= `threshold` (probability 1 − rate). */
function keepMask(bits: Uint32Array, x: Tensor, threshold: number): Tensor {
  const mask = allocate(x.dtype, bits.length);
  for (let i = 0; i < bits.length; i++) mask[i] = bits[i] >= threshold ? 1 : 0;
  return fromTypedArray(mask, x.shape);
}

/**
 * Masking noise (Vincent et al., 2008): while training, each element of `x` is set to 0 with
 * probability `rate` and otherwise kept as it is, the mask drawn from `ctx.key`; at evaluation
 * the identity. `0 <= rate < 1`.
 *
 * Unlike {@linkcode dropout} the kept elements are not rescaled: this is a corruption of the
 * input that a denoising autoencoder learns to undo (its target is the clean `x`), not a
 * regulariser whose expected activation must match evaluation's. The gradient is `dy·mask`.
 *
 * @example
 * ```ts
 * import { maskingNoise } from "./noise.ts";
 * import { trainContext } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { full } from "../tensor.ts";
 * const x = full([4, 25], 0.5);
 * const { y } = maskingNoise(0.3).apply(untraced(), null, null, x, trainContext(key(2)));
 * if (!y.data.every((v) => v === 0 || v === 0.5)) throw new Error("kept values unchanged");
 * ```
 */
export function maskingNoise(rate: number): Layer<null, null> {
  const op = "maskingNoise";
  checkNumber(op, "rate", rate, { min: 0, max: 1, maxExclusive: true });
  const threshold = rate * TWO_POW_32;
  return noiseLayer(op, rate > 0, (t, x, ctx) => {
    const bits = randomBits(trainingKey(op, ctx), x.data.length);
    return t.mul(x, keepMask(bits, x, threshold));
  });
}
