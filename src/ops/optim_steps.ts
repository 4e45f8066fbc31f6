/**
 * Fused optimiser steps: loops over tensor data that an optimiser link calls once per leaf.
 *
 * An optimiser step is never differentiated, so these are plain functions of a backend and
 * tensors rather than primitives with pullbacks (and an `Ops` value has no method for them).
 * Each equals a composition of primitives, which its test checks on every backend:
 * {@linkcode adamMoments} is `mulScalar`, `add`, `square`, `sqrt`, `addScalar` and `div`, run
 * as one loop (a backend's `adam` kernel where it has one, WebAssembly SIMD say, whose square
 * roots and divisions are what the optimiser spends its time on).
 *
 * @module
 */

import { adamApplyTs, adamTs } from "../kernels/adam_ts.ts";
import type { AdamScalars, Backend } from "../kernels/kernels.ts";
import {
  allocate,
  assertSameDType,
  assertSameShape,
  type FloatArray,
  fromTypedArray,
  type Tensor,
} from "../tensor.ts";
import { checkBackend, checkNumber, describeValue, rethrowAs } from "../_checks.ts";
import { assertTensor } from "./_checks.ts";

/** The outputs of {@linkcode adamMoments}: the new moments and the bias-corrected step. */
export interface AdamMoments {
  /** The new first moment, `b1·m + (1 − b1)·g`. */
  readonly mu: Tensor;
  /** The new second moment, `b2·v + (1 − b2)·g²`. */
  readonly nu: Tensor;
  /** Adam's direction, `(mu·c1) / (√(nu·c2) + eps)` (not yet scaled by the learning rate). */
  readonly update: Tensor;
}

/**
 * One Adam step over one leaf: from the gradient `g` and the moments `m`, `v` (same shape and
 * dtype), the new moments and the update
 *
 *     mu = b1·m + (1 − b1)·g           nu = b2·v + (1 − b2)·g²
 *     update = (mu·c1) / (√(nu·c2) + eps)
 *
 * with the bias corrections `c1 = 1/(1 − b1ᵗ)`, `c2 = 1/(1 − b2ᵗ)` at step `t`. It runs
 * `backend.adam` when the backend has it and the TypeScript loop of `adam_ts.ts` otherwise.
 * In float64 it equals, bit for bit, the primitives composed:
 * `t.add(t.mulScalar(m, b1), t.mulScalar(g, 1 − b1))`,
 * `t.add(t.mulScalar(v, b2), t.mulScalar(t.square(g), 1 − b2))` and
 * `t.div(t.mulScalar(mu, c1), t.addScalar(t.sqrt(t.mulScalar(nu, c2)), eps))`. In float32 a
 * backend may compute in float32, within a few units in the last place of that, and a new
 * first moment that would be subnormal (below 2⁻¹²⁶ ≈ 1.2e-38 in magnitude) is stored as zero: the
 * moments of a weight whose gradient stays zero decay into the subnormals, where x86 cores run
 * many times slower. The inputs are untouched; the outputs are fresh tensors. Not
 * differentiable (an optimiser step).
 *
 * @example
 * ```ts
 * import { adamMoments } from "./optim_steps.ts";
 * import { backend } from "../kernels/select.ts";
 * import { tensor, zeros } from "../tensor.ts";
 * const g = tensor([-3, 2], [2], "float64"), zero = zeros([2], "float64");
 * const scalars = { b1: 0.9, b2: 0.999, c1: 1 / (1 - 0.9), c2: 1 / (1 - 0.999), eps: 0 };
 * const { mu, nu, update } = adamMoments(backend("ts"), g, zero, zero, scalars);
 * // At the first step the bias-corrected moments are g and g², so the update is sign(g).
 * if (update.data.join() !== "-1,1") throw new Error(`unexpected ${update.data}`);
 * if (Math.abs(mu.data[0] + 0.3) > 1e-15 || Math.abs(nu.data[1] - 0.004) > 1e-15) {
 *   throw new Error("unexpected moments");
 * }
 * ```
 */
export function adamMoments(
  backend: Backend,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  scalars: AdamScalars,
): AdamMoments {
  const op = "adamMoments";
  checkBackend(`Cannot ${op}`, backend);
  checkMoments(g, m, v, scalars);
  const { b1, b2, c1, c2, eps } = scalars;
  const n = g.data.length;
  const mu = allocate(g.dtype, n);
  const nu = allocate(g.dtype, n);
  const update = allocate(g.dtype, n);
  (backend.adam ?? adamTs)(g.data, m.data, v.data, mu, nu, update, { b1, b2, c1, c2, eps });
  return {
    mu: fromTypedArray(mu, g.shape),
    nu: fromTypedArray(nu, g.shape),
    update: fromTypedArray(update, g.shape),
  };
}

