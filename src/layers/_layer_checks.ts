/**
 * Argument checks shared by the layers' `init` and `apply`: the key and example shape, the
 * context, the input batch, and the structure of parameters and state, each under the name of
 * the layer factory the user called (`dense`, `batchNorm`, ...). Private to `src/layers/`.
 *
 * They run once per call on shapes and structure (a few comparisons), never per element.
 *
 * @module
 */

import { checkKey, checkShape, describeValue } from "../_checks.ts";
import { describeTreeOf } from "../_tree_walk.ts";
import { formatShape, isTensor, type Shape, type Tensor } from "../tensor.ts";
import type { ApplyContext, ShapeTree } from "./layer.ts";
import { checkOps } from "../autodiff/ops.ts";

/**
 * `init`'s arguments for a layer over one tensor: a key and the shape of one example (no batch
 * axis). A tree of shapes (`[[3], [5]]`, `{ a: [3] }`) is a `TypeError` naming the layer.
 */
export function checkInitArgs(
  op: string,
  key: unknown,
  inShape: unknown,
): asserts inShape is Shape {
  checkKey(`${op} init`, key);
  checkSingleShape(op, inShape);
  checkShape(`${op} init`, inShape, "the example shape inShape");
}

/**
 * A layer over one tensor cannot take a tree of shapes (the output of `parallel(..., { combine:
 * "tuple" })`, say): a `TypeError` naming the layer and saying what it got.
 */
export function checkSingleShape(op: string, inShape: unknown): void {
  const isTree = (typeof inShape === "object" && inShape !== null && !Array.isArray(inShape)) ||
    (Array.isArray(inShape) &&
      inShape.some((d) => Array.isArray(d) || (typeof d === "object" && d !== null)));
  if (isTree) {
    throw new TypeError(
      `${op} init: takes one tensor per example, so inShape must be a shape such as [784], ` +
        `got the tree of shapes ${describeShapeTree(inShape)} (combine the branches first)`,
    );
  }
}

/** A shape tree as text: `[3]`, `[[3],[5]]`, `{a:[3],b:[2,2]}`. */
export function describeShapeTree(s: unknown, depth = 0): string {
  if (Array.isArray(s) && s.every((d) => typeof d === "number")) return formatShape(s);
  if (depth < 8 && Array.isArray(s)) {
    return `[${s.map((c) => describeShapeTree(c, depth + 1)).join(",")}]`;
  }
  if (depth < 8 && typeof s === "object" && s !== null) {
    return `{${
      Object.entries(s).map(([k, c]) => `${k}:${describeShapeTree(c, depth + 1)}`).join(",")
    }}`;
  }
  return describeValue(s);
}

/**
 * `init`'s arguments for a layer that takes any tree of shapes (a combinator): a key and a
 * shape, or an array or record of them.
 */
export function checkInitTreeArgs(
  op: string,
  key: unknown,
  inShape: unknown,
): asserts inShape is ShapeTree {
  checkKey(`${op} init`, key);
  checkShapeTree(`${op} init`, inShape, "the example shape inShape");
}

function checkShapeTree(op: string, s: unknown, what: string, depth = 0): void {
  if (Array.isArray(s) && s.every((d) => typeof d === "number")) {
    checkShape(op, s, what);
    return;
  }
  if (depth < 32 && Array.isArray(s) && s.length > 0) {
    s.forEach((c, i) => checkShapeTree(op, c, `${what}[${i}]`, depth + 1));
    return;
  }
  if (depth < 32 && typeof s === "object" && s !== null && !Array.isArray(s)) {
    const entries = Object.entries(s);
    if (entries.length > 0) {
      for (const [k, c] of entries) checkShapeTree(op, c, `${what}.${k}`, depth + 1);
      return;
    }
  }
  throw new TypeError(
    `${op}: ${what} must be a shape (an array of sizes) or a tree of shapes, got ${
      describeValue(s)
    }`,
  );
}

/**
 * `apply`'s context: an object with a boolean `training` and, if present, a valid `key`
 * (a `TypeError` with the fix: `trainContext(key)` or `EVAL`).
 */
export function checkContext(op: string, ctx: unknown, t: unknown): asserts ctx is ApplyContext {
  checkOps(`Cannot ${op}`, t);
  const c = ctx as { training?: unknown; key?: unknown } | null;
  if (typeof c !== "object" || c === null || typeof c.training !== "boolean") {
    throw new TypeError(
      `Cannot ${op}: the context must be { training: boolean, key? }, got ${
        describeValue(ctx)
      } (pass trainContext(key) while training or EVAL to evaluate)`,
    );
  }
  if (c.key !== undefined) checkKey(`Cannot ${op}`, c.key, "the context's key");
}

/** The input batch: a tensor of rank at least `minRank` (`[batch, ...inShape]`). */
export function checkBatch(op: string, x: unknown, minRank = 1): asserts x is Tensor {
  if (!isTensor(x) || x.shape.length < minRank) {
    throw new TypeError(
      `Cannot ${op}: expected a batch [batch, ...inShape] of rank >= ${minRank}, got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
}

/** Parameters or state of a layer that has none must be `null`, as `init` returned them. */
export function checkNone(op: string, what: "params" | "state", value: unknown): void {
  if (value !== null) {
    throw new TypeError(
      `Cannot ${op}: this layer has no ${what}, so ${what} must be null (as init returned ` +
        `it), got ${describeTreeOf(value)}`,
    );
  }
}

/**
 * A parameter or state object with exactly the given keys (`{w, b}`), each checked by the
 * layer itself afterwards; a `TypeError` giving the expected and the given structure.
 */
export function checkRecord(
  op: string,
  what: "params" | "state",
  value: unknown,
  expected: string,
  keys: readonly string[],
): asserts value is Record<string, unknown> {
  const ok = typeof value === "object" && value !== null && !Array.isArray(value) &&
    !isTensor(value) && Object.keys(value).length === keys.length &&
    keys.every((k) => Object.hasOwn(value, k));
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: ${what} must have the structure ${expected} (as init returned it), got ${
        describeTreeOf(value)
      }`,
    );
  }
}

/** The checks of a parameter-free layer's `apply`: no params, no state, a context, a batch. */
export function checkFreeApply(
  name: string,
  t: unknown,
  params: unknown,
  state: unknown,
  x: unknown,
  ctx: unknown,
) {
  checkNone(name, "params", params);
  checkNone(name, "state", state);
  checkContext(name, ctx, t);
  checkBatch(name, x);
}
