/**
 * `timeDistributed`: a layer applied to every step of a sequence.
 *
 * @module
 */

import { formatShape, isTensor, type Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import { checkKey, describeValue } from "../_checks.ts";
import type { Layer } from "./layer.ts";
import { atLayer, checkLayers } from "./_combinator.ts";
import { checkContext } from "./_layer_checks.ts";

/**
 * Applies `layer` to each step of a sequence batch `[batch, time, ...step]` with the same
 * parameters: the batch and time axes are merged (`t.reshape` to `[batch·time, ...step]`),
 * `layer` runs once on all the steps, and the result is split back to `[batch, time, ...out]`
 * (Keras's `TimeDistributed`). What a recurrent layer with output `"sequence"` needs under it
 * for one prediction per step: `serial(lstm(128), timeDistributed(dense(vocabulary)))`.
 * Parameters and state are the layer's own; its gradient is the trace's.
 *
 * @example
 * ```ts
 * import { timeDistributed } from "./time_distributed.ts";
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = timeDistributed(dense(5));
 * const { outShape, params, state } = layer.init(key(0), [7, 3]);
 * const { y } = layer.apply(untraced(), params, state, ones([2, 7, 3]), EVAL);
 * if (outShape.toString() !== "7,5" || y.shape.join() !== "2,7,5") throw new Error("unexpected");
 * ```
 */
export function timeDistributed<P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
): Layer<P, S> {
  const op = "timeDistributed";
  checkLayers(op, [layer]);
  const name = layer.name;
  return {
    name: op,
    children: { wiring: "chain", layers: [layer] },
    init: (key, inShape) => {
      checkKey(`${op} init`, key);
      if (
        !Array.isArray(inShape) || inShape.length < 2 ||
        !inShape.every((d) => Number.isInteger(d) && d >= 1)
      ) {
        throw new TypeError(
          `${op} init: examples must be sequences [time, ...step] of rank >= 2, got ${
            describeValue(inShape)
          }`,
        );
      }
      const [time, ...step] = inShape as number[];
      const r = atLayer(op, 0, 1, () => layer.init(key, step), name);
      const out = r.outShape;
      if (!Array.isArray(out) || !out.every((d) => typeof d === "number")) {
        throw new TypeError(
          `${op} init: the layer must return one tensor per step, got the output shape ${
            describeValue(out)
          }`,
        );
      }
      return { outShape: [time, ...(out as number[])], params: r.params, state: r.state };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      if (!isTensor(x) || x.shape.length < 3) {
        throw new TypeError(
          `Cannot ${op}: expected a batch of sequences [batch, time, ...step] of rank >= 3, got ${
            isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
          }`,
        );
      }
      const [batch, time, ...step] = x.shape;
      const flat = t.reshape(x, [batch * time, ...step]);
      const r = atLayer(op, 0, 1, () => layer.apply(t, params, state, flat, ctx), name);
      const y = r.y as Tensor;
      if (!isTensor(y) || y.shape[0] !== batch * time) {
        throw new TypeError(
          `Cannot ${op}: the layer must return one tensor with a row per step, got ${
            describeValue(y)
          }`,
        );
      }
      const out = t.reshape(y, [batch, time, ...y.shape.slice(1)]);
      return r.aux === undefined
        ? { y: out, state: r.state }
        : { y: out, state: r.state, aux: r.aux };
    },
  };
}
