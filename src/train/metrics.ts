/**
 * Metrics: functions of a batch's prediction and target giving the batch mean, so they can be
 * averaged over batches weighted by batch size.
 *
 * @module
 */

import { formatShape, isTensor, shapesEqual, type Tensor } from "../tensor.ts";
import { checkNumber, describeValue } from "../_checks.ts";

function checkPair(op: string, prediction: unknown, target: unknown): void {
  if (!isTensor(prediction) || !isTensor(target)) {
    throw new TypeError(
      `${op}: prediction and target must be tensors, got ${describeValue(prediction)} and ${
        describeValue(target)
      }`,
    );
  }
}

/** A metric: the mean over the batch of some per-example score (accuracy, error, ...). */
export type Metric = (prediction: Tensor, target: Tensor) => number;

/**
 * The index of the largest entry in each row of a `[N, C]` tensor (the first one on ties).
 *
 * @example
 * ```ts
 * import { argmaxRows } from "./metrics.ts";
 * import { tensor } from "../tensor.ts";
 * if (argmaxRows(tensor([[0, 2, 1], [5, 5, 0]])).join() !== "1,0") throw new Error("unexpected");
 * ```
 */
export function argmaxRows(t: Tensor): Uint32Array {
  return argmaxOf("argmaxRows", t);
}

function argmaxOf(op: string, t: Tensor): Uint32Array {
  if (!isTensor(t) || t.shape.length !== 2 || t.shape[1] < 1) {
    throw new TypeError(
      `${op}: expected a [N, C] tensor with C >= 1, got ${
        isTensor(t) ? `shape ${formatShape(t.shape)}` : describeValue(t)
      }`,
    );
  }
  const [n, c] = t.shape;
  const out = new Uint32Array(n);
  const d = t.data;
  for (let i = 0; i < n; i++) {
    let best = 0, bestValue = d[i * c];
    for (let j = 1; j < c; j++) {
      const v = d[i * c + j];
      if (v > bestValue) {
        best = j;
        bestValue = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Classification accuracy: the fraction of rows whose largest score (logit or probability) is
 * at the true class. Predictions are `[N, C]` with `C >= 2`; targets are class indices `[N]`
 * or one-hot rows `[N, C]`.
 *
 * @example
 * ```ts
 * import { accuracy } from "./metrics.ts";
 * import { tensor } from "../tensor.ts";
 * const logits = tensor([[2, 0, 1], [0, 3, 1], [1, 0, 4], [5, 1, 0]]);
 * if (accuracy(logits, tensor([0, 1, 1, 0])) !== 0.75) throw new Error("unexpected");
 * ```
 */
export const accuracy: Metric = (prediction, target): number => {
  checkPair("accuracy", prediction, target);
  const { shape } = prediction;
  if (shape.length !== 2 || shape[1] < 2) {
    throw new TypeError(
      `accuracy: predictions must be [N, C] scores with C >= 2, got shape ${formatShape(shape)}` +
        (shape.length <= 2 ? " (for one score per example use binaryAccuracy)" : ""),
    );
  }
  const n = shape[0];
  const oneHot = shapesEqual(target.shape, shape);
  if (!oneHot && !shapesEqual(target.shape, [n])) {
    throw new TypeError(
      `accuracy: targets must be class indices [${n}] or one-hot [${n},${shape[1]}], got shape ${
        formatShape(target.shape)
      }`,
    );
  }
  if (n === 0) {
    throw new RangeError("accuracy: the batch has no examples, so accuracy is undefined");
  }
  const predicted = argmaxOf("accuracy", prediction);
  const c = shape[1];
  if (!oneHot) {
    for (let i = 0; i < n; i++) {
      const label = target.data[i];
      if (!(Number.isInteger(label) && label >= 0 && label < c)) {
        throw new RangeError(
          `accuracy: label at row ${i} is ${label}; labels are integer class indices in [0, ${c})`,
        );
      }
    }
  }
  const truth = oneHot ? argmaxOf("accuracy", target) : target.data;
  let correct = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === truth[i]) correct++;
  return correct / n;
};

/**
 * Accuracy for one score per example (`[N]` or `[N, 1]`) against 0/1 targets: an example is
 * predicted positive when its score is above `threshold`. Use `threshold = 0` for logits (as
 * trained with `binaryCrossEntropyWithLogits`) and the default 0.5 for probabilities.
 *
 * @example
 * ```ts
 * import { binaryAccuracy } from "./metrics.ts";
 * import { tensor } from "../tensor.ts";
 * const fromLogits = binaryAccuracy(0);
 * if (fromLogits(tensor([[-2], [0.5], [3]]), tensor([[0], [0], [1]])) !== 2 / 3) throw new Error("unexpected");
 * ```
 */
export function binaryAccuracy(threshold = 0.5): Metric {
  checkNumber("binaryAccuracy", "threshold", threshold);
  return (prediction, target) => {
    checkPair("binaryAccuracy", prediction, target);
    const n = prediction.shape[0];
    const ok = (s: readonly number[]) =>
      (s.length === 1 && s[0] === n) || (s.length === 2 && s[0] === n && s[1] === 1);
    if (!ok(prediction.shape) || !ok(target.shape)) {
      throw new TypeError(
        `binaryAccuracy: predictions and targets must be [N] or [N,1] with the same N, got ${
          formatShape(prediction.shape)
        } and ${formatShape(target.shape)}`,
      );
    }
    if (n === 0) {
      throw new RangeError("binaryAccuracy: the batch has no examples, so accuracy is undefined");
    }
    let correct = 0;
    const p = prediction.data, t = target.data;
    for (let i = 0; i < n; i++) {
      if (t[i] !== 0 && t[i] !== 1) {
        throw new RangeError(`binaryAccuracy: target at row ${i} is ${t[i]}; targets are 0 or 1`);
      }
      if ((p[i] > threshold) === (t[i] === 1)) correct++;
    }
    return correct / n;
  };
}
