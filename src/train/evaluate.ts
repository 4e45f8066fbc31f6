/**
 * Evaluation: a model's loss and metrics over a whole dataset, in eval mode.
 *
 * @module
 */

import { EVAL, type Layer } from "../layers/layer.ts";
import type { Loss } from "../losses.ts";
import type { Tree } from "../tree.ts";
import { type Dataset, datasetSize, takeRows } from "../data/dataset.ts";
import type { Metric } from "./metrics.ts";
import type { TrainState } from "./state.ts";
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
}

/** Mean values by name (`loss` and each metric) over the examples evaluated. */
export type Evaluation = Record<string, number>;

/**
 * Runs the model over `dataset` in eval mode (`{ training: false }`: no dropout, batch norm on
 * running statistics) and returns the loss and each metric averaged over all examples.
 * Batch means are weighted by batch size, so the result does not depend on `batchSize`.
 * `state` is anything with `params` and `modelState`, such as a {@linkcode TrainState}.
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
 *   apply: (_p, state, x) => ({ y: x, state, vjp: (dy) => ({ params: null, x: dy }) }),
 * };
 * const data = { x: tensor([[1, 0], [0, 1], [1, 0]]), y: tensor([0, 1, 1]) };
 * const r = evaluate(id, { params: null, modelState: null }, data, { batchSize: 2, metrics: { accuracy } });
 * if (Math.abs(r.accuracy - 2 / 3) > 1e-12) throw new Error("unexpected");
 * ```
 */
export function evaluate<P extends Tree, S extends Tree>(
  model: Layer<P, S>,
  state: Pick<TrainState<P, S>, "params" | "modelState">,
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
  const { batchSize = 256, loss, metrics = {} } = checkOptions(op, options, [
    "batchSize",
    "loss",
    "metrics",
  ]);
  checkInteger(op, "batchSize", batchSize, { min: 1, max: MAX_ELEMENTS });
  if (loss !== undefined) {
    checkFunction(op, "loss", loss, "a loss (prediction, target) => [value, grad]");
  }
  checkOptions(op, metrics, undefined, "metrics");
  for (const [name, m] of Object.entries(metrics)) {
    checkFunction(op, `metrics.${name}`, m, "a metric (prediction, target) => number");
  }
  if (n === 0) throw new RangeError("evaluate: the dataset has no examples");
  const names = Object.keys(metrics);
  const sums = new Float64Array(names.length);
  let lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const x = takeRows(dataset.x, start, end);
    const y = takeRows(dataset.y, start, end);
    const pred = rethrowAs(op, () => model.apply(state.params, state.modelState, x, EVAL).y);
    const size = end - start;
    if (loss !== undefined) lossSum += size * rethrowAs(op, () => loss(pred, y)[0]);
    for (let m = 0; m < names.length; m++) {
      sums[m] += size * rethrowAs(op, () => metrics[names[m]](pred, y));
    }
  }
  const out: Evaluation = {};
  if (loss !== undefined) out.loss = lossSum / n;
  for (let m = 0; m < names.length; m++) out[names[m]] = sums[m] / n;
  return out;
}
