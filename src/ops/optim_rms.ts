/**
 * The RMSprop and plain gradient-descent steps over one leaf, fused: the new running mean of
 * squared gradients and the new parameter in one pass (`rmspropApply`), the new parameter in one
 * pass (`sgdApply`). Not differentiable (optimiser steps), like `adamApply` and `momentumApply`.
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
import { assertTensor, checkFinite } from "./_checks.ts";

/** The result of {@linkcode rmspropApply}: the new parameter and running mean. */
export interface RmspropApplied {
  /** `p + scale · g / (√ν + ε)`. */
  readonly param: Tensor;
  /** The new running mean of squared gradients `decay·ν + (1 − decay)·g²`. */
  readonly nu: Tensor;
}

/**
 * One RMSprop step applied to a parameter `p` with gradient `g` and running mean of squared
 * gradients `nu` (same shape and dtype): `nu' = decay·nu + (1 − decay)·g²` and
 * `param = p + scale·(g / (√nu' + eps))` (`scale` is the negated learning rate). Bit for bit
 * what the chain `scaleByRms` then `scaleByLearningRate` then `applyUpdates` computes,
 * primitive by primitive (`square`, `mulScalar`, `add`, `sqrt`, `addScalar`, `div`), in float32
 * as in float64: each of its intermediate results is rounded to the dtype here too. One pass
 * and two fresh arrays instead of nine passes and nine arrays. The inputs are untouched.
 *
 * @example
 * ```ts
 * import { rmspropApply } from "./optim_rms.ts";
 * import { tensor } from "../tensor.ts";
 * const p = tensor([1], [1], "float64"), g = tensor([2], [1], "float64");
 * const nu = tensor([0], [1], "float64");
 * const out = rmspropApply(p, g, nu, 0.75, 0, -0.1);
 * // nu' = 0.75·0 + 0.25·4 = 1, param = 1 − 0.1·2 / (1 + 0) = 0.8
 * if (out.nu.data[0] !== 1 || out.param.data[0] !== 0.8) throw new Error("unexpected");
 * ```
 */
export function rmspropApply(
  p: Tensor,
  g: Tensor,
  nu: Tensor,
  decay: number,
  eps: number,
  scale: number,
): RmspropApplied {
  const op = "rmspropApply";
  checkLeaves(op, p, g);
  assertTensor(op, nu, "the running mean nu");
  assertSameShape(op, g, nu);
  assertSameDType(op, g, nu);
  checkFinite(op, "decay", decay);
  checkFinite(op, "eps", eps);
  checkFinite(op, "scale", scale);
  const n = g.data.length;
  const param = allocate(g.dtype, n), next = allocate(g.dtype, n);
  // scaleByRms multiplies g² by this very double.
  const keep = 1 - decay;
  if (param instanceof Float32Array) {
    rms32(
      p.data as Float32Array,
      g.data as Float32Array,
      nu.data as Float32Array,
      decay,
      keep,
      eps,
      scale,
      param,
      next as Float32Array,
    );
  } else rms64(p.data, g.data, nu.data, decay, keep, eps, scale, param, next);
  return { param: fromTypedArray(param, g.shape), nu: fromTypedArray(next, g.shape) };
}

/**
 * One gradient-descent step applied to a parameter `p` with gradient `g` (same shape and
 * dtype): `p + scale·g` (`scale` is the negated learning rate). Bit for bit what the chain
 * `scaleByLearningRate` then `applyUpdates` computes (`mulScalar`, then `add`), the product
 * rounded to the dtype as the chain stores it. One pass and one fresh array instead of two and
 * two. The inputs are untouched.
 *
 * @example
 * ```ts
 * import { sgdApply } from "./optim_rms.ts";
 * import { tensor } from "../tensor.ts";
 * const p = tensor([1, 2], [2], "float64"), g = tensor([2, -4], [2], "float64");
 * const param = sgdApply(p, g, -0.25); // 1 − 0.5, 2 + 1
 * if (param.data.join() !== "0.5,3") throw new Error("unexpected");
 * ```
 */
export function sgdApply(p: Tensor, g: Tensor, scale: number): Tensor {
  const op = "sgdApply";
  checkLeaves(op, p, g);
  checkFinite(op, "scale", scale);
  const param = allocate(g.dtype, g.data.length);
  if (param instanceof Float32Array) {
    sgd32(p.data as Float32Array, g.data as Float32Array, scale, param);
  } else sgd64(p.data, g.data, scale, param);
  return fromTypedArray(param, g.shape);
}

function checkLeaves(op: string, p: Tensor, g: Tensor): void {
  assertTensor(op, p, "the parameter p");
  assertTensor(op, g, "the gradient g");
  assertSameShape(op, g, p);
  assertSameDType(op, g, p);
}

// One loop per element type, each monomorphic (V8 ran loops that saw both types ~3x slower).
// The float32 loops round where each primitive of the chain stores its result.
function rms32(
  p: Float32Array,
  g: Float32Array,
  nu: Float32Array,
  decay: number,
  keep: number,
  eps: number,
  scale: number,
  param: Float32Array,
  next: Float32Array,
): void {
  const r = Math.fround;
  // Two loops, not one: V8's roundings (Math.fround) made the single loop ~15% slower on the
  // Intel Xeon (1.9 against 1.6 ms for the MLP's 268k weights, pinned, one thread).
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    next[i] = r(r(decay * nu[i]) + r(keep * r(gi * gi)));
  }
  for (let i = 0; i < g.length; i++) {
    param[i] = p[i] + r(scale * r(g[i] / r(r(Math.sqrt(next[i])) + eps)));
  }
}

function rms64(
  p: FloatArray,
  g: FloatArray,
  nu: FloatArray,
  decay: number,
  keep: number,
  eps: number,
  scale: number,
  param: FloatArray,
  next: FloatArray,
): void {
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const v = decay * nu[i] + keep * (gi * gi);
    next[i] = v;
    param[i] = p[i] + scale * (gi / (Math.sqrt(v) + eps));
  }
}

function sgd32(p: Float32Array, g: Float32Array, scale: number, param: Float32Array): void {
  const r = Math.fround;
  for (let i = 0; i < g.length; i++) param[i] = p[i] + r(scale * g[i]);
}

function sgd64(p: FloatArray, g: FloatArray, scale: number, param: FloatArray): void {
  for (let i = 0; i < g.length; i++) param[i] = p[i] + scale * g[i];
}
