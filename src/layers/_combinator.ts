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
import type { Ops } from "../autodiff/ops.ts";
import type { Tensor } from "../tensor.ts";
import type { ApplyContext, Aux } from "./layer.ts";

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

/** Each argument of a combinator must be a layer (an `{ init, apply }` pair). */
export function checkLayers(op: string, layers: readonly unknown[]): void {
  layers.forEach((layer, i) => {
    const l = layer as { init?: unknown; apply?: unknown } | null | undefined;
    if (typeof l?.init !== "function" || typeof l?.apply !== "function") {
      throw new TypeError(
        `${op}: argument ${i} is not a layer (an { init, apply } pair), got ${
          describeValue(layer)
        }${typeof layer === "function" ? " (call the factory: dense(8), not dense)" : ""}`,
      );
    }
  });
}

/**
 * What a layer's `init` returned must be `{ outShape, params, state }` (a hand-written layer),
 * `outShape` a shape or a tree of shapes.
 */
export function checkInitResult(r: unknown): void {
  const o = r as { outShape?: unknown } | null;
  if (
    typeof o !== "object" || o === null || typeof o.outShape !== "object" || o.outShape === null
  ) {
    throw new TypeError(
      `init must return { outShape, params, state }, got ${describeValue(r)}`,
    );
  }
}

/**
 * The auxiliary terms of two layers together (each checked by `checkApplyResult`): terms of
 * the same name are added (through `t`, so their gradients flow), others kept. `undefined`
 * when neither has any.
 */
export function sumAux(t: Ops, a: Aux | undefined, b: Aux | undefined): Aux | undefined {
  if (b === undefined) return a;
  if (a === undefined) return b;
  const out: Record<string, Tensor> = { ...a };
  for (const [name, value] of Object.entries(b)) {
    out[name] = name in out ? t.add(out[name], value) : value;
  }
  return out;
}

function checkAux(aux: unknown): void {
  if (typeof aux !== "object" || aux === null || Array.isArray(aux) || isTensor(aux)) {
    throw new TypeError(
      `apply's aux must be a record of named scalar tensors, got ${describeValue(aux)}`,
    );
  }
  for (const [name, value] of Object.entries(aux)) {
    if (!isTensor(value) || value.data.length !== 1) {
      throw new TypeError(
        `apply's aux term "${name}" must be a scalar tensor (one element), got ${
          describeValue(value)
        }`,
      );
    }
  }
}

/** What a layer's `apply` returned must be `{ y, state }` (and `aux`, if any, a record of scalars). */
export function checkApplyResult(r: unknown): void {
  const o = r as { y?: unknown } | null;
  if (typeof o !== "object" || o === null || !("y" in o) || !("state" in o)) {
    throw new TypeError(`apply must return { y, state, aux? }, got ${describeValue(r)}`);
  }
  const aux = (o as { aux?: unknown }).aux;
  if (aux !== undefined) checkAux(aux);
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
