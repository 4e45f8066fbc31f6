/**
 * Metrics: functions of a batch's prediction and target giving the batch mean, so they can be
 * averaged over batches weighted by batch size. They compute through the primitives of an
 * untraced `Ops` value (`t`, default `untraced()` on the default backend) and return numbers.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import { formatShape, isTensor, scalar, shapesEqual, type Tensor } from "../tensor.ts";
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

/**
 * A metric: the mean over the batch of some per-example score (accuracy, error, ...), computed
 * through the primitives of `t` (an untraced `Ops`; `untraced()` when omitted).
 */
export type Metric = (prediction: Tensor, target: Tensor, t?: Ops) => number;

/** `x` in float64 (through the `astype` primitive when it is not already). */
function float64(t: Ops, x: Tensor): Tensor {
  return x.dtype === "float64" ? x : t.astype(x, "float64");
}

function checkScores(op: string, x: Tensor): void {
  if (!isTensor(x) || x.shape.length !== 2 || x.shape[1] < 1) {
    throw new TypeError(
      `${op}: expected a [N, C] tensor with C >= 1, got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
}

/**
 * The index of the largest entry in each row of a `[N, C]` tensor (the first one on ties; a
 * NaN wins its row, as numpy's `argmax`), through the `argmax` primitive.
 *
 * @example
 * ```ts
 * import { argmaxRows } from "./metrics.ts";
 * import { tensor } from "../tensor.ts";
 * if (argmaxRows(tensor([[0, 2, 1], [5, 5, 0]])).join() !== "1,0") throw new Error("unexpected");
 * ```
 */
export function argmaxRows(x: Tensor, t: Ops = untraced()): Uint32Array {
  checkScores("argmaxRows", x);
  return Uint32Array.from(t.argmax(x, 1).data);
}

/**
 * Classification accuracy: the fraction of rows whose largest score (logit or probability) is
 * at the true class. Predictions are `[N, C]` with `C >= 2`; targets are class indices `[N]`
 * or one-hot rows `[N, C]`. Computed as `Σ equal(argmax(prediction), label) / N`.
 *
 * @example
 * ```ts
 * import { accuracy } from "./metrics.ts";
 * import { tensor } from "../tensor.ts";
 * const logits = tensor([[2, 0, 1], [0, 3, 1], [1, 0, 4], [5, 1, 0]]);
 * if (accuracy(logits, tensor([0, 1, 1, 0])) !== 0.75) throw new Error("unexpected");
 * ```
 */
export const accuracy: Metric = (prediction, target, t = untraced()): number => {
  checkPair("accuracy", prediction, target);
  const { shape } = prediction;
  if (shape.length !== 2 || shape[1] < 2) {
    throw new TypeError(
      `accuracy: predictions must be [N, C] scores with C >= 2, got shape ${formatShape(shape)}` +
        (shape.length <= 2 ? " (for one score per example use binaryAccuracy)" : ""),
    );
  }
  const [n, c] = shape;
  const oneHot = shapesEqual(target.shape, shape);
  if (!oneHot && !shapesEqual(target.shape, [n])) {
    throw new TypeError(
      `accuracy: targets must be class indices [${n}] or one-hot [${n},${c}], got shape ${
        formatShape(target.shape)
      }`,
    );
  }
  if (n === 0) {
    throw new RangeError("accuracy: the batch has no examples, so accuracy is undefined");
  }
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
  // Class indices are exact in either dtype; float64 lets predictions and labels meet.
  const predicted = float64(t, t.argmax(prediction, 1));
  const truth = float64(t, oneHot ? t.argmax(target, 1) : target);
  // The count is an integer, exact in float64; dividing it here keeps correct/n exact.
  return t.sum(t.equal(predicted, truth)).data[0] / n;
};

/**
 * Accuracy for one score per example (`[N]` or `[N, 1]`) against 0/1 targets: an example is
 * predicted positive when its score is above `threshold`. Use `threshold = 0` for logits (as
 * trained with `binaryCrossEntropyWithLogits`) and the default 0.5 for probabilities. A NaN
 * score is predicted negative.
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
  return (prediction, target, t = untraced()) => {
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
    const y = target.data;
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0 && y[i] !== 1) {
        throw new RangeError(`binaryAccuracy: target at row ${i} is ${y[i]}; targets are 0 or 1`);
      }
    }
    // In float64 the threshold compares exactly as given. [p > θ] = [max(p, θ) = p] − [p = θ],
    // which is 0 for a NaN score (NaN equals nothing).
    const p = t.reshape(float64(t, prediction), [n]);
    const th = scalar(threshold, "float64");
    const positive = t.sub(t.equal(t.maximum(p, th), p), t.equal(p, th));
    const truth = t.reshape(float64(t, target), [n]);
    return t.sum(t.equal(positive, truth)).data[0] / n;
  };
}
