/**
 * Operators over the whole stream of steps: gradient accumulation and a moving average of the
 * parameters. They rely on `fit` composing the stages once, so their state (a buffer, an
 * average) lives from batch to batch.
 *
 * @module
 */

import { bufferCount, filter, map, type OperatorFunction, pipe, scan } from "rxjs";
import { untraced } from "../autodiff/ops.ts";
import { scalar, type Tensor } from "../tensor.ts";
import { assertSameStructure, type Tree, treeMap } from "../tree.ts";
import { checkInteger, checkNumber, MAX_ELEMENTS } from "../_checks.ts";
import type { StepCtx } from "./context.ts";

/**
 * Merges contexts that carry gradients into one: the gradients, `loss`, `dataLoss`,
 * `auxLosses` and `penalty` averaged with weights `batch.size` (so for a loss that is a batch
 * mean, the gradient of the concatenated batch); the rest, batch and model state included,
 * from the last context. The trace is dropped. A `TypeError` if one has no gradients.
 *
 * @example
 * ```ts
 * import { mergeGrads } from "./accumulate.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: null, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const ctx = (size: number, g: number) => ({
 *   state, batch: { x: tensor([0]), y: tensor([0]), epoch: 0, index: 0, size }, grads: { w: tensor([g]) }, loss: g,
 * });
 * const m = mergeGrads([ctx(1, 1), ctx(3, 5)]);
 * if (m.grads?.w.data[0] !== 4 || m.loss !== 4) throw new Error("unexpected");
 * ```
 */
export function mergeGrads<P extends Tree, S extends Tree, O>(
  contexts: readonly StepCtx<P, S, O>[],
): StepCtx<P, S, O> {
  if (!Array.isArray(contexts) || contexts.length === 0) {
    throw new TypeError("mergeGrads: needs a non-empty array of step contexts");
  }
  const last = contexts[contexts.length - 1];
  if (contexts.length === 1) return { ...last, trace: undefined };
  const t = untraced(last.state.backend);
  const total = contexts.reduce((n, c) => n + c.batch.size, 0);
  let grads: Tree | undefined;
  contexts.forEach((c, i) => {
    if (c.grads === undefined) {
      throw new TypeError(
        `mergeGrads: context ${i} has no grads; put backward(loss) before accumulating`,
      );
    }
    const w = c.batch.size / total;
    const scaled = treeMap((g: Tensor) => t.mul(g, scalar(w, g.dtype)), c.grads);
    if (grads !== undefined) assertSameStructure("mergeGrads", grads, scaled);
    grads = grads === undefined ? scaled : treeMap((a, b) => t.add(a, b), grads, scaled);
  });
  const mean = (pick: (c: StepCtx<P, S, O>) => number | undefined) =>
    contexts.some((c) => pick(c) === undefined)
      ? undefined
      : contexts.reduce((s, c) => s + pick(c)! * c.batch.size, 0) / total;
  const auxLosses: Record<string, number> = {};
  for (const name of Object.keys(last.auxLosses ?? {})) {
    auxLosses[name] = mean((c) => c.auxLosses?.[name]) ?? NaN;
  }
  return {
    ...last,
    trace: undefined,
    grads: grads as P,
    loss: mean((c) => c.loss),
    dataLoss: mean((c) => c.dataLoss),
    penalty: mean((c) => c.penalty),
    ...(last.auxLosses === undefined ? {} : { auxLosses }),
  };
}

/**
 * Gradient accumulation: gathers `k` contexts (after `backward`, before `step`) and emits one
 * with their gradients averaged by {@linkcode mergeGrads}, so `step` then takes one step per
 * `k` batches, on the average gradient. All `k` forward passes use the same parameters (the
 * state only changes at `step`). At the end of the run a partial group of fewer than `k`
 * batches is merged and stepped too. `bufferCount(k)` then `map(mergeGrads)`, spelled out.
 *
 * @example
 * ```ts
 * import { accumulateGrads } from "./accumulate.ts";
 * import { from, lastValueFrom, toArray } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const state = { params: { w: tensor([0]) }, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) };
 * const ctx = (g: number) => ({
 *   state, batch: { x: tensor([0]), y: tensor([0]), epoch: 0, index: g, size: 2 }, grads: { w: tensor([g]) },
 * });
 * const out = await lastValueFrom(from([1, 2, 3, 4, 5].map(ctx)).pipe(accumulateGrads(2), toArray()));
 * if (out.map((c) => c.grads!.w.data[0]).join() !== "1.5,3.5,5") throw new Error("unexpected");
 * ```
 */
export function accumulateGrads<P extends Tree, S extends Tree, O>(
  k: number,
): OperatorFunction<StepCtx<P, S, O>, StepCtx<P, S, O>> {
  checkInteger("accumulateGrads", "k", k, { min: 1, max: MAX_ELEMENTS });
  return pipe(bufferCount<StepCtx<P, S, O>>(k), map((group) => mergeGrads(group)));
}

/** A step context with an exponential moving average of the parameters. */
export type WithEma<P extends Tree, S extends Tree, O> = StepCtx<P, S, O> & {
  /** The moving average of `state.params` over the steps so far. */
  readonly ema: P;
};

/**
 * Keeps an exponential moving average of the parameters, put after `step`: the first context
 * starts it at `state.params`, each later one sets `ema = decay·ema + (1 − decay)·params`
 * (leaf by leaf, in each parameter's dtype). Emits each context with `ema` added. Evaluate the
 * average with `evaluate(model, { ...ctx.state, params: ctx.ema }, ...)`. A `scan`, spelled out.
 *
 * @example
 * ```ts
 * import { emaParams } from "./accumulate.ts";
 * import { from, lastValueFrom } from "rxjs";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const ctx = (w: number) => ({
 *   state: { params: { w: tensor([w], [1], "float64") }, modelState: null, optState: null, backend: backend("ts"), step: 0, epoch: 0, key: key(0) },
 *   batch: { x: tensor([0]), y: tensor([0]), epoch: 0, index: 0, size: 1 },
 * });
 * const last = await lastValueFrom(from([ctx(0), ctx(10)]).pipe(emaParams(0.9)));
 * if (Math.abs(last.ema.w.data[0] - 1) > 1e-12) throw new Error("unexpected");
 * ```
 */
export function emaParams<P extends Tree, S extends Tree, O>(
  decay: number,
): OperatorFunction<StepCtx<P, S, O>, WithEma<P, S, O>> {
  checkNumber("emaParams", "decay", decay, { min: 0, max: 1 });
  return pipe(
    scan<StepCtx<P, S, O>, WithEma<P, S, O> | undefined>((prev, ctx) => {
      const { params, backend } = ctx.state;
      if (prev === undefined) return { ...ctx, ema: params };
      const t = untraced(backend);
      const ema = treeMap(
        (e: Tensor, p: Tensor) =>
          t.add(t.mul(e, scalar(decay, e.dtype)), t.mul(p, scalar(1 - decay, p.dtype))),
        prev.ema,
        params,
      );
      return { ...ctx, ema };
    }, undefined),
    filter((c): c is WithEma<P, S, O> => c !== undefined),
  );
}
