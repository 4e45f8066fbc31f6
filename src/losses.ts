/**
 * Losses: `(prediction, target) => [loss, dLoss/dPrediction]`, averaged over the batch.
 *
 * Elementwise losses (`meanSquaredError`, `meanAbsoluteError`, `huber`,
 * `binaryCrossEntropyWithLogits`) average over every element, batch and feature axes alike (as
 * Keras and PyTorch do), so their gradient carries a factor `1/N`, `N` the element count.
 * The softmax cross-entropies sum over the class axis (one distribution per row) and average
 * over the `B` rows, so their gradient is `(softmax − target)/B`.
 *
 * Each loss reads its inputs once and allocates its gradient once; arithmetic is in double
 * precision and the gradient takes the prediction's dtype. Targets are data, read as numbers,
 * and may be of either dtype.
 *
 * @module
 */

import type { Ops } from "./autodiff/ops.ts";
import { checkNumber, describeValue } from "./_checks.ts";
import { allocate, formatShape, fromTypedArray, isTensor, type Tensor } from "./tensor.ts";

/**
 * A loss: forward code over the primitives of `t` from a prediction and a target to the mean
 * loss over the batch, a scalar tensor (one element). Its gradient comes from the trace `t`
 * belongs to; `valueAndGrad((t, p) => loss(t, p, target), prediction)` gives value and gradient.
 */
export type Loss = (t: Ops, prediction: Tensor, target: Tensor) => Tensor;

function checkTensors(op: string, prediction: Tensor, target: Tensor): void {
  if (!isTensor(prediction)) {
    throw new TypeError(
      `Cannot ${op}: the prediction must be a tensor, got ${describeValue(prediction)}`,
    );
  }
  if (!isTensor(target)) {
    throw new TypeError(`Cannot ${op}: the target must be a tensor, got ${describeValue(target)}`);
  }
}

/** Checks an elementwise loss's arguments and returns the element count `N`. */
function checkSameShape(op: string, prediction: Tensor, target: Tensor): number {
  checkTensors(op, prediction, target);
  const p = prediction.shape, t = target.shape;
  let same = p.length === t.length;
  for (let i = 0; same && i < p.length; i++) same = p[i] === t[i];
  if (!same) {
    throw new TypeError(
      `Cannot ${op}: prediction shape ${formatShape(p)} differs from target shape ${
        formatShape(t)
      }`,
    );
  }
  if (prediction.data.length === 0) {
    throw new TypeError(`Cannot ${op}: the prediction ${formatShape(p)} has no elements`);
  }
  return prediction.data.length;
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
 * import { tensor } from "./tensor.ts";
 * const [loss, grad] = meanSquaredError(tensor([[1], [3]]), tensor([[0], [1]]));
 * // ((1)² + (2)²)/2 = 2.5; gradient 2·(1, 2)/2 = (1, 2).
 * if (loss !== 2.5 || grad.data[1] !== 2) throw new Error("unexpected");
 * ```
 */
export const meanSquaredError: Loss = (prediction, target): [number, Tensor] => {
  const n = checkSameShape("meanSquaredError", prediction, target);
  const p = prediction.data, t = target.data;
  const grad = allocate(prediction.dtype, n);
  const scale = 2 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = p[i] - t[i];
    sum += r * r;
    grad[i] = scale * r;
  }
  return [sum / n, fromTypedArray(grad, prediction.shape)];
};

/**
 * Mean absolute error: `L = (1/N) Σ |p − t|`, `∂L/∂p = sign(p − t)/N` (0 where `p = t`).
 *
 * @example
 * ```ts
 * import { meanAbsoluteError } from "./losses.ts";
 * import { tensor } from "./tensor.ts";
 * const [loss, grad] = meanAbsoluteError(tensor([1, -3]), tensor([0, 1]));
 * if (loss !== 2.5 || grad.data[0] !== 0.5 || grad.data[1] !== -0.5) throw new Error("unexpected");
 * ```
 */
export const meanAbsoluteError: Loss = (prediction, target): [number, Tensor] => {
  const n = checkSameShape("meanAbsoluteError", prediction, target);
  const p = prediction.data, t = target.data;
  const grad = allocate(prediction.dtype, n);
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = p[i] - t[i];
    sum += Math.abs(r);
    grad[i] = r > 0 ? scale : r < 0 ? -scale : 0;
  }
  return [sum / n, fromTypedArray(grad, prediction.shape)];
};

/**
 * The Huber loss with threshold `delta > 0`: quadratic near the target, linear far from it, so
 * outliers pull with bounded force. With `r = p − t`,
 * `ℓ(r) = ½r²` for `|r| ≤ δ` and `δ(|r| − ½δ)` otherwise; `ℓ'(r) = r` resp. `δ·sign(r)`.
 * `L = (1/N) Σ ℓ(r)`.
 *
 * @example
 * ```ts
 * import { huber } from "./losses.ts";
 * import { tensor } from "./tensor.ts";
 * const [loss, grad] = huber(1)(tensor([0.5, 3]), tensor([0, 0]));
 * // (½·0.25 + 1·(3 − 0.5))/2 = 1.3125; gradients (0.5, 1)/2.
 * if (loss !== 1.3125 || grad.data[1] !== 0.5) throw new Error("unexpected");
 * ```
 */
export function huber(delta = 1): Loss {
  checkNumber("huber", "delta", delta, { min: 0, minExclusive: true });
  return (prediction, target) => {
    const n = checkSameShape("huber", prediction, target);
    const p = prediction.data, t = target.data;
    const grad = allocate(prediction.dtype, n);
    const scale = 1 / n, half = 0.5 * delta;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const r = p[i] - t[i];
      if (r > delta) {
        sum += delta * (r - half);
        grad[i] = scale * delta;
      } else if (r < -delta) {
        sum += delta * (-r - half);
        grad[i] = -scale * delta;
      } else {
        sum += 0.5 * r * r;
        grad[i] = scale * r;
      }
    }
    return [sum / n, fromTypedArray(grad, prediction.shape)];
  };
}

