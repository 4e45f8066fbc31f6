/**
 * Losses: forward code over the primitives of `t` from a prediction and a target to the mean
 * loss over the batch, a scalar tensor. Their gradients come from the trace `t` belongs to.
 *
 * Elementwise losses (`meanSquaredError`, `meanAbsoluteError`, `huber`,
 * `binaryCrossEntropyWithLogits`) average over every element, batch and feature axes alike (as
 * Keras and PyTorch do), so their gradient carries a factor `1/N`, `N` the element count;
 * `bernoulliNll` sums over each example's elements and averages over the batch (a
 * log-likelihood in nats per example).
 * The softmax cross-entropies sum over the class axis (one distribution per row) and average
 * over the `B` rows, so their gradient is `(softmax − target)/B`.
 *
 * The cross-entropies run on fused primitives (`src/ops/cross_entropy.ts`), stable at large
 * logits and taking their limits at infinite ones. A target of the other dtype is converted to
 * the prediction's; the loss has the prediction's dtype.
 *
 * @module
 */

import { checkOps, type Ops } from "./autodiff/ops.ts";
import { checkNumber } from "./_checks.ts";
import { rethrowAs } from "./_checks_structure.ts";
import { formatShape, type Tensor } from "./tensor.ts";
import { checkSameShape } from "./losses/_checks.ts";
import type { Loss } from "./losses/loss.ts";

export type { Loss } from "./losses/loss.ts";

/** `prediction − target`, the target converted to the prediction's dtype when it differs. */
function residual(t: Ops, prediction: Tensor, target: Tensor): Tensor {
  const y = target.dtype === prediction.dtype ? target : t.astype(target, prediction.dtype);
  return t.sub(prediction, y);
}

/**
 * Mean squared error: `L = (1/N) Σ (p − t)²`, `∂L/∂p = 2(p − t)/N`.
 *
 * (The lecture's `E = ½ Σ (t − o)²` is `N/2` times this; its gradient `o − t` is `N/2` times
 * ours. The factor only rescales the learning rate.)
 *
 * @example
 * ```ts
 * import { meanSquaredError } from "./losses.ts";
 * import { valueAndGrad } from "./autodiff/trace.ts";
 * import { tensor } from "./tensor.ts";
 * const target = tensor([[0], [1]]);
 * const [loss, grad] = valueAndGrad((t, p) => meanSquaredError(t, p, target), tensor([[1], [3]]));
 * // ((1)² + (2)²)/2 = 2.5; gradient 2·(1, 2)/2 = (1, 2).
 * if (loss !== 2.5 || grad.data[1] !== 2) throw new Error("unexpected");
 * ```
 */
export const meanSquaredError: Loss = (t, prediction, target): Tensor => {
  checkOps("meanSquaredError", t);
  checkSameShape("meanSquaredError", prediction, target);
  return t.mean(t.square(residual(t, prediction, target)));
};

/**
 * Mean absolute error: `L = (1/N) Σ |p − t|`, `∂L/∂p = sign(p − t)/N` (0 where `p = t`).
 *
 * @example
 * ```ts
 * import { meanAbsoluteError } from "./losses.ts";
 * import { untraced } from "./autodiff/ops.ts";
 * import { tensor } from "./tensor.ts";
 * const loss = meanAbsoluteError(untraced(), tensor([1, -3]), tensor([0, 1]));
 * if (loss.data[0] !== 2.5) throw new Error("unexpected");
 * ```
 */
export const meanAbsoluteError: Loss = (t, prediction, target): Tensor => {
  checkOps("meanAbsoluteError", t);
  checkSameShape("meanAbsoluteError", prediction, target);
  return t.mean(t.abs(residual(t, prediction, target)));
};

/**
 * The Huber loss with threshold `delta > 0`: quadratic near the target, linear far from it, so
 * outliers pull with bounded force. With `r = p − t`,
 * `ℓ(r) = ½r²` for `|r| ≤ δ` and `δ(|r| − ½δ)` otherwise; `ℓ'(r) = r` resp. `δ·sign(r)`.
 * `L = (1/N) Σ ℓ(r)`. Written as `½q² + δ·e` with the excess `e = relu(|r| − δ)` and
 * `q = |r| − e = min(|r|, δ)`.
 *
 * @example
 * ```ts
 * import { huber } from "./losses.ts";
 * import { untraced } from "./autodiff/ops.ts";
 * import { tensor } from "./tensor.ts";
 * const loss = huber(1)(untraced(), tensor([0.5, 3]), tensor([0, 0]));
 * // (½·0.25 + 1·(3 − 0.5))/2 = 1.3125.
 * if (loss.data[0] !== 1.3125) throw new Error("unexpected");
 * ```
 */
