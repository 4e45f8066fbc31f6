/**
 * The fused arithmetic of a VAE's diagonal Gaussian code (the `reparameterize` layer), on the
 * encoder's `[batch, 2k]` output `x` (k means `μ`, then k log-variances `ℓ`), with
 * `s = exp(½ℓ)`:
 *
 * - `gaussianSample(x, ε)`: the code `μ + s·ε` (`ε` `[batch, k]`);
 * - `gaussianKl(x)`: `KL(N(μ, s²) ‖ N(0, 1))` summed over the code and averaged over the batch,
 *   `(1/2B)·Σ (s² + μ² − 1 − ℓ)`.
 *
 * Each equals its composition of `slice`, `exp`, `mulScalar`, `square`, `add`, `sub`, `mul` and
 * `sum` (tested, value and gradients), which made ten primitives and their pullbacks of small
 * arrays a step. Arithmetic is in double, rounded once (float32 composition rounds each step).
 *
 * @module
 */

import { allocate, type FloatArray, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { type Primitive, primitive } from "./primitive.ts";

/** Checks `x` is `[B, 2k]` with `k >= 1`; returns `[B, k]`. */
function checkCode(op: string, x: Tensor): [number, number] {
  assertTensor(op, x, "the means and log-variances");
  const [b, w] = x.shape;
  if (x.shape.length !== 2 || !(w >= 2) || w % 2 !== 0) {
    throw new TypeError(
      `Cannot ${op}: expected [batch, 2k] (k means, then k log-variances, k >= 1), got shape ${
        formatShape(x.shape)
      }`,
    );
  }
  return [b, w / 2];
}

/** `s = exp(½ℓ)` per code element, `[B·k]`, in double. */
function stds(x: FloatArray, b: number, k: number): Float64Array {
  const s = new Float64Array(b * k);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) s[i * k + j] = Math.exp(0.5 * x[i * 2 * k + k + j]);
  }
  return s;
}

/**
 * The reparameterised sample `μ + exp(½ℓ)·ε` of the code `x = [μ, ℓ]` (`[batch, 2k]`) with
 * the noise `ε` (`[batch, k]`, the same dtype). Pullback: `dμ = dz`, `dℓ = dz·ε·½·exp(½ℓ)`,
 * `dε = dz·exp(½ℓ)`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * // μ = 1 and log σ² = 2 log 3: the code is 1 + 3ε.
 * const z = untraced().gaussianSample(tensor([[1, 2 * Math.log(3)]], [1, 2], "float64"), tensor([[2]], [1, 1], "float64"));
 * if (Math.abs(z.data[0] - 7) > 1e-12) throw new Error(`${z.data[0]}`);
 * ```
 */
export const gaussianSample: Primitive<[x: Tensor, eps: Tensor]> = primitive(
  "gaussianSample",
  2,
  (_backend, x: Tensor, eps: Tensor) => {
    const op = "gaussianSample";
    const [b, k] = checkCode(op, x);
    assertTensor(op, eps, "the noise");
    if (eps.shape.length !== 2 || eps.shape[0] !== b || eps.shape[1] !== k) {
      throw new TypeError(
        `Cannot ${op}: the noise must have shape [${b},${k}] (one value per code element of ${
          formatShape(x.shape)
        }), got ${formatShape(eps.shape)}`,
      );
    }
    if (eps.dtype !== x.dtype) {
      throw new TypeError(`Cannot ${op}: the noise is ${eps.dtype} but the code is ${x.dtype}`);
    }
    const s = stds(x.data, b, k);
    const out = allocate(x.dtype, b * k);
    sampleLoop(x.data, eps.data, s, out, b, k);
    const y = fromTypedArray(out, [b, k]);
    return [y, (dy, needs) => {
      const g = cotangent(op, dy, y.shape);
      let dx: Tensor | undefined, de: Tensor | undefined;
      if (needs[0]) {
        const d = allocate(x.dtype, b * 2 * k);
        sampleBackX(g, eps.data, s, d, b, k);
        dx = fromTypedArray(d, x.shape);
      }
      if (needs[1]) {
        const d = allocate(x.dtype, b * k);
        for (let i = 0; i < d.length; i++) d[i] = g[i] * s[i];
        de = fromTypedArray(d, eps.shape);
      }
      return [dx, de];
    }];
  },
);

function sampleLoop(
  x: FloatArray,
  eps: FloatArray,
  s: Float64Array,
  out: FloatArray,
  b: number,
  k: number,
): void {
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) out[i * k + j] = x[i * 2 * k + j] + s[i * k + j] * eps[i * k + j];
  }
}

function sampleBackX(
  g: FloatArray,
  eps: FloatArray,
  s: Float64Array,
  d: FloatArray,
  b: number,
  k: number,
): void {
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) {
      const c = i * k + j, gc = g[c];
      d[i * 2 * k + j] = gc;
      d[i * 2 * k + k + j] = gc * eps[c] * 0.5 * s[c];
    }
  }
}

/**
 * The KL divergence of the diagonal Gaussians `x = [μ, ℓ]` (`[batch, 2k]`) from `N(0, I)`,
 * summed over the code and averaged over the batch: a scalar `(1/2B)·Σ (σ² + μ² − 1 − ℓ)` with
 * `σ² = exp(½ℓ)²`. Pullback: `dμ = g·μ/B`, `dℓ = g·(σ² − 1)/(2B)`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * // The prior itself (μ = 0, σ² = 1) is 0 away from the prior.
 * const kl = untraced().gaussianKl(tensor([[0, 0]], [1, 2], "float64"));
 * if (kl.data[0] !== 0) throw new Error(`${kl.data[0]}`);
 * ```
 */
export const gaussianKl: Primitive<[x: Tensor]> = primitive(
  "gaussianKl",
  1,
  (_backend, x: Tensor) => {
    const op = "gaussianKl";
    const [b, k] = checkCode(op, x);
    const s = stds(x.data, b, k);
    const out = allocate(x.dtype, 1);
    out[0] = klSum(x.data, s, b, k) * (0.5 / b);
    const y = fromTypedArray(out, []);
    return [y, (dy) => {
      const g = cotangent(op, dy, y.shape)[0];
      const d = allocate(x.dtype, b * 2 * k);
      klBack(g, x.data, s, d, b, k);
      return [fromTypedArray(d, x.shape)];
    }];
  },
);

function klSum(x: FloatArray, s: Float64Array, b: number, k: number): number {
  let sum = 0;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) {
      const mu = x[i * 2 * k + j], lv = x[i * 2 * k + k + j], sc = s[i * k + j];
      sum += sc * sc + mu * mu - (lv + 1);
    }
  }
  return sum;
}

function klBack(g: number, x: FloatArray, s: Float64Array, d: FloatArray, b: number, k: number) {
  const scale = g * (0.5 / b);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) {
      const sc = s[i * k + j];
      d[i * 2 * k + j] = scale * 2 * x[i * 2 * k + j];
      d[i * 2 * k + k + j] = scale * (sc * sc - 1);
    }
  }
}
