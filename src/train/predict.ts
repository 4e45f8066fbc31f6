/**
 * Prediction: a trained model's outputs for new inputs, in eval mode, batch by batch.
 *
 * @module
 */

import { checkInteger, checkLayer, checkOptions, MAX_ELEMENTS, rethrowAs } from "../_checks.ts";
import { untraced } from "../autodiff/ops.ts";
import type { Backend } from "../kernels/kernels.ts";
import { EVAL, type Layer } from "../layers/layer.ts";
import {
  allocate,
  type FloatArray,
  formatShape,
  fromTypedArray,
  isTensor,
  shapesEqual,
  type Tensor,
} from "../tensor.ts";
import type { Tree } from "../tree.ts";
import { type Dataset, takeRows } from "../data/dataset.ts";
import type { ModelValues } from "./evaluate.ts";
import { backendFor } from "./_backend_for.ts";

/** Options of {@linkcode predict}. */
export interface PredictOptions {
  /** Examples per forward pass: bounds memory, never changes the result. Default 256. */
  batchSize?: number;
  /** The backend to compute on; default the state's, else the default backend. */
  backend?: Backend;
}

/**
 * The model's outputs for every example of `x` (a tensor `[N, ...inShape]`, or a dataset,
 * whose inputs `x` are used), in eval mode (`{ training: false }`: no dropout, batch norm on
 * its running statistics), computed `batchSize` examples at a time and returned as one tensor
 * `[N, ...outShape]`, through `untraced(backend)` (the `backend` option, else the state's,
 * else the default backend). `state` is anything with `params` and `modelState`: a
 * `TrainState`, a summary's `state`, or what `loadModel` returns.
 *
 * @example
 * ```ts
 * import { dense, initTrain, key, predict, sgd, tensor } from "../../mod.ts";
 * const model = dense(2);
 * const state = initTrain(model, sgd(0.1), key(0), [3]);
 * const y = predict(model, state, tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), { batchSize: 2 });
 * if (y.shape.join() !== "3,2") throw new Error(`unexpected shape ${y.shape}`);
 * ```
 */
export function predict<P extends Tree, S extends Tree>(
  model: Layer<P, S>,
  state: ModelValues<P, S>,
  x: Tensor | Dataset,
  options: PredictOptions = {},
): Tensor {
  const op = "predict";
  checkLayer(op, model);
  if (
    typeof state !== "object" || state === null || !("params" in state) ||
    !("modelState" in state)
  ) {
    throw new TypeError(
      `predict: state must hold the model's params and modelState (a TrainState or what ` +
        `loadModel returns), got ${state === null ? "null" : typeof state}`,
    );
  }
  const inputs = isTensor(x)
    ? x
    : typeof x === "object" && x !== null && isTensor((x as Dataset).x)
    ? (x as Dataset).x
    : undefined;
  if (inputs === undefined) {
    throw new TypeError("predict: x must be a tensor [N, ...inShape] or a dataset { x, y }");
  }
  if (inputs.shape.length === 0) {
    throw new TypeError(
      `predict: x needs an example axis first, got shape ${formatShape(inputs.shape)}`,
    );
  }
  const { batchSize = 256, backend } = checkOptions(op, options, ["batchSize", "backend"]);
  const t = untraced(backendFor(op, state, backend));
  checkInteger(op, "batchSize", batchSize, { min: 1, max: MAX_ELEMENTS });
  const n = inputs.shape[0];
  if (n === 0) throw new RangeError("predict: x has no examples (shape [0, ...])");
  const run = (batch: Tensor, rows: number) => {
    // A model that rejects these params or inputs says why, under predict's name.
    const y = rethrowAs(op, () => model.apply(t, state.params, state.modelState, batch, EVAL).y);
    if (!isTensor(y) || y.shape.length === 0 || y.shape[0] !== rows) {
      throw new TypeError(
        `predict: the model returned ${
          isTensor(y) ? `shape ${formatShape(y.shape)}` : "no tensor"
        } for a batch of ${rows} examples (it must return one output row per example)`,
      );
    }
    return y;
  };
  // One batch: the model's output itself (no copy).
  if (n <= batchSize) return run(inputs, n);
  let out: FloatArray | undefined;
  let first: Tensor | undefined;
  let row = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const y = run(takeRows(inputs, start, end), end - start);
    if (first === undefined) {
      first = y;
      row = y.data.length / (end - start);
      out = allocate(y.dtype, n * row);
    } else if (y.dtype !== first.dtype || !shapesEqual(y.shape.slice(1), first.shape.slice(1))) {
      throw new TypeError(
        `predict: the model's output changed between batches, ${first.dtype} ${
          formatShape(first.shape)
        } then ${y.dtype} ${formatShape(y.shape)}`,
      );
    }
    out!.set(y.data, start * row);
  }
  return fromTypedArray(out!, [n, ...first!.shape.slice(1)]);
}
