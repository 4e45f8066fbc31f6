/**
 * `train`: the standard step, composed from the stage operators.
 *
 * @module
 */

import { type OperatorFunction, pipe } from "rxjs";
import type { Layer } from "../layers/layer.ts";
import type { Loss } from "../losses.ts";
import type { Penalty, Transform } from "../optim/transform.ts";
import type { Tree } from "../tree.ts";
import {
  checkFunction,
  checkLayer,
  checkOptions,
  checkTransform,
  describeValue,
} from "../_checks.ts";
import type { StepCtx } from "./context.ts";
import { backward, forward, regularize, step } from "./stages.ts";

/** Options of {@linkcode train}. */
export interface TrainOptions<P extends Tree, S extends Tree, O> {
  /** The model being trained. */
  model: Layer<P, S>;
  /** The data loss. */
  loss: Loss;
  /** The optimiser (the one the state was created with). */
  optimizer: Transform<O>;
  /** Penalties on the parameters, added after `backward` (optional). */
  penalty?: Penalty | readonly Penalty[];
}

/**
 * The standard step composed: `forward(model)`, `backward(loss)`, `regularize(p)` for each
 * penalty, `step(optimizer)`. Write the stages out yourself to put operators between them.
 *
 * @example
 * ```ts
 * import { train } from "./train.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import type { Transform } from "../optim/transform.ts";
 * const model: Layer<null, null> = {
 *   init: (_k, s) => ({ outShape: s, params: null, state: null }),
 *   apply: (_t, _p, state, x) => ({ y: x, state }),
 * };
 * const optimizer: Transform<null> = { init: () => null, update: (g, s) => [g, s] };
 * const stages = train({ model, loss: (t, p, y) => t.sub(p, y), optimizer });
 * if (typeof stages !== "function") throw new Error("unexpected");
 * ```
 */
export function train<P extends Tree, S extends Tree, O>(
  options: TrainOptions<P, S, O>,
): OperatorFunction<StepCtx<P, S, O>, StepCtx<P, S, O>> {
  const op = "train";
  if (options === undefined) {
    throw new TypeError(`${op}: options { model, loss, optimizer } are required, got undefined`);
  }
  const { model, loss, optimizer, penalty = [] } = checkOptions(op, options, [
    "model",
    "loss",
    "optimizer",
    "penalty",
  ]);
  checkLayer(op, model, "options.model");
  checkFunction(op, "options.loss", loss, "a loss (t, prediction, target) => scalar tensor");
  checkTransform(op, optimizer, "options.optimizer");
  const penalties = typeof penalty === "function" ? [penalty] : penalty;
  if (!Array.isArray(penalties)) {
    throw new TypeError(
      `${op}: options.penalty must be a penalty or an array of penalties, got ${
        describeValue(penalty)
      }`,
    );
  }
  penalties.forEach((p, i) => checkFunction(op, `options.penalty[${i}]`, p, "a penalty"));
  const regs: OperatorFunction<StepCtx<P, S, O>, StepCtx<P, S, O>>[] = penalties.map(regularize);
  return pipe(
    forward(model),
    backward(loss),
    (source) => regs.reduce((o, op) => op(o), source),
    step(optimizer),
  );
}
