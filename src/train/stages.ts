/**
 * The stage operators of a training step: `forward`, `backward`, `regularize`, `step`.
 *
 * Each is an RxJS operator over {@linkcode StepCtx} and a pure function of the context it
 * receives, so any ordinary operator can sit between two of them (clip, log, skip a batch,
 * accumulate gradients over several batches). `forward` opens a {@linkcode Trace} on the
 * state's backend and `backward` pulls back through it: the gradients are the primitives'
 * pullbacks composed, with no hand-written VJP anywhere in a model.
 *
 * @module
 */

import { map } from "rxjs";
import { untraced } from "../autodiff/ops.ts";
import { Trace, valueAndGrad } from "../autodiff/trace.ts";
import { type Layer, trainContext } from "../layers/layer.ts";
import type { Loss } from "../losses.ts";
import type { Penalty } from "../optim/transform.ts";
import { formatShape, full, isTensor, type Tensor } from "../tensor.ts";
import { assertSameStructure, type Tree, treeMap } from "../tree.ts";
import { checkFunction, checkLayer, describeValue, rethrowAs } from "../_checks.ts";
import type { StepCtx } from "./context.ts";
import { NonFiniteLossError } from "./errors.ts";
import { stepKey } from "./state.ts";
import { missing, type ModelStage, type Stage, stage } from "./_stage_base.ts";

export type { ModelStage, OptimizerStage, Stage } from "./_stage_base.ts";
export { mapGrads, step } from "./update_stages.ts";

function site(ctx: StepCtx) {
  return { step: ctx.state.step, epoch: ctx.batch.epoch, batch: ctx.batch.index };
}

/** Checks that `value` is a scalar tensor (one element); `what` names it in the message. */
function checkScalar(op: string, what: string, value: unknown): Tensor {
  if (!isTensor(value) || value.data.length !== 1) {
    throw new TypeError(
      `${op}: ${what} must be a scalar tensor (one element), got ${
        isTensor(value) ? `shape ${formatShape(value.shape)}` : describeValue(value)
      }`,
    );
  }
  return value;
}

/**
 * Runs the model on `batch.x` in training mode, in a new {@linkcode Trace} on
 * `state.backend` that watches `state.params`, with the key `stepKey(state.key, state.step)`
 * (so dropout is reproducible). Records the trace, the prediction, the next model state and
 * the model's auxiliary terms, for `backward`.
 *
 * @example
 * ```ts
 * import { forward } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import type { Layer } from "../layers/layer.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const double: Layer<null, null> = {
 *   init: (_k, s) => ({ outShape: s, params: null, state: null }),
 *   apply: (t, _p, state, x) => ({ y: t.add(x, x), state }),
 * };
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const batch = { x: tensor([[1], [2]]), y: tensor([[1], [2]]), epoch: 0, index: 0, size: 2 };
 * const ctx = await lastValueFrom(of({ state, batch }).pipe(forward(double)));
 * if (ctx.y?.data[1] !== 4 || ctx.trace === undefined) throw new Error("unexpected");
 * ```
 */
export function forward<P extends Tree, S extends Tree>(model: Layer<P, S>): ModelStage<P, S> {
  checkLayer("forward", model);
  return map(<O>(ctx: StepCtx<P, S, O>): StepCtx<P, S, O> => {
    const { params, modelState, key, step, backend } = ctx.state;
    const trace = new Trace(backend);
    trace.watch(params);
    const out = model.apply(
      trace.ops,
      params,
      modelState,
      ctx.batch.x,
      trainContext(stepKey(key, step)),
    );
    return { ...ctx, trace, y: out.y, modelState: out.state, aux: out.aux };
  }) as unknown as ModelStage<P, S>;
}