/**
 * Binary cross-entropy on logits `z` with targets `t ∈ [0, 1]`:
 * `ℓ = −t·log σ(z) − (1 − t)·log(1 − σ(z))`, computed stably as
 * `max(z, 0) − z·t + log(1 + exp(−|z|))` (no overflow for any finite `z`);
 * `∂ℓ/∂z = σ(z) − t`. `L = (1/N) Σ ℓ`. A target outside `[0, 1]` is a `RangeError`.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from "./losses.ts";
 * import { tensor } from "./tensor.ts";
 * const [loss, grad] = binaryCrossEntropyWithLogits(tensor([0]), tensor([1]));
 * // σ(0) = ½: loss log 2, gradient ½ − 1.
 * if (Math.abs(loss - Math.LN2) > 1e-12 || grad.data[0] !== -0.5) throw new Error("unexpected");
 * ```
 */
export const binaryCrossEntropyWithLogits: Loss = (prediction, target): [number, Tensor] => {
  const op = "binaryCrossEntropyWithLogits";
  const n = checkSameShape(op, prediction, target);
  const z = prediction.data, t = target.data;
  const grad = allocate(prediction.dtype, n);
  const scale = 1 / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i], ti = t[i];
    if (!(ti >= 0 && ti <= 1)) {
      throw new RangeError(`${op}: target at flat index ${i} is ${ti}, expected a value in [0, 1]`);
    }
    // e = exp(−|z|) ∈ (0, 1]; σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0.
    const e = Math.exp(-Math.abs(zi));
    // At z = ±Infinity the linear part is Infinity·0 where the target agrees; its limit is 0.
    const lin = zi === Infinity
      ? (ti === 1 ? 0 : Infinity)
      : zi === -Infinity
      ? (ti === 0 ? 0 : Infinity)
      : (zi > 0 ? zi : 0) - zi * ti;
    sum += lin + Math.log1p(e);
    const sigma = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    grad[i] = scale * (sigma - ti);
  }
  return [sum / n, fromTypedArray(grad, prediction.shape)];
};

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
 * Writes `softmax(z_row)` into `out[offset ..]` and returns the row's log-sum-exp
 * `m + log Σ exp(z − m)`, `m` the row maximum, so no exponent exceeds 0. The exponentials
 * are parked in `out` itself, so a row costs no allocation; their sum stays in double.
 */
function softmaxRow(z: Tensor["data"], out: Tensor["data"], offset: number, c: number): number {
  let m = -Infinity;
  for (let j = 0; j < c; j++) if (z[offset + j] > m) m = z[offset + j];
  let s = 0;
  for (let j = 0; j < c; j++) {
    const v = z[offset + j];
    // With a +Infinity logit the mass goes to the infinite ones (Infinity - Infinity is NaN).
    const e = Math.exp(m === Infinity ? (v === Infinity ? 0 : -Infinity) : v - m);
    out[offset + j] = e;
    s += e;
  }
  const inv = 1 / s;
  for (let j = 0; j < c; j++) out[offset + j] *= inv;
  return m + Math.log(s);
}

