/**
 * The stage operators of a training step: `forward`, `backward`, `regularize`, `step`.
 *
 * Each is an RxJS operator over {@linkcode StepCtx} and a pure function of the context it
 * receives, so any ordinary operator can sit between two of them (clip, log, skip a batch).
 *
 * @module
 */

import { map, type Observable, type OperatorFunction, pipe } from "rxjs";
import { type Layer, trainContext } from "../layers/layer.ts";
import type { Loss } from "../losses.ts";
import { applyUpdates, updateAndApply } from "../optim/chain.ts";
import type { Penalty, Transform } from "../optim/transform.ts";
import { assertSameStructure, type Tree } from "../tree.ts";
import {
  checkFunction,
  checkLayer,
  checkOptions,
  checkTransform,
  describeValue,
} from "../_checks.ts";
import type { StepCtx } from "./context.ts";
import { NonFiniteLossError } from "./errors.ts";
import { stepKey, type TrainState } from "./state.ts";

/**
 * A stage that works for any model: maps each context to one of the same type.
 * (A generic function, so it fits wherever an `OperatorFunction<StepCtx<P, S>, StepCtx<P, S>>`
 * is expected.)
 */
export type Stage = <P extends Tree, S extends Tree>(
  source: Observable<StepCtx<P, S>>,
) => Observable<StepCtx<P, S>>;

/** A model-agnostic stage from a function of the context (the one place the types are widened). */
function stage(fn: (ctx: StepCtx) => StepCtx): Stage {
  return map(fn) as unknown as Stage;
}

function missing(stage: string, field: string, before: string): TypeError {
  return new TypeError(
    `${stage}: the step context has no ${field}; put ${before} before ${stage} in the stages`,
  );
}

function site(ctx: StepCtx) {
  return { step: ctx.state.step, epoch: ctx.batch.epoch, batch: ctx.batch.index };
}

/**
 * Runs the model on `batch.x` in training mode, with the key `stepKey(state.key, state.step)`
 * (so dropout is reproducible), and records the prediction, the next model state and the
 * pullback.
 *
 * @example
 * ```ts
 * import { forward } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import type { Layer } from "../layers/layer.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const identity: Layer<null, null> = {
 *   init: (_k, s) => ({ outShape: s, params: null, state: null }),
 *   apply: (_p, state, x) => ({ y: x, state, vjp: (dy) => ({ params: null, x: dy }) }),
 * };
 * const state = { params: null, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) };
 * const batch = { x: tensor([[1], [2]]), y: tensor([[1], [2]]), epoch: 0, index: 0, size: 2 };
 * const ctx = await lastValueFrom(of({ state, batch }).pipe(forward(identity)));
 * if (ctx.y?.data[1] !== 2) throw new Error("unexpected");
 * ```
 */
export function forward<P extends Tree, S extends Tree>(
  model: Layer<P, S>,
): OperatorFunction<StepCtx<P, S>, StepCtx<P, S>> {
  checkLayer("forward", model);
  return map((ctx) => {
    const { params, modelState, key, step } = ctx.state;
    const out = model.apply(params, modelState, ctx.batch.x, trainContext(stepKey(key, step)));
    return { ...ctx, y: out.y, modelState: out.state, vjp: out.vjp };
  });
}

/**
 * Evaluates `loss(y, batch.y)` and pulls its gradient back through the model to parameter
 * gradients. A NaN or infinite loss throws {@linkcode NonFiniteLossError} (naming step, epoch
 * and batch), which ends the run with that error.
 *
 * @example
 * ```ts
 * import { backward } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import { key } from "../random.ts";
 * import { scalar, tensor } from "../tensor.ts";
 * // The loss sum(y) / n has gradient 1/n per element; the "model" passes it to w.
 * const y = tensor([[1], [3]]);
 * const ctx = {
 *   state: { params: null, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) },
 *   batch: { x: y, y, epoch: 0, index: 0, size: 2 },
 *   y,
 *   vjp: (dy: typeof y) => ({ params: { w: scalar(dy.data[0] + dy.data[1]) }, x: dy }),
 * };
 * const mean = (p: typeof y): [number, typeof y] => [2, tensor([[0.5], [0.5]])];
 * const out = await lastValueFrom(of(ctx).pipe(backward(mean)));
 * if (out.loss !== 2 || (out.grads as { w: typeof y }).w.data[0] !== 1) throw new Error("unexpected");
 * ```
 */