/**
 * Continues the trace `forward` opened: the data loss `loss(t, y, batch.y)`, plus every
 * auxiliary term of the model, is the objective, and its gradient with respect to
 * `state.params` is pulled back through the trace. Fills `loss` (the objective), `dataLoss`,
 * `auxLosses` (by name) and `grads`. A NaN or infinite objective throws
 * {@linkcode NonFiniteLossError} (naming step, epoch and batch), which ends the run.
 *
 * @example
 * ```ts
 * import { backward, forward } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import type { Layer } from "../layers/layer.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * // y = x·w with w = [[2]]; the loss is y summed over the batch of two.
 * const model: Layer<{ w: Tensor }, null> = {
 *   init: () => { throw new Error("not needed"); },
 *   apply: (t, p, state, x) => ({ y: t.matmul(x, p.w), state }),
 * };
 * const sum = (t: Parameters<Layer["apply"]>[0], y: Tensor) => t.matmul(tensor([[1, 1]]), y);
 * const state = { params: { w: tensor([[2]]) }, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const batch = { x: tensor([[1], [3]]), y: tensor([[0], [0]]), epoch: 0, index: 0, size: 2 };
 * const out = await lastValueFrom(of({ state, batch }).pipe(forward(model), backward(sum)));
 * if (out.loss !== 8 || out.grads?.w.data[0] !== 4) throw new Error("unexpected");
 * ```
 */
export function backward(loss: Loss): Stage {
  checkFunction("backward", "the loss", loss, "a loss (t, prediction, target) => scalar tensor");
  return stage((ctx) => {
    const { trace, y } = ctx;
    if (trace === undefined || y === undefined) {
      throw missing("backward", "trace and prediction", "forward(model)");
    }
    const t = trace.ops;
    const data = checkScalar(
      "backward",
      "the loss",
      rethrowAs("backward", () => loss(t, y, ctx.batch.y)),
    );
    let objective = data;
    const auxLosses: Record<string, number> = {};
    for (const [name, term] of Object.entries(ctx.aux ?? {})) {
      checkScalar("backward", `the auxiliary term ${name}`, term);
      auxLosses[name] = term.data[0];
      objective = t.add(objective, term);
    }
    const value = objective.data[0];
    if (!Number.isFinite(value)) throw new NonFiniteLossError("loss", value, site(ctx));
    const grads = trace.pullback(
      objective,
      full(objective.shape, 1, objective.dtype),
      ctx.state.params,
    );
    return { ...ctx, loss: value, dataLoss: data.data[0], auxLosses, grads };
  });
}

/**
 * Adds a penalty on the parameters (L2, L1, ...): `valueAndGrad` of `penalty(t, params)` in
 * a small trace of its own on `state.backend`, its value to `penalty` and its gradient to
 * `grads`. Several `regularize` stages add up.
 *
 * @example
 * ```ts
 * import { regularize } from "./stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import type { Ops } from "../autodiff/ops.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const w = tensor([3]);
 * const ctx = {
 *   state: { params: { w }, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) },
 *   batch: { x: w, y: w, epoch: 0, index: 0, size: 1 },
 *   grads: { w: tensor([1]) },
 * };
 * // 0.5 * w²: value 4.5, gradient w = 3.
 * const half = (t: Ops, p: unknown) => { const v = (p as { w: Tensor }).w; return t.mul(tensor([0.5]), t.mul(v, v)); };
 * const out = await lastValueFrom(of(ctx).pipe(regularize(half)));
 * if (out.penalty !== 4.5 || out.grads!.w.data[0] !== 4) throw new Error("unexpected");
 * ```
 */
export function regularize(penalty: Penalty): Stage {
  checkFunction("regularize", "the penalty", penalty, "a penalty (t, params) => scalar tensor");
  return stage((ctx) => {
    if (ctx.grads === undefined) throw missing("regularize", "grads", "backward(loss)");
    const { params, backend } = ctx.state;
    const [value, g] = rethrowAs(
      "regularize",
      () => valueAndGrad((t, p) => penalty(t, p), params, { backend }),
    );
    assertSameStructure("regularize", ctx.grads, g);
    const t = untraced(backend);
    const grads = treeMap((a, b) => t.add(a, b), ctx.grads, g);
    const total = (ctx.penalty ?? 0) + value;
    if (!Number.isFinite(total)) throw new NonFiniteLossError("penalty", total, site(ctx));
    return { ...ctx, penalty: total, grads };
  });
}
