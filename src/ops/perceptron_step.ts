/**
 * One epoch of Rosenblatt's perceptron rule, fused: the loop over the examples that
 * `trainPerceptron` runs once per epoch.
 *
 * The rule is sequential (each example sees the weights the previous mistake left) and never
 * differentiated, so like the optimiser steps of `optim_steps.ts` this is a plain function of a
 * backend and tensors, not a primitive with a pullback. It equals, bit for bit in both dtypes
 * (tested), the composition of primitives run one example at a time:
 * `s = t.add(t.sum(t.mul(xᵢ, w)), b)`; if `yᵢ·s ≤ 0`, `w = t.add(w, t.mulScalar(xᵢ, η·yᵢ))`
 * and `b = t.addScalar(b, η·yᵢ)`. That composition spent 28–68 µs per example on its small
 * tensors, this loop 0.2–0.6 µs (checks included): 200 float32 examples of 2 features, one
 * pinned core shared with other jobs, Deno 2.9.6 and Bun 1.4.5, 2026-12-02.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type FloatArray, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import {
  checkBackend,
  checkBoolean,
  checkNumber,
  checkOptions,
  describeValue,
} from "../_checks.ts";
import { assertTensor } from "./_checks.ts";

/** Options of {@linkcode perceptronEpoch}. */
export interface PerceptronEpochOptions {
  /** The step `η` of the rule, positive. */
  learningRate: number;
  /** Whether the bias `b` learns (`b += η·y` on a mistake); when false it is left as given. */
  bias: boolean;
  /** The order to visit the examples in, `n` row indices; default `0, 1, …, n − 1`. */
  order?: ArrayLike<number>;
}

/** The result of {@linkcode perceptronEpoch}. */
export interface PerceptronEpoch {
  /** The weights after the epoch, `[features]`. */
  readonly w: Tensor;
  /** The bias after the epoch, a scalar tensor. */
  readonly b: Tensor;
  /** The mistakes (updates) made in the epoch. */
  readonly mistakes: number;
}

/**
 * One pass of the perceptron rule over `x: [n, features]` with labels `y: [n]` of ±1, from
 * weights `w: [features]` and bias `b` (a scalar tensor), all of one dtype: each example with
 * `y(w·x + b) ≤ 0` moves `w` by `η·y·x` and (with `bias`) `b` by `η·y`. Returns fresh tensors
 * and the number of mistakes; the inputs are untouched.
 *
 * @example
 * ```ts
 * import { perceptronEpoch } from "./perceptron_step.ts";
 * import { backend } from "../kernels/select.ts";
 * import { scalar, tensor, zeros } from "../tensor.ts";
 * const x = tensor([[2, 1], [-1, -2]], [2, 2], "float64");
 * const y = tensor([1, -1], [2], "float64");
 * const r = perceptronEpoch(backend("ts"), x, y, zeros([2], "float64"), scalar(0, "float64"), {
 *   learningRate: 0.5,
 *   bias: true,
 * });
 * // Only the first example is a mistake (margin 0): w = 0.5·(2, 1), b = 0.5.
 * if (r.mistakes !== 1 || r.w.data.join() !== "1,0.5" || r.b.data[0] !== 0.5) throw new Error("unexpected");
 * ```
 */
export function perceptronEpoch(
  backend: Backend,
  x: Tensor,
  y: Tensor,
  w: Tensor,
  b: Tensor,
  options: PerceptronEpochOptions,
): PerceptronEpoch {
  const op = "perceptronEpoch";
  checkBackend(`Cannot ${op}`, backend);
  const [n, d] = checkOperands(x, y, w, b);
  if (options === undefined) {
    throw new TypeError(`Cannot ${op}: options { learningRate, bias, order? } are required`);
  }
  const { learningRate, bias, order } = checkOptions(op, options, [
    "learningRate",
    "bias",
    "order",
  ]);
  checkNumber(`Cannot ${op}`, "learningRate", learningRate, { min: 0, minExclusive: true });
  checkBoolean(`Cannot ${op}`, "bias", bias);
  const visit = checkOrder(order, n);
  const wOut = allocate(x.dtype, d), bOut = allocate(x.dtype, 1);
  wOut.set(w.data);
  bOut[0] = b.data[0];
  const mistakes = x.data instanceof Float32Array
    ? epoch32(
      x.data,
      y.data,
      wOut as Float32Array,
      bOut as Float32Array,
      visit,
      d,
      learningRate,
      bias,
    )
    : epoch64(x.data, y.data, wOut, bOut, visit, d, learningRate, bias);
  return Object.freeze({
    w: fromTypedArray(wOut, [d]),
    b: fromTypedArray(bOut, b.shape),
    mistakes,
  });
}

