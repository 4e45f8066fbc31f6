/**
 * Helpers shared by the combinators (`serial`, `parallel`). Private to `src/layers/` (not
 * re-exported).
 *
 * @module
 */

import { describeTreeOf } from "../_tree_walk.ts";
import { describeValue } from "../_checks.ts";
import { isTensor } from "../tensor.ts";
import { split } from "../random.ts";
import type { ApplyContext } from "./layer.ts";

/**
 * Runs `fn`, prefixing the message of a `TypeError` or `RangeError` it throws with which
 * layer of a combinator raised it, so a shape error deep in a model says where it happened.
 */
export function atLayer<T>(
  op: string,
  index: number,
  count: number,
  fn: () => T,
  name?: string,
): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      const Ctor = e instanceof TypeError ? TypeError : RangeError;
      const what = typeof name === "string" && name !== "" ? `${name}, ` : "";
      throw new Ctor(`${op} layer ${index} (${what}of ${count}): ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** What a layer's `init` returned must be `{ outShape, params, state }` (a hand-written layer). */
export function checkInitResult(r: unknown): void {
  const o = r as { outShape?: unknown } | null;
  if (typeof o !== "object" || o === null || !Array.isArray(o.outShape)) {
    throw new TypeError(
      `init must return { outShape, params, state }, got ${describeValue(r)}`,
    );
  }
}

/**
 * What a layer's `apply` returned must be `{ y, state, vjp }` with `y` a tensor and `vjp` a
 * function (a hand-written layer that forgot one fails here, named, not deep in the next layer).
 */
export function checkApplyResult(r: unknown): void {
  const o = r as { y?: unknown; vjp?: unknown } | null;
  if (
    typeof o !== "object" || o === null || !isTensor(o.y) || typeof o.vjp !== "function" ||
    !("state" in o)
  ) {
    throw new TypeError(
      `apply must return { y: Tensor, state, vjp }, got ${describeValue(r)}`,
    );
  }
}

/**
 * What a layer's VJP returned must be `{ params, x }`. The cotangent `x` is not read here: a
 * layer may compute it only when it is read (dense does, for the first layer of a model).
 */
export function checkVjpResult(r: unknown): void {
  if (typeof r !== "object" || r === null || !("params" in r) || !("x" in r)) {
    throw new TypeError(`the VJP must return { params, x }, got ${describeValue(r)}`);
  }
}

/** Checks that `value` is an array of one entry per layer. */
export function checkPerLayer(op: string, what: string, value: unknown, count: number): void {
  if (!Array.isArray(value) || value.length !== count) {
    const given = Array.isArray(value) ? `an array of ${value.length}: ` : "";
    throw new TypeError(
      `Cannot ${op}: ${what} must be an array with one entry per layer (${count}), got ${given}${
        describeTreeOf(value)
      }`,
    );
  }
}

/** One context per layer: distinct keys split from `ctx.key` when it has one. */
export function splitContext(ctx: ApplyContext, count: number): ApplyContext[] {
  if (ctx.key === undefined) return new Array<ApplyContext>(count).fill(ctx);
  return split(ctx.key, count).map((key) => ({ ...ctx, key }));
}