/** adamMoments' checks of the gradient, the moments and the scalars. */
function checkMoments(g: Tensor, m: Tensor, v: Tensor, scalars: AdamScalars): void {
  const op = "adamMoments";
  if (typeof scalars !== "object" || scalars === null) {
    throw new TypeError(
      `${op}: scalars must be { b1, b2, c1, c2, eps }, got ${describeValue(scalars)}`,
    );
  }
  assertTensor(op, g, "the gradient g");
  assertTensor(op, m, "the first moment m");
  assertTensor(op, v, "the second moment v");
  assertSameShape(op, g, m);
  assertSameShape(op, g, v);
  assertSameDType(op, g, m);
  assertSameDType(op, g, v);
  const { b1, b2, c1, c2, eps } = scalars;
  for (const [name, value] of [["b1", b1], ["b2", b2], ["c1", c1], ["c2", c2], ["eps", eps]]) {
    checkNumber(op, `scalars.${name}`, value);
  }
}

/** The result of {@linkcode adamApply}: the new parameter and both moments. */
export interface AdamApplied {
  /** `p + scale · m̂/(√v̂ + ε)`. */
  readonly param: Tensor;
  /** The new first moment. */
  readonly mu: Tensor;
  /** The new second moment. */
  readonly nu: Tensor;
}

/**
 * One Adam step applied to a parameter, fused: {@linkcode adamMoments} and then
 * `param = p + scale · update` written into the update's own fresh array, so a step over a
 * leaf makes three arrays (param, mu, nu) instead of five and reads the leaf twice instead of
 * four times. `scale` is the negated learning rate. In float64 the result equals
 * `add(p, mulScalar(update, scale))` bit for bit (the same operations in the same order); in
 * float32 it is rounded once instead of twice.
 *
 * @example
 * ```ts
 * import { adamApply } from "./optim_steps.ts";
 * import { backend } from "../kernels/select.ts";
 * import { tensor } from "../tensor.ts";
 * const z = tensor([0], [1], "float64");
 * const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 0 };
 * const { param } = adamApply(backend("ts"), tensor([1], [1], "float64"), tensor([2], [1], "float64"), z, z, s, -0.1);
 * // The first step moves by exactly the learning rate: m̂/√v̂ = g/|g| = 1.
 * if (Math.abs(param.data[0] - 0.9) > 1e-15) throw new Error("unexpected");
 * ```
 */
export function adamApply(
  backend: Backend,
  p: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  scalars: AdamScalars,
  scale: number,
): AdamApplied {
  const op = "adamApply";
  checkBackend(`Cannot ${op}`, backend);
  assertTensor(op, p, "the parameter p");
  assertSameShape(op, g, p);
  assertSameDType(op, g, p);
  checkNumber(op, "scale", scale);
  if (backend.adam !== undefined && backend.adamApply === undefined) {
    // A backend with an Adam kernel but no applied form: its kernel, then the add.
    const { mu, nu, update } = rethrowAs(op, () => adamMoments(backend, g, m, v, scalars));
    addScaledInPlace(update.data, p.data, scale);
    return { param: update, mu, nu };
  }
  // Checks as adamMoments makes them, then the one-pass kernel (the reference loop where the
  // backend has none).
  rethrowAs(op, () => checkMoments(g, m, v, scalars));
  const { b1, b2, c1, c2, eps } = scalars;
  // A kernel that makes its outputs by copying them out skips their zero-fill (7.8 MB a VAE step).
  const made = backend.adamApplyFresh?.(
    p.data,
    g.data,
    m.data,
    v.data,
    { b1, b2, c1, c2, eps },
    scale,
  );
  if (made !== undefined) {
    return {
      param: fromTypedArray(made[0], g.shape),
      mu: fromTypedArray(made[1], g.shape),
      nu: fromTypedArray(made[2], g.shape),
    };
  }
  const n = g.data.length;
  const mu = allocate(g.dtype, n), nu = allocate(g.dtype, n), param = allocate(g.dtype, n);
  (backend.adamApply ?? adamApplyTs)(p.data, g.data, m.data, v.data, mu, nu, param, {
    b1,
    b2,
    c1,
    c2,
    eps,
  }, scale);
  return {
    param: fromTypedArray(param, g.shape),
    mu: fromTypedArray(mu, g.shape),
    nu: fromTypedArray(nu, g.shape),
  };
}

/**
 * `u[i] = p[i] + scale·u[i]`, in place on `u` (an array adamApply has just made). One loop per
 * element type: a loop that has seen both stays polymorphic in V8 and ran 3x slower.
 */
function addScaledInPlace(u: FloatArray, p: FloatArray, scale: number): void {
  if (u instanceof Float32Array && p instanceof Float32Array) addScaled32(u, p, scale);
  else addScaled64(u, p, scale);
}

function addScaled32(u: Float32Array, p: Float32Array, scale: number): void {
  const n = u.length;
  for (let i = 0; i < n; i++) u[i] = p[i] + u[i] * scale;
}

function addScaled64(u: FloatArray, p: FloatArray, scale: number): void {
  const n = u.length;
  for (let i = 0; i < n; i++) u[i] = p[i] + u[i] * scale;
}