/**
 * `logsumexp(z) − z_j` for a row whose log-sum-exp is `lse` and softmax at `j` is `p`: where
 * both are +Infinity their difference is the limit `−log p` (log of the number of infinite
 * logits), not NaN.
 */
function crossTerm(lse: number, zj: number, p: number): number {
  return lse === Infinity && zj === Infinity ? -Math.log(p) : lse - zj;
}

/**
 * Softmax cross-entropy against integer class labels. `prediction` holds logits `[B, C]`;
 * `target` has shape `[B]` and holds class indices `0 .. C−1` (as floats). Per row,
 * `ℓ = logsumexp(z) − z_label` (stable: the row maximum is subtracted before `exp`, so logits
 * of ±1000 give a finite loss); `∂L/∂z = (softmax(z) − onehot(label))/B`.
 *
 * A non-integer or out-of-range label is a `RangeError` naming its batch row.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropy } from "./losses.ts";
 * import { tensor } from "./tensor.ts";
 * const [loss, grad] = softmaxCrossEntropy(tensor([[0, 0, 0, 0]], [1, 4], "float64"), tensor([2]));
 * // Uniform softmax: loss log 4, gradient ¼ everywhere but ¼ − 1 at the label.
 * if (Math.abs(loss - Math.log(4)) > 1e-12 || grad.data[2] !== -0.75) throw new Error("unexpected");
 * ```
 */
export const softmaxCrossEntropy: Loss = (prediction, target): [number, Tensor] => {
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
  const z = prediction.data, labels = target.data;
  const grad = allocate(prediction.dtype, b * c);
  const scale = 1 / b;
  let sum = 0;
  for (let i = 0; i < b; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < c)) {
      throw new RangeError(
        `${op}: label at batch row ${i} is ${label}; labels must be integer class indices ` +
          `in [0, ${c})`,
      );
    }
    const offset = i * c;
    const lse = softmaxRow(z, grad, offset, c);
    sum += crossTerm(lse, z[offset + label], grad[offset + label]);
    grad[offset + label] -= 1;
    for (let j = 0; j < c; j++) grad[offset + j] *= scale;
  }
  return [sum / b, fromTypedArray(grad, prediction.shape)];
};

/**
 * Softmax cross-entropy against one-hot or probability targets `[B, C]`: per row
 * `ℓ = Σ_c t_c (logsumexp(z) − z_c)`, stable like {@linkcode softmaxCrossEntropy};
 * `∂L/∂z = (softmax(z)·Σ_c t_c − t)/B`, which is `(softmax(z) − t)/B` when rows sum to 1.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropyOneHot } from "./losses.ts";
 * import { tensor } from "./tensor.ts";
 * const [loss] = softmaxCrossEntropyOneHot(tensor([[1000, -1000]]), tensor([[0, 1]]));
 * // Finite despite the extreme logits: logsumexp = 1000, so ℓ = 1000 − (−1000).
 * if (loss !== 2000) throw new Error("unexpected");
 * ```
 */
export const softmaxCrossEntropyOneHot: Loss = (prediction, target): [number, Tensor] => {
  const op = "softmaxCrossEntropyOneHot";
  checkSameShape(op, prediction, target);
  const [b, c] = checkLogits(op, prediction);
  const z = prediction.data, t = target.data;
  const grad = allocate(prediction.dtype, b * c);
  const scale = 1 / b;
  let sum = 0;
  for (let i = 0; i < b; i++) {
    const offset = i * c;
    const lse = softmaxRow(z, grad, offset, c);
    let mass = 0;
    for (let j = 0; j < c; j++) {
      const tj = t[offset + j];
      // A negative or NaN target would make the loss negative or NaN, and no distribution.
      if (!(tj >= 0)) {
        throw new RangeError(
          `${op}: target at row ${i}, class ${j} is ${tj}; targets are one-hot rows or ` +
            `probabilities (non-negative)`,
        );
      }
      mass += tj;
      if (tj !== 0) sum += tj * crossTerm(lse, z[offset + j], grad[offset + j]);
    }
    for (let j = 0; j < c; j++) {
      grad[offset + j] = scale * (grad[offset + j] * mass - t[offset + j]);
    }
  }
  return [sum / b, fromTypedArray(grad, prediction.shape)];
};