function checkOperands(x: Tensor, y: Tensor, w: Tensor, b: Tensor): [number, number] {
  const op = "perceptronEpoch";
  assertTensor(op, x, "x");
  assertTensor(op, y, "the labels y");
  assertTensor(op, w, "the weights w");
  assertTensor(op, b, "the bias b");
  const ok = x.shape.length === 2 && y.shape.length === 1 && y.shape[0] === x.shape[0] &&
    w.shape.length === 1 && w.shape[0] === x.shape[1] && b.data.length === 1 &&
    b.shape.length <= 1;
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: expected x [n, d], y [n], w [d] and a scalar b, got shapes ${
        [x, y, w, b].map((v) => formatShape(v.shape)).join(", ")
      }`,
    );
  }
  if (y.dtype !== x.dtype || w.dtype !== x.dtype || b.dtype !== x.dtype) {
    throw new TypeError(
      `Cannot ${op}: x, y, w and b must share a dtype, got ${x.dtype}, ${y.dtype}, ${w.dtype} ` +
        `and ${b.dtype}`,
    );
  }
  for (let i = 0; i < y.data.length; i++) {
    if (y.data[i] !== 1 && y.data[i] !== -1) {
      throw new RangeError(`Cannot ${op}: label y[${i}] is ${y.data[i]}; labels are -1 or +1`);
    }
  }
  // A NaN would compare false against 0 and pass for a correct example, silently.
  for (const v of [x, w, b]) {
    if (!allFinite(v.data)) {
      throw new RangeError(`Cannot ${op}: x, w and b must be finite, got a NaN or an infinity`);
    }
  }
  return [x.shape[0], x.shape[1]];
}

function allFinite(data: FloatArray): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

function checkOrder(order: unknown, n: number): Int32Array {
  const op = "perceptronEpoch";
  if (order === undefined) return Int32Array.from({ length: n }, (_, i) => i);
  const list = order as ArrayLike<unknown>;
  if (
    typeof order !== "object" || order === null || typeof list.length !== "number" ||
    list.length !== n
  ) {
    throw new TypeError(
      `Cannot ${op}: order must be ${n} row indices (an array), got ${describeValue(order)}`,
    );
  }
  const visit = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = list[k];
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(
        `Cannot ${op}: order[${k}] is ${describeValue(i)}, not a row index in [0, ${n})`,
      );
    }
    visit[k] = i;
  }
  return visit;
}

// One loop per element type: a loop that has seen both stays polymorphic in V8 and ran 3x
// slower. The float32 loop rounds where the composed primitives round (each product, the sum,
// the sum plus b, each update and each new weight), so the two agree bit for bit.

function epoch32(
  x: Float32Array,
  y: FloatArray,
  w: Float32Array,
  b: Float32Array,
  visit: Int32Array,
  d: number,
  eta: number,
  bias: boolean,
): number {
  let mistakes = 0;
  for (let k = 0; k < visit.length; k++) {
    const i = visit[k], row = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.fround(x[row + j] * w[j]);
    const score = Math.fround(Math.fround(s) + b[0]);
    if (y[i] * score <= 0) {
      const step = eta * y[i];
      for (let j = 0; j < d; j++) w[j] = w[j] + Math.fround(step * x[row + j]);
      if (bias) b[0] = b[0] + step;
      mistakes++;
    }
  }
  return mistakes;
}

function epoch64(
  x: FloatArray,
  y: FloatArray,
  w: FloatArray,
  b: FloatArray,
  visit: Int32Array,
  d: number,
  eta: number,
  bias: boolean,
): number {
  let mistakes = 0;
  for (let k = 0; k < visit.length; k++) {
    const i = visit[k], row = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[row + j] * w[j];
    const score = s + b[0];
    if (y[i] * score <= 0) {
      const step = eta * y[i];
      for (let j = 0; j < d; j++) w[j] = w[j] + step * x[row + j];
      if (bias) b[0] = b[0] + step;
      mistakes++;
    }
  }
  return mistakes;
}
