/**
 * The matrix products a fused recurrent sequence (`lstmSequence`, `gruSequence`) shares: the
 * input projection of every step in one gemm, and in the pullback the inputs' gradient, the
 * input kernel's and bias's gradient and the recurrent kernel's, each one gemm over all steps.
 * `width` is the gate width, `gates · units`. Private to `src/ops/`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import type { SequenceDims } from "./_cell_checks.ts";
import { timeMajorInputs, toBatchMajor, toTimeMajor } from "./_time_major.ts";

/** The forward input side: what the pullback needs again. */
export interface InputProjection {
  /** The inputs as time-major rows `[time·batch, k]`, a column of ones last when biased. */
  readonly xt: FloatArray;
  /** `features`, or one more with a bias (its row of the kernel). */
  readonly k: number;
  /** `xt·[W; b]`, `[time·batch, width]`: every step's input projection. */
  readonly zx: FloatArray;
}

/**
 * Every step's `x_t·W + b` as one gemm: the bias rides as one more row of W against a column of
 * ones (as conv's does), so that `[X 1]ᵀ·dZ` gives `[dW; db]` in one gemm too. Into `into`
 * (`[time·batch, width]`, every element written) where given, else a fresh array.
 */
export function projectInputs(
  backend: Backend,
  x: Tensor,
  d: SequenceDims,
  w: Tensor,
  b: Tensor | undefined,
  width: number,
  into?: FloatArray,
): InputProjection {
  const { batch, time, features, dtype } = d;
  const k = b === undefined ? features : features + 1;
  const xt = timeMajorInputs(x, d, k);
  let wb = w.data;
  if (b !== undefined) {
    wb = allocate(dtype, k * width);
    wb.set(w.data);
    wb.set(b.data, features * width);
  }
  const zx = into ?? allocate(dtype, time * batch * width);
  backend.gemm(false, false, time * batch, width, k, xt, wb, zx);
  return { xt, k, zx };
}

/** A `[batch, time]` mask as time-major rows, or undefined without one. */
export function timeMajorMask(mask: Tensor | undefined, d: SequenceDims): FloatArray | undefined {
  if (mask === undefined) return undefined;
  const mt = allocate(d.dtype, d.time * d.batch);
  toTimeMajor(mask.data, d.batch, d.time, 1, mt);
  return mt;
}

/**
 * The input side's cotangents from every step's gate cotangents `dZ` (`[time·batch, width]`):
 * `dx = dZ·Wᵀ` back in batch-major order, and `[dW; db] = [X 1]ᵀ·dZ`; each only when asked.
 */
export function inputGrads(
  backend: Backend,
  p: InputProjection,
  dZ: FloatArray,
  x: Tensor,
  w: Tensor,
  d: SequenceDims,
  width: number,
  needs: { readonly x: boolean; readonly w: boolean; readonly b: boolean },
): { dx?: Tensor; dw?: Tensor; db?: Tensor } {
  const { batch, time, features, dtype } = d, rows = time * batch;
  const out: { dx?: Tensor; dw?: Tensor; db?: Tensor } = {};
  if (needs.x) {
    const dxt = allocate(dtype, rows * features), dx = allocate(dtype, rows * features);
    backend.gemm(false, true, rows, features, width, dZ, w.data, dxt);
    toBatchMajor(dxt, batch, time, features, dx);
    out.dx = fromTypedArray(dx, x.shape);
  }
  const biased = p.k > features;
  if (needs.w || (needs.b && biased)) {
    const dwb = allocate(dtype, p.k * width);
    backend.gemm(true, false, p.k, width, rows, p.xt, dZ, dwb);
    if (needs.w) out.dw = fromTypedArray(dwb.slice(0, features * width), w.shape);
    if (needs.b && biased) out.db = fromTypedArray(dwb.slice(features * width), [width]);
  }
  return out;
}

/**
 * `dU = H_prevᵀ·dZh` over all steps' rows (`hs` the states before each step, time-major);
 * without a given initial state step 0's rows are zero and left out.
 */
export function recurrentGrad(
  backend: Backend,
  hs: FloatArray,
  dZh: FloatArray,
  given: boolean,
  d: SequenceDims,
  width: number,
): Tensor {
  const { batch, time, units } = d, first = given ? 0 : 1;
  const out = allocate(d.dtype, units * width);
  const k = (time - first) * batch;
  if (k > 0) {
    const h = hs.subarray(first * batch * units, time * batch * units);
    backend.gemm(true, false, units, width, k, h, dZh.subarray(first * batch * width), out);
  }
  return fromTypedArray(out, [units, width]);
}
