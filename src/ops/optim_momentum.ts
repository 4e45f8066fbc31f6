/**
 * The heavy-ball and Nesterov momentum step over one leaf, fused: the new velocity and the new
 * parameter in one pass. Not differentiable (an optimiser step), like `adamApply`.
 *
 * @module
 */

import {
  allocate,
  assertSameDType,
  assertSameShape,
  type FloatArray,
  fromTypedArray,
  type Tensor,
} from "../tensor.ts";
import { checkBoolean } from "../_checks.ts";
import { assertTensor, checkFinite } from "./_checks.ts";

/** The result of {@linkcode momentumApply}: the new parameter and velocity. */
export interface MomentumApplied {
  /** `p + scale · direction`. */
  readonly param: Tensor;
  /** The new velocity `decay·v + g`. */
  readonly trace: Tensor;
}

/**
 * One momentum step applied to a parameter `p` with gradient `g` and velocity `v` (same shape
 * and dtype): `trace = decay·v + g`, the direction `trace` (heavy ball) or `g + decay·trace`
 * (`nesterov`), and `param = p + scale·direction` (`scale` is the negated learning rate). Bit
 * for bit what the chain `traceMomentum` then `scaleByLearningRate` then `applyUpdates`
 * computes, primitive by primitive (`mulScalar`, `add`), in float32 as in float64: each of its
 * intermediate results is rounded to the dtype here too. One pass and two fresh arrays instead
 * of four passes and four arrays. The inputs are untouched.
 *
 * @example
 * ```ts
 * import { momentumApply } from "./optim_momentum.ts";
 * import { tensor } from "../tensor.ts";
 * const p = tensor([1], [1], "float64"), g = tensor([2], [1], "float64");
 * const v = tensor([1], [1], "float64");
 * const { param, trace } = momentumApply(p, g, v, 0.5, false, -0.1);
 * // trace = 0.5·1 + 2 = 2.5, param = 1 − 0.1·2.5 = 0.75
 * if (trace.data[0] !== 2.5 || param.data[0] !== 0.75) throw new Error("unexpected");
 * ```
 */
export function momentumApply(
  p: Tensor,
  g: Tensor,
  v: Tensor,
  decay: number,
  nesterov: boolean,
  scale: number,
): MomentumApplied {
  const op = "momentumApply";
  assertTensor(op, p, "the parameter p");
  assertTensor(op, g, "the gradient g");
  assertTensor(op, v, "the velocity v");
  assertSameShape(op, g, p);
  assertSameShape(op, g, v);
  assertSameDType(op, g, p);
  assertSameDType(op, g, v);
  checkFinite(op, "decay", decay);
  checkFinite(op, "scale", scale);
  checkBoolean(op, "nesterov", nesterov);
  const n = g.data.length;
  const param = allocate(g.dtype, n), trace = allocate(g.dtype, n);
  if (param instanceof Float32Array) {
    momentum32(
      p.data as Float32Array,
      g.data as Float32Array,
      v.data as Float32Array,
      decay,
      nesterov,
      scale,
      param,
      trace as Float32Array,
    );
  } else momentum64(p.data, g.data, v.data, decay, nesterov, scale, param, trace);
  return { param: fromTypedArray(param, g.shape), trace: fromTypedArray(trace, g.shape) };
}

// One loop per element type, each monomorphic (V8 ran loops that saw both types ~3x slower).
// The float32 loop rounds where each primitive of the chain stores its result.
function momentum32(
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  decay: number,
  nesterov: boolean,
  scale: number,
  param: Float32Array,
  trace: Float32Array,
): void {
  const r = Math.fround;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const t = r(r(decay * v[i]) + gi);
    const d = nesterov ? r(gi + r(decay * t)) : t;
    trace[i] = t;
    param[i] = p[i] + r(scale * d);
  }
}

function momentum64(
  p: FloatArray,
  g: FloatArray,
  v: FloatArray,
  decay: number,
  nesterov: boolean,
  scale: number,
  param: FloatArray,
  trace: FloatArray,
): void {
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const t = decay * v[i] + gi;
    const d = nesterov ? gi + decay * t : t;
    trace[i] = t;
    param[i] = p[i] + scale * d;
  }
}
