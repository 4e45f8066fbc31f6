/**
 * Shape layers: `flatten()` and `reshapeLayer(shape)`, each example's elements in row-major
 * order under a new shape, the batch axis kept.
 *
 * @module
 */

import { describeValue } from "../_checks.ts";
import { formatShape, type Shape, sizeOf } from "../tensor.ts";
import { checkBatch, checkContext, checkInitArgs, checkNone } from "./_layer_checks.ts";
import type { Layer } from "./layer.ts";

/** The example shape `target` resolves to for examples of shape `inShape` (one `-1` inferred). */
function resolve(op: string, target: Shape, inShape: Shape): number[] {
  const size = sizeOf(inShape);
  const free = target.indexOf(-1);
  const known = target.reduce((n, d) => (d === -1 ? n : n * d), 1);
  const out = [...target];
  if (free >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new TypeError(
        `Cannot ${op}: examples of shape ${formatShape(inShape)} (${size} elements) do not ` +
          `fit the shape ${formatShape(target)}`,
      );
    }
    out[free] = size / known;
  } else if (known !== size) {
    throw new TypeError(
      `Cannot ${op}: examples of shape ${formatShape(inShape)} have ${size} elements, ` +
        `but the shape ${formatShape(target)} holds ${known}`,
    );
  }
  return out;
}

/**
 * A parameter-free layer from an example-shape function, as `t.reshape` of the whole batch.
 */
function shapeLayer(op: string, target: (inShape: Shape) => number[]): Layer<null, null> {
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      return { outShape: target(inShape), params: null, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkNone(op, "params", params);
      checkNone(op, "state", state);
      checkContext(op, ctx);
      checkBatch(op, x);
      return { y: t.reshape(x, [x.shape[0], ...target(x.shape.slice(1))]), state };
    },
  };
}

/**
 * Flattens each example: a batch `[b, ...rest]` becomes `[b, prod(rest)]` (an image batch
 * `[b, 28, 28, 1]` becomes `[b, 784]`, ready for `dense`). The gradient is `t.reshape`'s, the
 * cotangent reshaped back.
 *
 * @example
 * ```ts
 * import { flatten } from "./reshape.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { zeros } from "../tensor.ts";
 * const layer = flatten();
 * const { outShape } = layer.init(key(0), [28, 28, 1]);
 * if ((outShape as number[]).join() !== "784") throw new Error("unexpected");
 * const { y } = layer.apply(untraced(), null, null, zeros([2, 28, 28, 1]), EVAL);
 * if (y.shape.join() !== "2,784") throw new Error("unexpected");
 * ```
 */
export function flatten(): Layer<null, null> {
  if (arguments.length > 0) {
    throw new TypeError(
      `flatten: takes no arguments, got ${arguments.length} (for another shape use ` +
        `reshapeLayer(shape))`,
    );
  }
  return shapeLayer("flatten", (inShape) => [sizeOf(inShape)]);
}

/**
 * Reshapes each example to `shape` (no batch axis; one entry may be `-1`, inferred from the
 * example's size). The example's element count must match (a `TypeError` at `init` or
 * `apply`). Named `reshapeLayer` because `reshape` is the primitive (`t.reshape`).
 *
 * @example
 * ```ts
 * import { reshapeLayer } from "./reshape.ts";
 * import { key } from "../random.ts";
 * const { outShape } = reshapeLayer([-1, 2]).init(key(0), [3, 4]);
 * if ((outShape as number[]).join() !== "6,2") throw new Error("unexpected");
 * ```
 */
export function reshapeLayer(shape: Shape): Layer<null, null> {
  const op = "reshapeLayer";
  const bad = !Array.isArray(shape) ||
    shape.some((d) => !(Number.isInteger(d) && (d >= 0 || d === -1))) ||
    shape.filter((d) => d === -1).length > 1;
  if (bad) {
    throw new TypeError(
      `${op}: shape must be an array of non-negative integers with at most one -1, got ${
        describeValue(shape)
      }`,
    );
  }
  const target = [...shape];
  return shapeLayer(op, (inShape) => resolve(op, target, inShape));
}
