/**
 * Fused cross-entropies on logits, each equal to its composition of primitives (tested) in one
 * pass over the logits, with the limits at infinite logits the composition cannot take:
 *
 * - `sparseSoftmaxCrossEntropy(z, labels)`: `−logSoftmax(z)[i, label_i]` per row, the loss of
 *   every classifier (one pass instead of logSoftmax, a gather and their pullbacks);
 * - `softmaxCrossEntropyWithProbs(z, t)`: `−Σ_c t_c·logSoftmax(z)_c` per row, skipping `t_c = 0`
 *   (so `0·log 0` is 0, not the NaN of `mul`);
 * - `sigmoidCrossEntropy(z, t)` (in `sigmoid_cross_entropy.ts`): `softplus(z) − z·t`
 *   elementwise, taking the limit 0 at `z = ±Infinity` where the target agrees
 *   (`softplus(∞) − ∞·1` is NaN).
 *
 * Targets are read as numbers and may be of either dtype; outputs take the logits' dtype.
 * Arithmetic is in double precision. `sigmoidCrossEntropy` on float32 logits and targets runs a
 * monomorphic loop with its own `exp`/`log1p` polynomials (`_sigmoid_ce_f32.ts`; `Math`'s
 * were most of a VAE step's loss), equal bitwise to the double formula's rounding (tested).
 *
 * @module
 */

