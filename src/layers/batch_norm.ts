/**
 * Batch normalisation over the feature axis (the last axis), with running statistics as state.
 *
 * @module
 */

import {
  allocate,
  assertSameShape,
  DEFAULT_DTYPE,
  type DType,
  formatShape,
  fromTypedArray,
  ones,
  type Tensor,
  zeros,
} from "../tensor.ts";
import type { Layer } from "./layer.ts";

/** Options of {@linkcode batchNorm}. */
export interface BatchNormOptions {
  /**
   * Weight of the old running statistics in each update, in `[0, 1]`; default `0.9`.
   * `running = momentum · running + (1 - momentum) · batch` (the Keras convention; PyTorch's
   * `momentum` is our `1 - momentum`).
   */
  momentum?: number;
  /** Added to the variance before the square root, `> 0`; default `1e-5`. */
  eps?: number;
  /**
   * Element type of the parameters and running statistics `init` creates; default float32.
   * Inputs must have the same dtype (float64 is what gradient checks use).
   */
  dtype?: DType;
}

/** Learned scale and shift, one per feature. */
export type BatchNormParams = { readonly gamma: Tensor; readonly beta: Tensor };

/** Running mean and (biased) variance, one per feature, used at evaluation. */
export type BatchNormState = { readonly mean: Tensor; readonly var: Tensor };

function checkFeatures(op: string, t: Tensor, what: string, features: number, dtype: DType) {
  if (t.shape.length !== 1 || t.shape[0] !== features) {
    throw new TypeError(
      `Cannot ${op}: ${what} has shape ${formatShape(t.shape)}, expected [${features}] ` +
        `for an input with ${features} features`,
    );
  }
  if (t.dtype !== dtype) {
    throw new TypeError(`Cannot ${op}: ${what} is ${t.dtype} but the input is ${dtype}`);
  }
}

/**
 * Batch normalisation: `y = γ · (x - μ) / sqrt(σ² + eps) + β`, per feature, where features are
 * the last axis and statistics are taken over every other axis (so `[B, F]` and `[B, ..., F]`
 * inputs both work; for `[B, H, W, C]` images this is per-channel normalisation).
 *
 * While training (`ctx.training`), `μ` and `σ²` are the batch's mean and biased variance
 * (divided by N, the number of values per feature), the VJP differentiates through them, and
 * the returned state moves toward them:
 * `running = momentum · running + (1 - momentum) · batch`. The running variance tracks the same
 * biased variance the batch is normalised with (as Keras does; PyTorch tracks the unbiased one).
 * At evaluation `μ` and `σ²` are the running statistics, and the state is returned unchanged.
 *
 * The training VJP, with `x̂ = (x - μ)·invstd` and `invstd = 1/sqrt(σ² + eps)`, is
 * `dβ = Σ dy`, `dγ = Σ dy·x̂`, and with `dx̂ = γ·dy`,
 * `dx = (1/N)·invstd·(N·dx̂ − Σ dx̂ − x̂·Σ(dx̂·x̂))`, sums over the N values of each feature.
 *
 * @example
 * ```ts
 * import { batchNorm } from "./batch_norm.ts";
 * import { EVAL, trainContext } from "./layer.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = batchNorm({ momentum: 0.9 });
 * const { params, state } = layer.init(key(0), [2]);
 * const x = tensor([[1, 10], [3, 30]]);
 * const { y, state: next } = layer.apply(params, state, x, trainContext());
 * // Each feature is normalised to mean 0 and variance 1 (up to eps).
 * if (Math.abs(y.data[0] + 1) > 1e-3 || Math.abs(y.data[2] - 1) > 1e-3) throw new Error("unexpected");
 * // The running mean of feature 0 moves from 0 toward 2 by 1 - momentum.
 * if (Math.abs(next.mean.data[0] - 0.2) > 1e-6) throw new Error("unexpected");
 * const evaluated = layer.apply(params, next, x, EVAL);
 * if (evaluated.state !== next) throw new Error("eval leaves the state alone");
 * ```
 */