export function huber(delta = 1): Loss {
  checkNumber("huber", "delta", delta, { min: 0, minExclusive: true });
  return (t, prediction, target): Tensor => {
    checkOps("huber", t);
    checkSameShape("huber", prediction, target);
    const a = t.abs(residual(t, prediction, target));
    const excess = t.relu(t.addScalar(a, -delta));
    const q = t.sub(a, excess);
    return t.mean(t.add(t.mulScalar(t.square(q), 0.5), t.mulScalar(excess, delta)));
  };
}

/**
 * Binary cross-entropy on logits `z` with targets `t ∈ [0, 1]`:
 * `ℓ = −t·log σ(z) − (1 − t)·log(1 − σ(z)) = softplus(z) − z·t`, computed stably (no overflow
 * for any finite `z`; the limit 0 at `z = ±∞` where the target agrees) by the fused
 * `sigmoidCrossEntropy` primitive; `∂ℓ/∂z = σ(z) − t`. `L = (1/N) Σ ℓ`. A target outside
 * `[0, 1]` is a `RangeError`.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from "./losses.ts";
 * import { valueAndGrad } from "./autodiff/trace.ts";
 * import { tensor } from "./tensor.ts";
 * const target = tensor([1], [1], "float64");
 * const [loss, grad] = valueAndGrad(
 *   (t, z) => binaryCrossEntropyWithLogits(t, z, target),
 *   tensor([0], [1], "float64"),
 * );
 * // σ(0) = ½: loss log 2, gradient ½ − 1.
 * if (Math.abs(loss - Math.LN2) > 1e-12 || grad.data[0] !== -0.5) throw new Error("unexpected");
 * ```
 */
export const binaryCrossEntropyWithLogits: Loss = (t, prediction, target): Tensor => {
  checkOps("binaryCrossEntropyWithLogits", t);
  const op = "binaryCrossEntropyWithLogits";
  checkSameShape(op, prediction, target);
  checkUnitTargets(op, target);
  return t.mean(t.sigmoidCrossEntropy(prediction, target));
};

/** Binary cross-entropy targets are probabilities: a `RangeError` at the first outside [0, 1]. */
function checkUnitTargets(op: string, target: Tensor): void {
  const y = target.data;
  // One loop per element type: a loop over either typed array is polymorphic, 3x slower, and
  // this runs on every batch (1% of a VAE step, profiled).
  const i = y instanceof Float32Array ? firstOutsideF32(y) : firstOutside(y);
  if (i >= 0) {
    throw new RangeError(
      `${op}: target at flat index ${i} is ${y[i]}, expected a value in [0, 1]`,
    );
  }
}

function firstOutsideF32(y: Float32Array): number {
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] <= 1)) return i;
  return -1;
}

function firstOutside(y: Tensor["data"]): number {
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] <= 1)) return i;
  return -1;
}

/**
 * The negative log-likelihood of a Bernoulli model with logits `z`, in nats per example: the
 * binary cross-entropy `ℓ = softplus(z) − z·t` summed over each example's elements (axes after
 * the first) and averaged over the `B` examples, `L = (1/B) Σ ℓ`, so `∂L/∂z = (σ(z) − t)/B`.
 * The likelihood of a VAE's decoder (PyTorch's example sums `binary_cross_entropy` over the
 * pixels): with {@linkcode reparameterize}'s `kl`, the objective is the negative ELBO per
 * image. It is {@linkcode binaryCrossEntropyWithLogits} times the elements per example (that
 * loss averages over them too). Targets in `[0, 1]` may be intensities, not only 0 or 1; a
 * target outside is a `RangeError`. Runs on the fused `bernoulliNllRows` primitive (the
 * per-example sums of `sigmoidCrossEntropy` in one pass).
 *
 * @example
 * ```ts
 * import { bernoulliNll } from "./losses.ts";
 * import { untraced } from "./autodiff/ops.ts";
 * import { tensor } from "./tensor.ts";
 * // Two images of three pixels at logit 0: each pixel costs log 2 whatever its target.
 * const loss = bernoulliNll(untraced(), tensor([[0, 0, 0], [0, 0, 0]], [2, 3], "float64"), tensor([[0, 1, 0.5], [1, 1, 1]]));
 * if (Math.abs(loss.data[0] - 3 * Math.LN2) > 1e-12) throw new Error(`${loss.data[0]}`);
 * ```
 */
export const bernoulliNll: Loss = (t, prediction, target): Tensor => {
  checkOps("bernoulliNll", t);
  const op = "bernoulliNll";
  checkSameShape(op, prediction, target);
  if (prediction.shape.length < 2) {
    throw new TypeError(
      `Cannot ${op}: expected a batch [batch, ...example] of rank >= 2, got shape ${
        formatShape(prediction.shape)
      }`,
    );
  }
  // The fused per-example sums (one pass; it checks the targets are in [0, 1], an error this
  // loss then names).
  const rows = rethrowAs(op, () => t.bernoulliNllRows(prediction, target));
  return t.mulScalar(t.sum(rows), 1 / prediction.shape[0]);
};

export { softmaxCrossEntropy, softmaxCrossEntropyOneHot } from "./losses/cross_entropy.ts";
