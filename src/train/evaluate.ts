/**
 * Evaluation: a model's loss and metrics over a whole dataset, in eval mode.
 *
 * @module
 */

import { untraced } from "../autodiff/ops.ts";
import type { Backend } from "../kernels/kernels.ts";
import { EVAL, type Layer } from "../layers/layer.ts";
import type { Loss } from "../losses.ts";
import { formatShape, isTensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import { type Dataset, datasetSize, takeRows } from "../data/dataset.ts";
import type { Metric } from "./metrics.ts";
import type { TrainState } from "./state.ts";
import { backendFor } from "./_backend_for.ts";
import {
  checkFunction,
  checkInteger,
  checkLayer,
  checkOptions,
  describeValue,
  MAX_ELEMENTS,
  rethrowAs,
} from "../_checks.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Examples per forward pass (memory, not results, depends on it). Default 256. */
  batchSize?: number;
  /** A loss to average over the dataset, reported as `loss`. */
  loss?: Loss;
  /** Metrics by name, reported under those names, e.g. `{ accuracy }`. */
  metrics?: Readonly<Record<string, Metric>>;
  /** The backend to compute on; default the state's, else the default backend. */
  backend?: Backend;
}

/** What `evaluate` and `predict` need of a state: params, model state and maybe a backend. */
export type ModelValues<P extends Tree, S extends Tree> =
  & Pick<TrainState<P, S>, "params" | "modelState">
  & { readonly backend?: Backend };

/**
 * Mean values by name over the examples evaluated: `loss` (the data loss), each metric, and
 * each auxiliary term the model reports (a VAE's `kl`), under its own name.
 */
export type Evaluation = Record<string, number>;

/**
 * Runs the model over `dataset` in eval mode (`{ training: false }`: no dropout, batch norm on
 * running statistics), through `untraced(backend)` (the `backend` option, else the state's,
 * else the default backend), and returns the loss, each metric and each of the model's
 * auxiliary terms averaged over all examples. Batch means are weighted by batch size, so the
 * result does not depend on `batchSize`. `state` is anything with `params` and `modelState`,
 * such as a {@linkcode TrainState}. An auxiliary term named like the loss or a metric is a
 * `TypeError`.
 *
 * @example
 * ```ts
 * import { evaluate } from "./evaluate.ts";
 * import { accuracy } from "./metrics.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import { tensor } from "../tensor.ts";
 * // A "model" whose logits are its input.
 * const id: Layer<null, null> = {
 *   init: (_k, s) => ({ outShape: s, params: null, state: null }),
 *   apply: (_t, _p, state, x) => ({ y: x, state }),
 * };
 * const data = { x: tensor([[1, 0], [0, 1], [1, 0]]), y: tensor([0, 1, 1]) };
 * const r = evaluate(id, { params: null, modelState: null }, data, { batchSize: 2, metrics: { accuracy } });
 * if (Math.abs(r.accuracy - 2 / 3) > 1e-12) throw new Error("unexpected");
 * ```
 */
export function evaluate<P extends Tree, S extends Tree>(
  model: Layer<P, S>,
  state: ModelValues<P, S>,
  dataset: Dataset,
  options: EvaluateOptions = {},
): Evaluation {
  const op = "evaluate";
  checkLayer(op, model);
  if (
    typeof state !== "object" || state === null || !("params" in state) ||
    !("modelState" in state)
  ) {
    throw new TypeError(
      `${op}: the state must hold { params, modelState } (a training state), got ${
        describeValue(state)
      }`,
    );
  }
  const n = datasetSize(dataset, op);
  const { batchSize = 256, loss, metrics = {}, backend } = checkOptions(op, options, [
    "batchSize",
    "loss",
    "metrics",
    "backend",
  ]);
  const t = untraced(backendFor(op, state, backend));
  checkInteger(op, "batchSize", batchSize, { min: 1, max: MAX_ELEMENTS });
  if (loss !== undefined) {
    checkFunction(op, "loss", loss, "a loss (t, prediction, target) => scalar tensor");
  }
  checkOptions(op, metrics, undefined, "metrics");
  for (const [name, m] of Object.entries(metrics)) {
    checkFunction(op, `metrics.${name}`, m, "a metric (prediction, target) => number");
  }
  if (n === 0) throw new RangeError("evaluate: the dataset has no examples");
  const names = Object.keys(metrics);
  const sums = new Float64Array(names.length);
  let lossSum = 0;
  const auxSums: Record<string, number> = {};
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const x = takeRows(dataset.x, start, end);
    const y = takeRows(dataset.y, start, end);
    const out = rethrowAs(op, () => model.apply(t, state.params, state.modelState, x, EVAL));
    const pred = out.y;
    const size = end - start;
    if (loss !== undefined) lossSum += size * rethrowAs(op, () => scalarValue(loss(t, pred, y)));
    for (let m = 0; m < names.length; m++) {
      sums[m] += size * rethrowAs(op, () => metrics[names[m]](pred, y, t));
    }
    for (const [name, term] of Object.entries(out.aux ?? {})) {
      if (name === "loss" || name in metrics) {
        throw new TypeError(
          `${op}: the model's auxiliary term ${name} has the name of ${
            name === "loss" ? "the loss" : "a metric"
          }; rename one of them`,
        );
      }
      auxSums[name] = (auxSums[name] ?? 0) + size * scalarValue(term);
    }
  }
  const result: Evaluation = {};
  if (loss !== undefined) result.loss = lossSum / n;
  for (let m = 0; m < names.length; m++) result[names[m]] = sums[m] / n;
  for (const [name, sum] of Object.entries(auxSums)) result[name] = sum / n;
  return result;
}

/** The value of a one-element tensor (a `TypeError` otherwise). */
function scalarValue(v: unknown): number {
  if (!isTensor(v) || v.data.length !== 1) {
    throw new TypeError(
      `the loss must be a scalar tensor (one element), got ${
        isTensor(v) ? `shape ${formatShape(v.shape)}` : describeValue(v)
      }`,
    );
  }
  return v.data[0];
}
