/**
 * The variational autoencoder's sampling step: the reparameterisation trick, with the KL
 * divergence to the standard normal prior as an auxiliary loss term.
 *
 * @module
 */

import { normal } from "../random.ts";
import { formatShape } from "../tensor.ts";
import { checkBatch, checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import type { Layer } from "./layer.ts";

/**
 * The reparameterisation trick of a VAE (Kingma and Welling, 2014). The input is the encoder's
 * output `[batch, 2k]`: its first `k` columns are the means `μ` of the approximate posterior
 * `q(z|x) = N(μ, diag(σ²))`, its last `k` the log-variances `log σ²` (one `dense(2k)` head,
 * which is the two heads `fc21`, `fc22` of PyTorch's example side by side). The output is the
 * code `[batch, k]`:
 *
 * - training (`ctx.training`): a sample `z = μ + exp(½·log σ²)·ε`, `ε ~ N(0, I)` drawn from
 *   `ctx.key` (the same key gives the same sample). The noise is a constant, so gradients
 *   reach `μ` and `log σ²` through the sample (`∂z/∂μ = 1`, `∂z/∂log σ² = ½σε`);
 * - evaluation: the mean `μ`, the code a trained encoder gives an image.
 *
 * It adds the auxiliary term `kl`: `KL(q(z|x) ‖ N(0, I)) = ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²)`
 * summed over the latent dimensions, averaged over the batch, in nats per example, in both
 * modes (so `evaluate` reports it). With a likelihood summed over each example's pixels and
 * averaged over the batch ({@linkcode bernoulliNll}), the objective `backward` differentiates,
 * the loss plus `kl`, is the negative ELBO in nats per example.
 *
 * The input is one tensor rather than a tree `{ mean, logVar }` so that a VAE is one `serial`
 * chain: `serial(dense(400), reluLayer(), dense(40), reparameterize(), dense(400), ...)`.
 * An input whose width is odd is a `TypeError`.
 *
 * @example
 * ```ts
 * import { reparameterize } from "./reparameterize.ts";
 * import { EVAL, trainContext } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = reparameterize();
 * const { outShape } = layer.init(key(0), [4]);
 * // μ = (1, 2), log σ² = (0, 0): the posterior is N(μ, I), whose KL to N(0, I) is ½|μ|².
 * const x = tensor([[1, 2, 0, 0]], [1, 4], "float64");
 * const ev = layer.apply(untraced(), null, null, x, EVAL);
 * if ((outShape as number[])[0] !== 2 || ev.y.data.join() !== "1,2") throw new Error();
 * if (ev.aux!.kl.data[0] !== 2.5) throw new Error(`kl ${ev.aux!.kl.data[0]}`);
 * const tr = layer.apply(untraced(), null, null, x, trainContext(key(1)));
 * if (tr.y.data[0] === 1) throw new Error("training samples");
 * ```
 */
export function reparameterize(): Layer<null, null> {
  const op = "reparameterize";
  if (arguments.length > 0) {
    throw new TypeError(
      `reparameterize: takes no arguments (the input holds the means and log-variances), ` +
        `got ${arguments.length}`,
    );
  }
  const checkWidth = (where: string, shape: readonly number[], what: string) => {
    const width = shape[shape.length - 1];
    if (shape.length !== 1 + (what === "batch" ? 1 : 0) || !(width >= 2) || width % 2 !== 0) {
      throw new TypeError(
        `${where}: expects ${
          what === "batch" ? "a batch [batch, 2k]" : "examples [2k]"
        } holding k means then k log-variances (k >= 1), got ${what} shape ${formatShape(shape)}`,
      );
    }
    return width / 2;
  };
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      const k = checkWidth(`${op} init`, inShape, "example");
      return { outShape: [k], params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkContext(op, ctx, t);
      checkBatch(op, x);
      const k = checkWidth(`Cannot ${op}`, x.shape, "batch");
      const batch = x.shape[0];
      if (batch === 0) {
        throw new TypeError(`Cannot ${op}: the batch ${formatShape(x.shape)} is empty`);
      }
      // ½ Σ (σ² + μ² − 1 − log σ²) / batch and μ + σ·ε, each one fused primitive (equal to
      // the slices, exp, squares and sums they replace; src/ops/gaussian.ts).
      const kl = t.gaussianKl(x);
      if (!ctx.training) return { y: t.slice(x, [0, 0], [batch, k]), state, aux: { kl } };
      if (ctx.key === undefined) {
        throw new TypeError(
          `${op}: training mode needs a key in the context (ctx.key), got none; ` +
            `pass trainContext(key) or use the evaluation context`,
        );
      }
      const eps = normal(ctx.key, [batch, k], { dtype: x.dtype });
      return { y: t.gaussianSample(x, eps), state, aux: { kl } };
    },
  };
}
