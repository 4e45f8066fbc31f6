/**
 * Batch normalisation over the feature axis (the last axis), with running statistics as state.
 *
 * @module
 */

import type { Ops } from "../autodiff/ops.ts";
import { untraced } from "../autodiff/ops.ts";
import {
  astype,
  DEFAULT_DTYPE,
  type DType,
  formatShape,
  isTensor,
  ones,
  type Tensor,
  zeros,
} from "../tensor.ts";
import type { Layer } from "./layer.ts";
import { checkDType, checkNumber, checkOptions, describeValue } from "../_checks.ts";
import { checkBatch, checkContext, checkInitArgs, checkRecord } from "./_layer_checks.ts";

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
  if (!isTensor(t)) {
    throw new TypeError(
      `Cannot ${op}: ${what} must be a tensor of shape [${features}], got ${describeValue(t)}`,
    );
  }
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
 * (divided by N, the number of values per feature), the gradient flows through them, and
 * the returned state moves toward them:
 * `running = momentum · running + (1 - momentum) · batch`. The running variance tracks the same
 * biased variance the batch is normalised with (as Keras does; PyTorch tracks the unbiased one).
 * At evaluation `μ` and `σ²` are the running statistics, and the state is returned unchanged.
 *
 * The forward code is a handful of primitives (`mean`, `sub`, `square`, `addScalar`, `sqrt`,
 * `div`, `mul`, `add`, the statistics kept as `[1, ..., 1, F]` so they broadcast), and its
 * gradient is theirs composed: with `x̂ = (x - μ)·invstd` it comes to `dβ = Σ dy`,
 * `dγ = Σ dy·x̂` and `dx = (1/N)·invstd·(N·dx̂ − Σ dx̂ − x̂·Σ(dx̂·x̂))` for `dx̂ = γ·dy`, which
 * nobody has to write. The running statistics are updated outside the trace: they are state,
 * not part of the function being differentiated.
 *
 * @example
 * ```ts
 * import { batchNorm } from "./batch_norm.ts";
 * import { EVAL, trainContext } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = batchNorm({ momentum: 0.9 });
 * const { params, state } = layer.init(key(0), [2]);
 * const x = tensor([[1, 10], [3, 30]]);
 * const t = untraced();
 * const { y, state: next } = layer.apply(t, params, state, x, trainContext());
 * // Each feature is normalised to mean 0 and variance 1 (up to eps).
 * if (Math.abs(y.data[0] + 1) > 1e-3 || Math.abs(y.data[2] - 1) > 1e-3) throw new Error("unexpected");
 * // The running mean of feature 0 moves from 0 toward 2 by 1 - momentum.
 * if (Math.abs(next.mean.data[0] - 0.2) > 1e-6) throw new Error("unexpected");
 * const evaluated = layer.apply(t, params, next, x, EVAL);
 * if (evaluated.state !== next) throw new Error("eval leaves the state alone");
 * ```
 */
export function batchNorm(
  options: BatchNormOptions = {},
): Layer<BatchNormParams, BatchNormState> {
  const op = "batchNorm";
  const { momentum = 0.9, eps = 1e-5, dtype = DEFAULT_DTYPE } = checkOptions(op, options, [
    "momentum",
    "eps",
    "dtype",
  ]);
  checkNumber(op, "momentum", momentum, { min: 0, max: 1 });
  checkNumber(op, "eps", eps, { min: 0, minExclusive: true });
  checkDType(op, dtype);
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
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
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx);
      checkBatch(op, x);
      if (x.shape.length < 2) {
        throw new TypeError(
          `Cannot batchNorm: expected a batch [B, ..., F] of rank >= 2, got shape ${
            formatShape(x.shape)
          }`,
        );
      }
      const f = x.shape[x.shape.length - 1];
      checkRecord(op, "params", params, `{beta:[${f}],gamma:[${f}]}`, ["gamma", "beta"]);
      checkRecord(op, "state", state, `{mean:[${f}],var:[${f}]}`, ["mean", "var"]);
      checkFeatures("batchNorm", params.gamma, "gamma", f, x.dtype);
      checkFeatures("batchNorm", params.beta, "beta", f, x.dtype);
      checkFeatures("batchNorm", state.var, "the running variance", f, state.var?.dtype);
      checkFeatures("batchNorm", state.mean, "the running mean", f, state.var.dtype);
      if (ctx.training && x.data.length === 0) {
        throw new TypeError(
          `Cannot batchNorm: training needs at least one value per feature, got shape ${
            formatShape(x.shape)
          }`,
        );
      }
      if (!ctx.training) {
        // Running statistics are constants here, so the layer is affine in x.
        const mean = astype(state.mean, x.dtype), variance = astype(state.var, x.dtype);
        return { y: normalize(t, x, mean, variance, params, eps), state };
      }
      // Statistics over every axis but the last, kept as [1, ..., 1, F] to broadcast.
      const axis = x.shape.slice(0, -1).map((_, i) => i);
      const mean = t.mean(x, { axis, keepDims: true });
      // Two passes (mean, then squared deviations) avoid E[x²] − E[x]² cancellation.
      const variance = t.mean(t.square(t.sub(x, mean)), { axis, keepDims: true });
      const y = normalize(t, x, mean, variance, params, eps);
      return { y, state: runningUpdate(t, state, mean, variance, momentum) };
    },
  };
}

/** `γ · (x − μ) / sqrt(σ² + eps) + β`, `μ` and `σ²` broadcasting against `x`. */
function normalize(
  t: Ops,
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  params: BatchNormParams,
  eps: number,
): Tensor {
  const xhat = t.div(t.sub(x, mean), t.sqrt(t.addScalar(variance, eps)));
  return t.add(t.mul(xhat, params.gamma), params.beta);
}

/**
 * `momentum · running + (1 − momentum) · batch` for the mean and the variance, computed
 * untraced (state is not differentiated), in the state's dtype.
 */
function runningUpdate(
  t: Ops,
  state: BatchNormState,
  mean: Tensor,
  variance: Tensor,
  momentum: number,
): BatchNormState {
  const u = untraced(t.backend);
  const f = state.mean.shape;
  const move = (running: Tensor, batch: Tensor) =>
    u.add(
      u.mulScalar(running, momentum),
      u.mulScalar(astype(u.reshape(batch, f), running.dtype), 1 - momentum),
    );
  return { mean: move(state.mean, mean), var: move(state.var, variance) };
}
