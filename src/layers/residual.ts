/**
 * `residual`: a skip connection, `y = x + f(x)`.
 *
 * @module
 */

import { formatShape, isTensor, shapesEqual, type Tensor } from "../tensor.ts";
import { type Tree, treeMap } from "../tree.ts";
import type { Layer, TreeLayer } from "./layer.ts";
import { atLayer, checkApplyResult, checkInitResult } from "./_combinator.ts";
import { checkBatch, checkContext, checkInitTreeArgs, describeShapeTree } from "./_layer_checks.ts";
import { describeValue } from "../_checks.ts";

/**
 * A skip connection: `y = x + f(x)`. The inner layer must map each example to its own shape
 * (a `TypeError` at `init`, or at `apply` if it does not); over a tree input, leaf by leaf.
 * Parameters and state are the inner layer's, unwrapped, and so are its auxiliary terms. The
 * forward code is `t.add(x, f(x))`, so the input's cotangent is `dy` plus `f`'s pullback of it.
 *
 * @example
 * ```ts
 * import { residual } from "./residual.ts";
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * import { zerosInit } from "../init.ts";
 * // With zero weights the inner layer outputs 0, so the block is the identity.
 * const block = residual(dense(2, { init: zerosInit }));
 * const { params, state } = block.init(key(0), [2]);
 * const { y } = block.apply(untraced(), params, state, tensor([[1, -2]]), EVAL);
 * if (y.data[0] !== 1 || y.data[1] !== -2) throw new Error("unexpected");
 * ```
 */
export function residual<P extends Tree, S extends Tree, X extends Tree = Tensor>(
  layer: Layer<P, S, X, X>,
): Layer<P, S, X, X> {
  if (typeof layer?.init !== "function" || typeof layer?.apply !== "function") {
    throw new TypeError(
      `residual: the argument is not a layer (an { init, apply } pair), got ${
        describeValue(layer)
      }`,
    );
  }
  const mismatch = (from: string, to: string) =>
    new TypeError(
      `Cannot residual: y = x + f(x) needs f to keep the shape, but it maps ${from} to ${to}`,
    );
  const inner = <T>(fn: () => T) => atLayer("residual", 0, 1, fn, layer.name);
  return {
    name: "residual",
    children: { wiring: "branch", layers: [layer as TreeLayer] },
    init: (key, inShape) => {
      checkInitTreeArgs("residual", key, inShape);
      const r = inner(() => {
        const out = layer.init(key, inShape);
        checkInitResult(out);
        return out;
      });
      const from = describeShapeTree(inShape), to = describeShapeTree(r.outShape);
      if (from !== to) throw mismatch(from, to);
      return { outShape: r.outShape, params: r.params, state: r.state };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext("residual", ctx);
      if (isTensor(x)) checkBatch("residual", x);
      const r = inner(() => {
        const out = layer.apply(t, params, state, x, ctx);
        checkApplyResult(out);
        return out;
      });
      let y: X;
      try {
        y = treeMap(
          (a: Tensor, b: Tensor) => {
            if (!shapesEqual(a.shape, b.shape)) {
              throw mismatch(formatShape(a.shape), formatShape(b.shape));
            }
            return t.add(a, b);
          },
          x,
          r.y as Tree,
        ) as X;
      } catch (e) {
        if (e instanceof TypeError && !e.message.startsWith("Cannot residual")) {
          throw mismatch(shapesOf(x), shapesOf(r.y));
        }
        throw e;
      }
      const out = { y, state: r.state };
      return r.aux === undefined ? out : { ...out, aux: r.aux };
    },
  };
}

/** The shapes of a tree's tensors, written as a shape tree (`[2,3]`, `{a:[1,2]}`). */
function shapesOf(v: unknown, depth = 0): string {
  if (isTensor(v)) return formatShape(v.shape);
  if (depth < 8 && Array.isArray(v)) return `[${v.map((c) => shapesOf(c, depth + 1)).join(",")}]`;
  if (depth < 8 && typeof v === "object" && v !== null) {
    return `{${Object.entries(v).map(([k, c]) => `${k}:${shapesOf(c, depth + 1)}`).join(",")}}`;
  }
  return describeValue(v);
}