export function backward(loss: Loss): Stage {
  checkFunction("backward", "the loss", loss, "a loss (prediction, target) => [value, grad]");
  return stage((ctx) => {
    if (ctx.y === undefined || ctx.vjp === undefined) {
      throw missing("backward", "prediction", "forward(model)");
    }
    const [value, dy] = loss(ctx.y, ctx.batch.y);
    if (!Number.isFinite(value)) throw new NonFiniteLossError("loss", value, site(ctx));
    return { ...ctx, loss: value, grads: ctx.vjp(dy).params };
  });
}

/**
 * Adds a penalty on the parameters (L2, L1, ...): its value to `penalty` and its gradient to
 * `grads`. Several `regularize` stages add up.
 *
 * @example
 * ```ts
 * import { regularize } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import { key } from "../random.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const w = tensor([3]);
 * const ctx = {
 *   state: { params: { w }, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) },
 *   batch: { x: w, y: w, epoch: 0, index: 0, size: 1 },
 *   grads: { w: tensor([1]) },
 * };
 * // 0.5 * w^2: value 4.5, gradient w = 3.
 * const half = (p: unknown): [number, { w: Tensor }] => [4.5, { w: tensor([3]) }];
 * const out = await lastValueFrom(of(ctx).pipe(regularize(half)));
 * if (out.penalty !== 4.5 || out.grads!.w.data[0] !== 4) throw new Error("unexpected");
 * ```
 */
export function regularize(penalty: Penalty): Stage {
  checkFunction("regularize", "the penalty", penalty, "a penalty (params) => [value, grads]");
  return stage((ctx) => {
    if (ctx.grads === undefined) throw missing("regularize", "grads", "backward(loss)");
    const { params } = ctx.state;
    let value: number, grads: Tree;
    if (penalty.addTo !== undefined) {
      // The fused form: one pass and one array per leaf instead of penalty, then sum.
      [value, grads] = penalty.addTo(params, ctx.grads);
    } else {
      const [v, g] = penalty(params);
      assertSameStructure("regularize", ctx.grads, g);
      [value, grads] = [v, applyUpdates(ctx.grads, g)];
    }
    const total = (ctx.penalty ?? 0) + value;
    if (!Number.isFinite(total)) {
      throw new NonFiniteLossError("penalty", total, site(ctx));
    }
    return { ...ctx, penalty: total, grads };
  });
}

/**
 * Applies the optimiser: `[updates, optState] = optimizer.update(grads, optState, params)`,
 * `params + updates` (one pass per leaf for gradstream's optimisers: see `updateAndApply`),
 * the model state from `forward`, `step + 1`, and the batch's epoch. The optimiser must be the
 * one the state was created with (`initTrain`). Drops the spent `vjp` (and the activations it
 * holds).
 *
 * @example
 * ```ts
 * import { step } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import type { Transform } from "../optim/transform.ts";
 * import { key } from "../random.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * import { treeMap } from "../tree.ts";
 * const sgd: Transform<null> = {
 *   init: () => null,
 *   update: (g, s) => [treeMap((t) => tensor(t.data.map((v) => -0.5 * v), t.shape), g), s],
 * };
 * const ctx = {
 *   state: { params: { w: tensor([1]) }, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) },
 *   batch: { x: tensor([0]), y: tensor([0]), epoch: 3, index: 0, size: 1 },
 *   grads: { w: tensor([2]) },
 * };
 * const out = await lastValueFrom(of(ctx).pipe(step(sgd)));
 * if (out.state.params.w.data[0] !== 0 || out.state.step !== 1) throw new Error("unexpected");
 * ```
 */