import { allocate, type FloatArray, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { checkTargetShape } from "./_target_checks.ts";
import { type Primitive, primitive } from "./primitive.ts";

function checkLogits(op: string, z: Tensor): [number, number] {
  assertTensor(op, z, "the logits");
  if (z.shape.length !== 2 || z.shape[0] < 1 || z.shape[1] < 1) {
    throw new TypeError(
      `Cannot ${op}: expected logits of shape [batch, classes] with both >= 1, got ${
        formatShape(z.shape)
      }`,
    );
  }
  return [z.shape[0], z.shape[1]];
}

/**
 * Writes `softmax(z_row)` into `p[offset ..]` and returns the row's log-sum-exp
 * `m + log Σ exp(z − m)`, `m` the row maximum, so no exponent exceeds 0. With a +Infinity
 * logit the mass goes to the infinite ones (Infinity − Infinity would be NaN).
 */
function softmaxRow(z: Tensor["data"], p: Float64Array, offset: number, c: number): number {
  let m = -Infinity;
  for (let j = 0; j < c; j++) if (z[offset + j] > m) m = z[offset + j];
  let s = 0;
  for (let j = 0; j < c; j++) {
    const v = z[offset + j];
    const e = Math.exp(m === Infinity ? (v === Infinity ? 0 : -Infinity) : v - m);
    p[offset + j] = e;
    s += e;
  }
  const inv = 1 / s;
  for (let j = 0; j < c; j++) p[offset + j] *= inv;
  return m + Math.log(s);
}

/**
 * `logsumexp(z) − z_j` (that is `−logSoftmax(z)_j`) for a row whose log-sum-exp is `lse` and
 * softmax at `j` is `p`: where both are +Infinity the limit is `−log p`, not NaN.
 */
function crossTerm(lse: number, zj: number, p: number): number {
  return lse === Infinity && zj === Infinity ? -Math.log(p) : lse - zj;
}

/**
 * Per-row softmax cross-entropy against integer class labels: logits `[B, C]`, labels `[B]`
 * holding class indices `0 .. C−1` (as floats, either dtype); the output `[B]` is
 * `logsumexp(z_i) − z_i,label`. Labels are not differentiated. Pullback:
 * `dz_i = dy_i·(softmax(z_i) − onehot(label_i))`. A label that is not an integer in `[0, C)`
 * is a `RangeError` naming its batch row.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().sparseSoftmaxCrossEntropy(tensor([[0, 0], [1000, -1000]], [2, 2], "float64"), tensor([1, 1]));
 * if (y.data[0] !== Math.LN2 || y.data[1] !== 2000) throw new Error("unexpected");
 * ```
 */
export const sparseSoftmaxCrossEntropy: Primitive<[logits: Tensor, labels: Tensor]> = primitive(
  "sparseSoftmaxCrossEntropy",
  1,
  (_backend, logits: Tensor, labels: Tensor) => {
    const op = "sparseSoftmaxCrossEntropy";
    const [b, c] = checkLogits(op, logits);
    assertTensor(op, labels, "the labels");
    if (labels.shape.length !== 1 || labels.shape[0] !== b) {
      throw new TypeError(
        `Cannot ${op}: labels must have shape [${b}] (one class index per row of logits ${
          formatShape(logits.shape)
        }), got ${formatShape(labels.shape)}`,
      );
    }
    const z = logits.data, l = labels.data;
    const p = new Float64Array(b * c);
    const out = allocate(logits.dtype, b);
    for (let i = 0; i < b; i++) {
      const label = l[i];
      if (!(Number.isInteger(label) && label >= 0 && label < c)) {
        throw new RangeError(
          `Cannot ${op}: label at batch row ${i} is ${label}; labels must be integer class ` +
            `indices in [0, ${c})`,
        );
      }
      const offset = i * c;
      const lse = softmaxRow(z, p, offset, c);
      out[i] = crossTerm(lse, z[offset + label], p[offset + label]);
    }
    const y = fromTypedArray(out, [b]);
    return [y, (dy) => {
      const g = cotangent(op, dy, y.shape);
      const dz = allocate(logits.dtype, b * c);
      sparseBack(g, p, l, dz, b, c);
      return [fromTypedArray(dz, logits.shape)];
    }];
  },
);

// Top-level, not inside the pullback closure (made afresh per call), so it runs optimised;
// likewise the other `…Back` functions below.
function sparseBack(
  g: FloatArray,
  p: Float64Array,
  l: FloatArray,
  dz: FloatArray,
  b: number,
  c: number,
): void {
  for (let i = 0; i < b; i++) {
    const offset = i * c, gi = g[i];
    for (let j = 0; j < c; j++) dz[offset + j] = gi * p[offset + j];
    dz[offset + l[i]] -= gi;
  }
}

/**
 * Per-row softmax cross-entropy against probability (or one-hot) targets, both `[B, C]`: the
 * output `[B]` is `Σ_c t_c·(logsumexp(z_i) − z_i,c)`, terms with `t_c = 0` skipped. Pullback:
 * `dz_i = dy_i·(softmax(z_i)·Σ_c t_c − t_i)`, `dt_i,c = dy_i·(logsumexp(z_i) − z_i,c)`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().softmaxCrossEntropyWithProbs(tensor([[Infinity, 0]], [1, 2], "float64"), tensor([[1, 0]]));
 * if (y.data[0] !== 0) throw new Error("all mass on the target: no loss");
 * ```
 */
export const softmaxCrossEntropyWithProbs: Primitive<[logits: Tensor, targets: Tensor]> = primitive(
  "softmaxCrossEntropyWithProbs",
  2,
  (_backend, logits: Tensor, targets: Tensor) => {
    const op = "softmaxCrossEntropyWithProbs";
    const [b, c] = checkLogits(op, logits);
    checkTargetShape(op, logits, targets);
    const z = logits.data, t = targets.data;
    const p = new Float64Array(b * c);
    const lses = new Float64Array(b);
    const masses = new Float64Array(b);
    const out = allocate(logits.dtype, b);
    for (let i = 0; i < b; i++) {
      const offset = i * c;
      const lse = softmaxRow(z, p, offset, c);
      lses[i] = lse;
      let sum = 0, mass = 0;
      for (let j = 0; j < c; j++) {
        const tj = t[offset + j];
        mass += tj;
        if (tj !== 0) sum += tj * crossTerm(lse, z[offset + j], p[offset + j]);
      }
      masses[i] = mass;
      out[i] = sum;
    }
    const y = fromTypedArray(out, [b]);
    return [y, (dy, needs) => {
      const g = cotangent(op, dy, y.shape);
      let dz: Tensor | undefined, dt: Tensor | undefined;
      if (needs[0]) {
        const d = allocate(logits.dtype, b * c);
        probsLogitsBack(g, p, masses, t, d, b, c);
        dz = fromTypedArray(d, logits.shape);
      }
      if (needs[1]) {
        const d = allocate(targets.dtype, b * c);
        probsTargetsBack(g, lses, z, p, d, b, c);
        dt = fromTypedArray(d, targets.shape);
      }
      return [dz, dt];
    }];
  },
);

function probsLogitsBack(
  g: FloatArray,
  p: Float64Array,
  masses: Float64Array,
  t: FloatArray,
  d: FloatArray,
  b: number,
  c: number,
): void {
  for (let i = 0; i < b; i++) {
    const offset = i * c, gi = g[i], mass = masses[i];
    for (let j = 0; j < c; j++) d[offset + j] = gi * (p[offset + j] * mass - t[offset + j]);
  }
}

function probsTargetsBack(
  g: FloatArray,
  lses: Float64Array,
  z: FloatArray,
  p: Float64Array,
  d: FloatArray,
  b: number,
  c: number,
): void {
  for (let i = 0; i < b; i++) {
    const offset = i * c, gi = g[i];
    for (let j = 0; j < c; j++) {
      d[offset + j] = gi * crossTerm(lses[i], z[offset + j], p[offset + j]);
    }
  }
}
