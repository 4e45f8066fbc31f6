/**
 * Rosenblatt's perceptron: a step unit `ŷ = step(w·x + b)` and the mistake-driven learning rule
 * `w ← w + η·y·x`, `b ← b + η·y` applied to each example it gets wrong (`y(w·x + b) ≤ 0`, with
 * labels `y ∈ {−1, +1}`). This is not gradient descent: nothing is differentiated, and a correct
 * example changes nothing however small its margin.
 *
 * Each epoch is one call of the fused `perceptronEpoch` (`src/ops/perceptron_step.ts`): the
 * rule is sequential, each example seeing the weights the previous mistake left, so no batched
 * primitive expresses it, and the same rule composed from primitives one example at a time
 * (which the op equals bit for bit, tested) spent about a hundred times the loop's time on
 * its small tensors (figures in the op's doc).
 *
 * @module
 */

import { untraced } from "../autodiff/ops.ts";
import type { Ops } from "../autodiff/ops.ts";
import type { Backend } from "../kernels/kernels.ts";
import { defaultBackend } from "../kernels/select.ts";
import { type Key, permutation, split } from "../random.ts";
import { formatShape, isTensor, scalar, type Tensor, zeros } from "../tensor.ts";
import {
  checkBoolean,
  checkInteger,
  checkKey,
  checkNumber,
  checkOptions,
  describeValue,
} from "../_checks.ts";
import { perceptronEpoch } from "../ops/perceptron_step.ts";
import { checkBackend } from "./state.ts";
import { checkPerceptronData } from "./_perceptron_data.ts";

/** Options of {@linkcode trainPerceptron}. */
export interface PerceptronOptions {
  /**
   * The most passes over the data; training stops early after an epoch without a mistake.
   * Default 100.
   */
  epochs?: number;
  /**
   * The step η of the rule, positive. From zero weights it only scales them: the mistakes and
   * the decisions are the same for every η. Default 1.
   */
  learningRate?: number;
  /** Whether to learn a bias `b` (the folded form: a constant input of 1). Default `true`. */
  bias?: boolean;
  /** A key to visit the examples in a fresh random order each epoch; default: in order. */
  shuffle?: Key;
  /** The backend the primitives run on; default {@linkcode defaultBackend}. */
  backend?: Backend;
}

/** The result of {@linkcode trainPerceptron}. */
export interface Perceptron {
  /** The weights `[features]`, in the input's dtype. */
  readonly w: Tensor;
  /** The bias, a scalar tensor (0 when trained with `bias: false`). */
  readonly b: Tensor;
  /** The number of mistakes (updates) made in each epoch run. */
  readonly mistakes: readonly number[];
  /** Whether the last epoch made no mistake: every training example is on its side, margin > 0. */
  readonly converged: boolean;
  /**
   * The step unit's decisions `step(x·w + b)` for a batch `[n, features]`: +1 where the sum
   * is positive, −1 elsewhere, shape `[n]`.
   */
  readonly predict: (x: Tensor) => Tensor;
}

/**
 * Trains a perceptron on `x: [n, features]` with labels `y: [n]` of −1 and +1 by Rosenblatt's
 * rule, from zero weights: for each example in turn, if `y(w·x + b) ≤ 0` (wrong, or on the
 * boundary), `w += η·y·x` and `b += η·y`. It stops after the first epoch without a mistake
 * (`converged`) or after `epochs` epochs. On linearly separable data it converges after at most
 * `(R/γ)²` mistakes (Novikoff; see {@linkcode novikoffBound}); on data no hyperplane separates,
 * XOR say, every epoch makes a mistake and it never converges.
 *
 * @example
 * ```ts
 * import { trainPerceptron } from "./perceptron.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([[2, 1], [-1, -2], [1, 3], [-2, 0]]);
 * const p = trainPerceptron(x, tensor([1, -1, 1, -1]));
 * if (!p.converged || p.predict(x).data.join() !== "1,-1,1,-1") throw new Error("unexpected");
 * ```
 */
export function trainPerceptron(x: Tensor, y: Tensor, options: PerceptronOptions = {}): Perceptron {
  const op = "trainPerceptron";
  const o = checkOptions(op, options, ["epochs", "learningRate", "bias", "shuffle", "backend"]);
  const { epochs = 100, learningRate = 1, bias = true, shuffle, backend = defaultBackend() } = o;
  checkInteger(op, "epochs", epochs, { min: 1, max: 1e7 });
  checkNumber(op, "learningRate", learningRate, { min: 0, minExclusive: true });
  checkBoolean(op, "bias", bias);
  if (shuffle !== undefined) checkKey(op, shuffle, "shuffle");
  checkBackend(op, backend);
  const t = untraced(backend);
  const [n, d] = checkPerceptronData(op, t, x, y);
  let w = zeros([d], x.dtype);
  let b = scalar(0, x.dtype);
  const mistakes: number[] = [];
  let epochKey = shuffle;
  for (let e = 0; e < epochs; e++) {
    let order: Uint32Array | undefined;
    if (epochKey !== undefined) {
      const [now, next] = split(epochKey);
      order = permutation(now, n);
      epochKey = next;
    }
    const r = perceptronEpoch(backend, x, y, w, b, { learningRate, bias, order });
    w = r.w;
    b = r.b;
    mistakes.push(r.mistakes);
    if (r.mistakes === 0) break;
  }
  const finalW = w, finalB = b;
  return Object.freeze({
    w: finalW,
    b: finalB,
    mistakes: Object.freeze(mistakes),
    converged: mistakes[mistakes.length - 1] === 0,
    predict: (batch: Tensor) => stepUnit(t, batch, finalW, finalB),
  });
}

/** `step(x·w + b)` as ±1 through primitives: `[s > 0] = [max(s, 0) = s] − [s = 0]`. */
function stepUnit(t: Ops, x: Tensor, w: Tensor, b: Tensor): Tensor {
  const op = "Perceptron.predict";
  const d = w.shape[0];
  if (!isTensor(x) || x.shape.length !== 2 || x.shape[1] !== d || x.dtype !== w.dtype) {
    throw new TypeError(
      `${op}: x must be a ${w.dtype} tensor [n, ${d}], got ${
        isTensor(x) ? `a ${x.dtype} tensor of shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
  const s = t.reshape(t.linear(x, t.reshape(w, [d, 1]), t.reshape(b, [1])), [x.shape[0]]);
  const zero = scalar(0, x.dtype);
  const positive = t.sub(t.equal(t.maximum(s, zero), s), t.equal(s, zero));
  return t.addScalar(t.mulScalar(positive, 2), -1);
}
