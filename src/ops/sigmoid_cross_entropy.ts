/**
 * The fused elementwise binary cross-entropy on logits, `softplus(z) − z·t`, equal to its
 * composition of primitives (tested) in one pass, with the limits at infinite logits the
 * composition cannot take. Targets are read as numbers and may be of either dtype; outputs take
 * the logits' dtype. Arithmetic is in double precision; on float32 logits and targets a
 * monomorphic loop with its own `exp`/`log1p` polynomials (`_sigmoid_ce_f32.ts`; `Math`'s were
 * most of a VAE step's loss), equal bitwise to the double formula's rounding (tested).
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { sigmoidForwardF32, sigmoidLogitsBackF32 } from "./_sigmoid_ce_f32.ts";
import { checkTargetShape } from "./_target_checks.ts";
import { type Primitive, primitive } from "./primitive.ts";

/**
 * Elementwise binary cross-entropy on logits `z` and targets `t` of the same shape:
 * `−t·log σ(z) − (1 − t)·log(1 − σ(z)) = softplus(z) − z·t`, computed as
 * `max(z, 0) − z·t + log(1 + exp(−|z|))` (finite for every finite `z`, and 0 at `z = ±∞`
 * where the target agrees). Pullback: `dz = dy·(σ(z) − t)`, `dt = −dy·z`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().sigmoidCrossEntropy(tensor([0, 1000], [2], "float64"), tensor([1, 0]));
 * if (y.data[0] !== Math.LN2 || y.data[1] !== 1000) throw new Error("unexpected");
 * ```
 */
export const sigmoidCrossEntropy: Primitive<[logits: Tensor, targets: Tensor]> = primitive(
  "sigmoidCrossEntropy",
  2,
  (_backend, logits: Tensor, targets: Tensor) => {
    const op = "sigmoidCrossEntropy";
    assertTensor(op, logits, "the logits");
    checkTargetShape(op, logits, targets);
    const z = logits.data, t = targets.data, n = z.length;
    const out = allocate(logits.dtype, n);
    // σ(z), kept for the pullback: the forward pass has already paid for exp(−|z|).
    const s = new Float64Array(n);
    if (z instanceof Float32Array && t instanceof Float32Array && out instanceof Float32Array) {
      sigmoidForwardF32(z, t, out, s); // monomorphic, with its own exp and log1p
    } else sigmoidForward(z, t, out, s);
    const y = fromTypedArray(out, logits.shape);
    return [y, (dy, needs) => {
      const g = cotangent(op, dy, y.shape);
      let dz: Tensor | undefined, dt: Tensor | undefined;
      if (needs[0]) {
        const d = allocate(logits.dtype, n);
        if (g instanceof Float32Array && t instanceof Float32Array && d instanceof Float32Array) {
          sigmoidLogitsBackF32(g, s, t, d);
        } else sigmoidLogitsBack(g, s, t, d);
        dz = fromTypedArray(d, logits.shape);
      }
      if (needs[1]) {
        const d = allocate(targets.dtype, n);
        sigmoidTargetsBack(g, z, d);
        dt = fromTypedArray(d, targets.shape);
      }
      return [dz, dt];
    }];
  },
);

// A top-level loop (not inside `run`'s closure), like the pullbacks' below.
function sigmoidForward(z: FloatArray, t: FloatArray, out: FloatArray, s: Float64Array): void {
  for (let i = 0; i < z.length; i++) {
    const zi = z[i], ti = t[i];
    // e = exp(−|z|) ∈ (0, 1]; σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0.
    const e = Math.exp(-Math.abs(zi));
    s[i] = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    // At z = ±Infinity the linear part is Infinity·0 where the target agrees; its limit is 0.
    const lin = zi === Infinity
      ? (ti === 1 ? 0 : Infinity)
      : zi === -Infinity
      ? (ti === 0 ? 0 : Infinity)
      : (zi > 0 ? zi : 0) - zi * ti;
    out[i] = lin + Math.log1p(e);
  }
}

function sigmoidLogitsBack(g: FloatArray, s: Float64Array, t: FloatArray, d: FloatArray): void {
  for (let i = 0; i < d.length; i++) d[i] = g[i] * (s[i] - t[i]);
}

function sigmoidTargetsBack(g: FloatArray, z: FloatArray, d: FloatArray): void {
  for (let i = 0; i < d.length; i++) d[i] = -g[i] * z[i];
}
