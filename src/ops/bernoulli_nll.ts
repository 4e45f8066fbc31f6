/**
 * `bernoulliNllRows`: the binary cross-entropy on logits summed over each example, fused, the
 * primitive under the `bernoulliNll` loss (a VAE's likelihood term). It equals
 * `sum(sigmoidCrossEntropy(z, t), axes after the first)` (tested, value and gradient) and makes
 * one pass over the logits where that composition made four (the elementwise loss, its sum,
 * the sum's broadcast cotangent and the logits' pullback), three full-size arrays fewer.
 *
 * The forward pass keeps `σ(z) − t` for the pullback, in the logits' dtype: the first pullback
 * scales that array in place by each row's cotangent and hands it out as `dz`, so the pullback
 * allocates nothing (the array is this primitive's own and was never shown to anyone; once
 * handed out it is never written again, and a second pullback recomputes it). In float64 the
 * results are the composition's operation for operation, except that the row sums add in a
 * different order; in float32 the loss is summed in double before its one rounding (the
 * composition rounded every element first) and `dz` is rounded twice (`σ − t`, then `g·(σ − t)`),
 * within an ulp of the composition's. A backend's `bernoulliNll` kernel (wasm SIMD, which blas
 * borrows) computes float32 in float32 arithmetic, each element within a few ulps
 * (`kernels/wasm/bernoulli_wat.ts`): a third of the JavaScript loop's time, whose double
 * polynomials cost about 10 ns an element.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import {
  allocate,
  type FloatArray,
  formatShape,
  fromTypedArray,
  shapesEqual,
  type Tensor,
} from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { expNeg, log1pUnit } from "./_sigmoid_ce_f32.ts";
import { type Primitive, primitive } from "./primitive.ts";

const OP = "bernoulliNllRows";

/** Checks `z` of rank >= 1 and `t` of its shape; returns `[rows, columns]`. */
function checkArgs(z: Tensor, t: Tensor): [number, number] {
  assertTensor(OP, z, "the logits");
  assertTensor(OP, t, "the targets");
  if (z.shape.length < 1) {
    throw new TypeError(
      `Cannot ${OP}: expected logits [batch, ...example] of rank >= 1, got shape ${
        formatShape(z.shape)
      }`,
    );
  }
  if (!shapesEqual(z.shape, t.shape)) {
    throw new TypeError(
      `Cannot ${OP}: logits shape ${formatShape(z.shape)} differs from target shape ${
        formatShape(t.shape)
      }`,
    );
  }
  const rows = z.shape[0];
  return [rows, rows === 0 ? 0 : z.data.length / rows];
}

/** The RangeError for the first target outside [0, 1] (NaN included), if there is one. */
function checkTargets(t: FloatArray): void {
  const i = t instanceof Float32Array ? firstOutsideF32(t) : firstOutside(t);
  if (i >= 0) {
    throw new RangeError(
      `Cannot ${OP}: target at flat index ${i} is ${t[i]}, expected a value in [0, 1]`,
    );
  }
}

function firstOutsideF32(y: Float32Array): number {
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] <= 1)) return i;
  return -1;
}

function firstOutside(y: FloatArray): number {
  for (let i = 0; i < y.length; i++) if (!(y[i] >= 0 && y[i] <= 1)) return i;
  return -1;
}

/**
 * Per-example Bernoulli negative log-likelihood from logits: for logits `z` and targets `t` in
 * `[0, 1]` of one shape `[B, ...]`, the output `[B]` holds
 * `Σ_j softplus(z_ij) − z_ij·t_ij` over each example's elements (that is
 * `−Σ_j t log σ(z) + (1 − t) log(1 − σ(z))`, finite for finite `z`, and 0 at `z = ±Infinity`
 * where the target agrees). Pullback: `dz_ij = dy_i·(σ(z_ij) − t_ij)`, `dt_ij = −dy_i·z_ij`.
 * A target outside `[0, 1]` is a `RangeError` naming its flat index.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * // Two pixels at logit 0 cost log 2 each, whatever their targets.
 * const y = untraced().bernoulliNllRows(tensor([[0, 0]], [1, 2], "float64"), tensor([[0, 1]]));
 * if (Math.abs(y.data[0] - 2 * Math.LN2) > 1e-15) throw new Error("unexpected");
 * ```
 */