export function step(optimizer: Transform<unknown>): Stage {
  checkTransform("step", optimizer);
  return stage((ctx) => {
    if (ctx.grads === undefined) throw missing("step", "grads", "backward(loss)");
    const { state } = ctx;
    const [params, optState] = updateAndApply(optimizer, ctx.grads, state.optState, state.params);
    const next: TrainState = Object.freeze({
      params,
      modelState: ctx.modelState === undefined ? state.modelState : ctx.modelState,
      optState,
      step: state.step + 1,
      epoch: ctx.batch.epoch,
      key: state.key,
    });
    return { ...ctx, state: next, vjp: undefined };
  });
}

/**
 * An operator that replaces `grads` with `fn(grads, ctx)`: the place for gradient clipping,
 * noise or masking between `backward` and `step`.
 *
 * @example
 * ```ts
 * import { mapGrads } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * import { treeMap } from "../tree.ts";
 * const ctx = {
 *   state: { params: null, modelState: null, optState: null, step: 0, epoch: 0, key: key(0) },
 *   batch: { x: tensor([0]), y: tensor([0]), epoch: 0, index: 0, size: 1 },
 *   grads: { w: tensor([5, -5]) },
 * };
 * const clip = mapGrads((g) => treeMap((t) => tensor(t.data.map((v) => Math.max(-1, Math.min(1, v))), t.shape), g));
 * const out = await lastValueFrom(of(ctx).pipe(clip));
 * if ((out.grads as typeof ctx.grads).w.data.join() !== "1,-1") throw new Error("unexpected");
 * ```
 */
export function mapGrads<P extends Tree, S extends Tree>(
  fn: (grads: P, ctx: StepCtx<P, S>) => P,
): OperatorFunction<StepCtx<P, S>, StepCtx<P, S>> {
  checkFunction("mapGrads", "fn", fn, "a function (grads, ctx) => grads");
  return map((ctx) => {
    if (ctx.grads === undefined) throw missing("mapGrads", "grads", "backward(loss)");
    return { ...ctx, grads: fn(ctx.grads, ctx) };
  });
}

/** Options of {@linkcode train}. */
export interface TrainOptions<P extends Tree, S extends Tree> {
  /** The model being trained. */
  model: Layer<P, S>;
  /** The data loss. */
  loss: Loss;
  /** The optimiser (the one the state was created with). */
  optimizer: Transform<unknown>;
  /** Penalties on the parameters, added after `backward` (optional). */
  penalty?: Penalty | readonly Penalty[];
}

/**
 * The standard step composed: `forward(model)`, `backward(loss)`, `regularize(p)` for each
 * penalty, `step(optimizer)`. Write the stages out yourself to put operators between them.
 *
 * @example
 * ```ts
 * import { train } from "./stages.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import type { Transform } from "../optim/transform.ts";
 * const model: Layer<null, null> = {
 *   init: (_k, s) => ({ outShape: s, params: null, state: null }),
 *   apply: (_p, state, x) => ({ y: x, state, vjp: (dy) => ({ params: null, x: dy }) }),
 * };
 * const optimizer: Transform<null> = { init: () => null, update: (g, s) => [g, s] };
 * const stages = train({ model, loss: (p) => [0, p], optimizer });
 * if (typeof stages !== "function") throw new Error("unexpected");
 * ```
 */
export function train<P extends Tree, S extends Tree>(
  options: TrainOptions<P, S>,
): OperatorFunction<StepCtx<P, S>, StepCtx<P, S>> {
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
  checkFunction(op, "options.loss", loss, "a loss (prediction, target) => [value, grad]");
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
  const regs: OperatorFunction<StepCtx<P, S>, StepCtx<P, S>>[] = penalties.map(regularize);
  return pipe(
    forward(model),
    backward(loss),
    (source) => regs.reduce((o, op) => op(o), source),
    step(optimizer),
  );
}
