/**
 * The stages after `backward`: `step` (the optimiser's update, applied) and `mapGrads` (any
 * rewrite of the gradients between `backward` and `step`). Re-exported by `stages.ts`.
 *
 * @module
 */

import { map, type OperatorFunction } from "rxjs";
import { untraced } from "../autodiff/ops.ts";
import { applyUpdates } from "../optim/chain.ts";
import type { Transform } from "../optim/transform.ts";
import type { Tree } from "../tree.ts";
import { checkFunction, checkTransform, rethrowAs } from "../_checks.ts";
import type { StepCtx } from "./context.ts";
import type { TrainState } from "./state.ts";
import { missing, type OptimizerStage } from "./_stage_base.ts";

/**
 * Applies the optimiser: `[updates, optState] = optimizer.update(grads, optState, params, t)`
 * and `applyUpdates(params, updates, t)`, with `t = untraced(state.backend)`; adopts the model
 * state from `forward`, counts the step and records the batch's epoch. The optimiser is the
 * one the state was made for: its type is the state's (`initTrain`), so another optimiser is a
 * type error. Drops the spent trace (and the activations it holds).
 *
 * @example
 * ```ts
 * import { step } from "./update_stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import type { Transform } from "../optim/transform.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { scalar, tensor, type Tensor } from "../tensor.ts";
 * import { treeMap } from "../tree.ts";
 * const halfStep: Transform<null> = {
 *   init: () => null,
 *   update: (g, s, _p, t) => [treeMap((x: Tensor) => t!.mul(x, scalar(-0.5)), g), s],
 * };
 * const ctx = {
 *   state: { params: { w: tensor([1]) }, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) },
 *   batch: { x: tensor([0]), y: tensor([0]), epoch: 3, index: 0, size: 1 },
 *   grads: { w: tensor([2]) },
 * };
 * const out = await lastValueFrom(of(ctx).pipe(step(halfStep)));
 * if (out.state.params.w.data[0] !== 0 || out.state.step !== 1 || out.state.epoch !== 3) throw new Error("unexpected");
 * ```
 */
export function step<O>(optimizer: Transform<O>): OptimizerStage<O> {
  checkTransform("step", optimizer);
  return map(<P extends Tree, S extends Tree>(ctx: StepCtx<P, S, O>): StepCtx<P, S, O> => {
    if (ctx.grads === undefined) throw missing("step", "grads", "backward(loss)");
    const { state } = ctx;
    const t = untraced(state.backend);
    const grads = ctx.grads as Tree;
    // An optimiser's declared fused step (Transform.updateParams) when it has one.
    const [params, optState] = rethrowAs("step", (): [P, O] => {
      if (typeof optimizer.updateParams === "function") {
        return optimizer.updateParams(grads, state.optState, state.params, t) as [P, O];
      }
      const [updates, next] = optimizer.update(grads, state.optState, state.params, t);
      return [applyUpdates(state.params, updates, t), next];
    });
    const next: TrainState<P, S, O> = Object.freeze({
      params,
      modelState: ctx.modelState === undefined ? state.modelState : ctx.modelState,
      optState,
      backend: state.backend,
      step: state.step + 1,
      epoch: ctx.batch.epoch,
      key: state.key,
    });
    return { ...ctx, state: next, trace: undefined };
  }) as unknown as OptimizerStage<O>;
}

/**
 * An operator that replaces `grads` with `fn(grads, ctx)`: the place for gradient clipping,
 * noise or masking between `backward` and `step`.
 *
 * @example
 * ```ts
 * import { mapGrads } from "./update_stages.ts";
 * import { lastValueFrom, of } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * import { treeMap } from "../tree.ts";
 * const ctx = {
 *   state: { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) },
 *   batch: { x: tensor([0]), y: tensor([0]), epoch: 0, index: 0, size: 1 },
 *   grads: { w: tensor([5, -5]) },
 * };
 * const clip = mapGrads((g) => treeMap((t) => tensor(t.data.map((v) => Math.max(-1, Math.min(1, v))), t.shape), g));
 * const out = await lastValueFrom(of(ctx).pipe(clip));
 * if ((out.grads as typeof ctx.grads).w.data.join() !== "1,-1") throw new Error("unexpected");
 * ```
 */
export function mapGrads<P extends Tree, S extends Tree, O>(
  fn: (grads: P, ctx: StepCtx<P, S, O>) => P,
): OperatorFunction<StepCtx<P, S, O>, StepCtx<P, S, O>> {
  checkFunction("mapGrads", "fn", fn, "a function (grads, ctx) => grads");
  return map((ctx) => {
    if (ctx.grads === undefined) throw missing("mapGrads", "grads", "backward(loss)");
    return { ...ctx, grads: fn(ctx.grads, ctx) };
  });
}
