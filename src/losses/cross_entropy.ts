/**
 * The softmax cross-entropies, against integer labels and against one-hot or probability
 * targets: forward code over the fused primitives of `src/ops/cross_entropy.ts` (see
 * `src/losses.ts`, which exports them, for how losses are made).
 *
 * @module
 */

import { checkOps } from "../autodiff/ops.ts";
import { formatShape, type Tensor } from "../tensor.ts";
import type { Loss } from "./loss.ts";
import { checkSameShape, checkTensors } from "./_checks.ts";

/** Checks logits `[B, C]` with `B, C ≥ 1`; returns `[B, C]`. */
function checkLogits(op: string, logits: Tensor): [number, number] {
  if (logits.shape.length !== 2 || logits.shape[0] < 1 || logits.shape[1] < 1) {
    throw new TypeError(
      `Cannot ${op}: expected logits of shape [batch, classes] with both >= 1, got ${
        formatShape(logits.shape)
      }`,
    );
  }
  return [logits.shape[0], logits.shape[1]];
}

/**
 * Softmax cross-entropy against integer class labels. `prediction` holds logits `[B, C]`;
 * `target` has shape `[B]` and holds class indices `0 .. C−1` (as floats). Per row,
 * `ℓ = logsumexp(z) − z_label = −logSoftmax(z)_label` (stable: the row maximum is subtracted
 * before `exp`, so logits of ±1000 give a finite loss); `∂L/∂z = (softmax(z) − onehot)/B`.
 * Runs on the fused `sparseSoftmaxCrossEntropy` primitive.
 *
 * A non-integer or out-of-range label is a `RangeError` naming its batch row.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropy } from "../losses.ts";
 * import { valueAndGrad } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const labels = tensor([2]);
 * const [loss, grad] = valueAndGrad(
 *   (t, z) => softmaxCrossEntropy(t, z, labels),
 *   tensor([[0, 0, 0, 0]], [1, 4], "float64"),
 * );
 * // Uniform softmax: loss log 4, gradient ¼ everywhere but ¼ − 1 at the label.
 * if (Math.abs(loss - Math.log(4)) > 1e-12 || grad.data[2] !== -0.75) throw new Error("unexpected");
 * ```
 */
export const softmaxCrossEntropy: Loss = (t, prediction, target): Tensor => {
  checkOps("softmaxCrossEntropy", t);
  const op = "softmaxCrossEntropy";
  checkTensors(op, prediction, target);
  const [b, c] = checkLogits(op, prediction);
  if (target.shape.length !== 1 || target.shape[0] !== b) {
    throw new TypeError(
      `Cannot ${op}: labels must have shape [${b}] (one class index per row of logits ${
        formatShape(prediction.shape)
      }), got ${formatShape(target.shape)}`,
    );
  }
  const labels = target.data;
  for (let i = 0; i < b; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < c)) {
      throw new RangeError(
        `${op}: label at batch row ${i} is ${label}; labels must be integer class indices ` +
          `in [0, ${c})`,
      );
    }
  }
  return t.mean(t.sparseSoftmaxCrossEntropy(prediction, target));
};

/**
 * Softmax cross-entropy against one-hot or probability targets `[B, C]`: per row
 * `ℓ = Σ_c t_c (logsumexp(z) − z_c) = −Σ_c t_c·logSoftmax(z)_c`, stable like
 * {@linkcode softmaxCrossEntropy}; `∂L/∂z = (softmax(z)·Σ_c t_c − t)/B`, which is
 * `(softmax(z) − t)/B` when rows sum to 1. Runs on the fused `softmaxCrossEntropyWithProbs`
 * primitive. A negative or NaN target is a `RangeError` naming its row and class.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropyOneHot } from "../losses.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const loss = softmaxCrossEntropyOneHot(untraced(), tensor([[1000, -1000]]), tensor([[0, 1]]));
 * // Finite despite the extreme logits: logsumexp = 1000, so ℓ = 1000 − (−1000).
 * if (loss.data[0] !== 2000) throw new Error("unexpected");
 * ```
 */
export const softmaxCrossEntropyOneHot: Loss = (t, prediction, target): Tensor => {
  checkOps("softmaxCrossEntropyOneHot", t);
  const op = "softmaxCrossEntropyOneHot";
  checkSameShape(op, prediction, target);
  const [b, c] = checkLogits(op, prediction);
  const y = target.data;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < c; j++) {
      const tj = y[i * c + j];
      // A negative or NaN target would make the loss negative or NaN, and no distribution.
      if (!(tj >= 0)) {
        throw new RangeError(
          `${op}: target at row ${i}, class ${j} is ${tj}; targets are one-hot rows or ` +
            `probabilities (non-negative)`,
        );
      }
    }
  }
  return t.mean(t.softmaxCrossEntropyWithProbs(prediction, target));
};