export function batchNorm(
  options: BatchNormOptions = {},
): Layer<BatchNormParams, BatchNormState> {
  const { momentum = 0.9, eps = 1e-5, dtype = DEFAULT_DTYPE } = options;
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`batchNorm: momentum must be in [0, 1], got ${momentum}`);
  }
  if (!(eps > 0 && Number.isFinite(eps))) {
    throw new RangeError(`batchNorm: eps must be a positive finite number, got ${eps}`);
  }
  if (dtype !== "float32" && dtype !== "float64") {
    throw new RangeError(`batchNorm: dtype must be "float32" or "float64", got ${String(dtype)}`);
  }
  return {
    name: "batchNorm",
    init: (_key, inShape) => {
      if (inShape.length < 1 || !(inShape[inShape.length - 1] >= 1)) {
        throw new TypeError(
          `batchNorm: examples need a feature axis (the last) of size >= 1, got shape ${
            formatShape(inShape)
          }`,
        );
      }
      const f = inShape[inShape.length - 1];
      return {
        outShape: [...inShape],
        params: { gamma: ones([f], dtype), beta: zeros([f], dtype) },
        state: { mean: zeros([f], dtype), var: ones([f], dtype) },
      };
    },
    apply: (params, state, x, ctx) => {
      if (x.shape.length < 2) {
        throw new TypeError(
          `Cannot batchNorm: expected a batch [B, ..., F] of rank >= 2, got shape ${
            formatShape(x.shape)
          }`,
        );
      }
      const f = x.shape[x.shape.length - 1];
      checkFeatures("batchNorm", params.gamma, "gamma", f, x.dtype);
      checkFeatures("batchNorm", params.beta, "beta", f, x.dtype);
      checkFeatures("batchNorm", state.mean, "the running mean", f, state.var.dtype);
      checkFeatures("batchNorm", state.var, "the running variance", f, state.mean.dtype);
      const total = x.data.length;
      const n = f === 0 ? 0 : total / f;
      if (ctx.training && n === 0) {
        throw new TypeError(
          `Cannot batchNorm: training needs at least one value per feature, got shape ${
            formatShape(x.shape)
          }`,
        );
      }
      const xd = x.data, gamma = params.gamma.data, beta = params.beta.data;
      const mean = new Float64Array(f), invstd = new Float64Array(f);
      let nextState = state;
      if (ctx.training) {
        const variance = new Float64Array(f);
        for (let i = 0; i < total; i += f) for (let j = 0; j < f; j++) mean[j] += xd[i + j];
        for (let j = 0; j < f; j++) mean[j] /= n;
        // Two passes (mean, then squared deviations) avoid E[x²] − E[x]² cancellation.
        for (let i = 0; i < total; i += f) {
          for (let j = 0; j < f; j++) {
            const d = xd[i + j] - mean[j];
            variance[j] += d * d;
          }
        }
        const runMean = allocate(state.mean.dtype, f), runVar = allocate(state.var.dtype, f);
        for (let j = 0; j < f; j++) {
          variance[j] /= n;
          invstd[j] = 1 / Math.sqrt(variance[j] + eps);
          runMean[j] = momentum * state.mean.data[j] + (1 - momentum) * mean[j];
          runVar[j] = momentum * state.var.data[j] + (1 - momentum) * variance[j];
        }
        nextState = { mean: fromTypedArray(runMean, [f]), var: fromTypedArray(runVar, [f]) };
      } else {
        for (let j = 0; j < f; j++) {
          mean[j] = state.mean.data[j];
          invstd[j] = 1 / Math.sqrt(state.var.data[j] + eps);
        }
      }
      const out = allocate(x.dtype, total);
      for (let i = 0; i < total; i += f) {
        for (let j = 0; j < f; j++) {
          out[i + j] = gamma[j] * (xd[i + j] - mean[j]) * invstd[j] + beta[j];
        }
      }
      const training = ctx.training;
      return {
        y: fromTypedArray(out, x.shape),
        state: nextState,
        vjp: (dy) => {
          assertSameShape("batchNorm VJP", dy, x);
          const g = dy.data;
          const dbeta = new Float64Array(f), dgamma = new Float64Array(f);
          for (let i = 0; i < total; i += f) {
            for (let j = 0; j < f; j++) {
              dbeta[j] += g[i + j];
              dgamma[j] += g[i + j] * (xd[i + j] - mean[j]) * invstd[j];
            }
          }
          const dx = allocate(x.dtype, total);
          if (training) {
            // With dx̂ = γ·dy: Σdx̂ = γ·dβ and Σdx̂·x̂ = γ·dγ, so
            // dx = γ·invstd·(dy − dβ/N − x̂·dγ/N).
            for (let i = 0; i < total; i += f) {
              for (let j = 0; j < f; j++) {
                const xhat = (xd[i + j] - mean[j]) * invstd[j];
                dx[i + j] = gamma[j] * invstd[j] * (g[i + j] - (dbeta[j] + xhat * dgamma[j]) / n);
              }
            }
          } else {
            // Running statistics are constants here, so the layer is affine in x.
            for (let i = 0; i < total; i += f) {
              for (let j = 0; j < f; j++) dx[i + j] = g[i + j] * gamma[j] * invstd[j];
            }
          }
          const dGamma = allocate(params.gamma.dtype, f), dBeta = allocate(params.beta.dtype, f);
          dGamma.set(dgamma);
          dBeta.set(dbeta);
          return {
            params: { gamma: fromTypedArray(dGamma, [f]), beta: fromTypedArray(dBeta, [f]) },
            x: fromTypedArray(dx, x.shape),
          };
        },
      };
    },
  };
}