export const bernoulliNllRows: Primitive<[logits: Tensor, targets: Tensor]> = primitive(
  OP,
  2,
  (backend: Backend, logits: Tensor, targets: Tensor) => {
    const [rows, cols] = checkArgs(logits, targets);
    const z = logits.data, t = targets.data;
    const sums = new Float64Array(rows);
    let d: FloatArray | undefined = forward(backend, z, t, rows, cols, sums);
    const out = allocate(logits.dtype, rows);
    out.set(sums);
    const y = fromTypedArray(out, [rows]);
    return [y, (dy, needs) => {
      const g = cotangent(OP, dy, y.shape);
      let dz: Tensor | undefined, dt: Tensor | undefined;
      if (needs[0]) {
        // The kept σ − t, scaled in place the first time; afterwards it belongs to dz.
        const own = d ?? forward(backend, z, t, rows, cols, new Float64Array(rows));
        d = undefined;
        scaleRows(own, g, rows, cols);
        dz = fromTypedArray(own, logits.shape);
      }
      if (needs[1]) {
        const out = allocate(targets.dtype, t.length);
        targetsBack(g, z, out, rows, cols);
        dt = fromTypedArray(out, targets.shape);
      }
      return [dz, dt];
    }];
  },
);

/**
 * The row sums into `sums` and `σ(z) − t` into a fresh array of `z`'s type: the backend's
 * kernel for float32 where it has one, else the loops below (which check the targets).
 */
function forward(
  backend: Backend,
  z: FloatArray,
  t: FloatArray,
  rows: number,
  cols: number,
  sums: Float64Array,
): FloatArray {
  if (z instanceof Float32Array && t instanceof Float32Array) {
    const d = new Float32Array(z.length);
    // The kernel answers false where it could not run or met a target outside [0, 1]; the
    // loop then computes everything again and names that target.
    if (backend.bernoulliNll?.(z, t, rows, cols, sums, d) !== true) {
      checkTargets(t);
      forwardF32(z, t, rows, cols, sums, d);
    }
    return d;
  }
  checkTargets(t);
  const d = z instanceof Float32Array ? new Float32Array(z.length) : new Float64Array(z.length);
  forwardAny(z, t, rows, cols, sums, d);
  return d;
}

/** Float32 logits and targets: the polynomials of `_sigmoid_ce_f32.ts`, sums in double. */
function forwardF32(
  z: Float32Array,
  t: Float32Array,
  rows: number,
  cols: number,
  sums: Float64Array,
  d: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const end = (r + 1) * cols;
    for (let i = r * cols; i < end; i++) {
      const zi = z[i], ti = t[i];
      const a = Math.abs(zi);
      if (!(a <= 30)) {
        sum += slowElement(zi, ti, d, i);
        continue;
      }
      const e = expNeg(a);
      d[i] = (zi >= 0 ? 1 : e) / (1 + e) - ti;
      sum += (zi > 0 ? zi : 0) - zi * ti + log1pUnit(e);
    }
    sums[r] = sum;
  }
}

/** Either dtype: `Math.exp` and `Math.log1p`, the generic `sigmoidCrossEntropy` formula. */
function forwardAny(
  z: FloatArray,
  t: FloatArray,
  rows: number,
  cols: number,
  sums: Float64Array,
  d: FloatArray,
): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const end = (r + 1) * cols;
    for (let i = r * cols; i < end; i++) sum += slowElement(z[i], t[i], d, i);
    sums[r] = sum;
  }
}

/** One element's loss, with `σ(z) − t` into `d[i]`, for any `z` (±Infinity and NaN too). */
function slowElement(zi: number, ti: number, d: FloatArray, i: number): number {
  // e = exp(−|z|) ∈ (0, 1]; σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0.
  const e = Math.exp(-Math.abs(zi));
  d[i] = (zi >= 0 ? 1 / (1 + e) : e / (1 + e)) - ti;
  // At z = ±Infinity the linear part is Infinity·0 where the target agrees; its limit is 0.
  const lin = zi === Infinity
    ? (ti === 1 ? 0 : Infinity)
    : zi === -Infinity
    ? (ti === 0 ? 0 : Infinity)
    : (zi > 0 ? zi : 0) - zi * ti;
  return lin + Math.log1p(e);
}

/** `d[i, j] *= g[i]`, in place (`d` is this primitive's own array). */
function scaleRows(d: FloatArray, g: FloatArray, rows: number, cols: number): void {
  if (d instanceof Float32Array) scaleRowsF32(d, g, rows, cols);
  else scaleRowsAny(d, g, rows, cols);
}

function scaleRowsF32(d: Float32Array, g: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const gr = g[r], end = (r + 1) * cols;
    for (let i = r * cols; i < end; i++) d[i] = gr * d[i];
  }
}

function scaleRowsAny(d: FloatArray, g: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const gr = g[r], end = (r + 1) * cols;
    for (let i = r * cols; i < end; i++) d[i] = gr * d[i];
  }
}

function targetsBack(g: FloatArray, z: FloatArray, out: FloatArray, rows: number, cols: number) {
  for (let r = 0; r < rows; r++) {
    const gr = g[r], end = (r + 1) * cols;
    for (let i = r * cols; i < end; i++) out[i] = -gr * z[i];
  }
}
