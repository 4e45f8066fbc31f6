/**
 * `bidirectional`: a recurrent layer run forward and backward in time, outputs combined.
 *
 * @module
 */

import { split } from "../random.ts";
import { allocate, formatShape, fromTypedArray, isTensor, type Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import { checkKey, checkOptions, describeValue } from "../_checks.ts";
import { describeTreeOf } from "../_tree_walk.ts";
import type { Layer } from "./layer.ts";
import { atLayer, checkPerLayer } from "./_combinator.ts";
import { checkContext } from "./_layer_checks.ts";
import type { RecurrentLayer, RecurrentOutput } from "./recurrent.ts";
import { isRecurrent } from "./_is_recurrent.ts";

/** Options of {@linkcode bidirectional}. */
export interface BidirectionalOptions {
  /**
   * How the two directions' outputs meet: `"concat"` (default) along the last axis (`2·units`
   * features), `"sum"` elementwise.
   */
  combine?: "concat" | "sum";
}

/** The input of {@linkcode bidirectional}: a batch `[batch, time, features]` or `{ inputs, mask? }`. */
export type BidirectionalInput = Tensor | { readonly inputs: Tensor; readonly mask?: Tensor };

/**
 * Runs `layer` (made by `rnn`, `lstm` or `gru`, with output `"sequence"` or `"last"`, not
 * stateful) over the sequence and, with parameters of its own, over the sequence reversed in
 * time; the backward outputs are put back in time order and combined with the forward ones.
 * With `"last"` the backward direction's output is its final state, the one that has read the
 * sequence back to step 0 (as Keras has it). Masks are honoured: reversed, trailing padding
 * comes first, where the state stays at zero, so each direction reads exactly the valid steps.
 * Parameters and state are `[forward, backward]`; the gradient is the trace's (the reversal is
 * `take`).
 *
 * @example
 * ```ts
 * import { bidirectional } from "./bidirectional.ts";
 * import { gru } from "./gru.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { ones } from "../tensor.ts";
 * const layer = bidirectional(gru(3), { combine: "concat" });
 * const { outShape, params, state } = layer.init(key(0), [4, 2]);
 * const { y } = layer.apply(untraced(), params, state, ones([2, 4, 2]), EVAL);
 * if (outShape.toString() !== "4,6" || y.shape.join() !== "2,4,6") throw new Error("unexpected");
 * ```
 */
export function bidirectional<P extends Tree, St extends Tree, O extends RecurrentOutput>(
  layer: RecurrentLayer<P, St, O>,
  options: BidirectionalOptions = {},
): Layer<readonly [P, P], readonly [null, null], BidirectionalInput, Tensor> {
  const op = "bidirectional";
  if (!isRecurrent(layer)) {
    throw new TypeError(
      `${op}: the layer must be made by rnn, lstm or gru, got ${describeValue(layer)}`,
    );
  }
  const { output, stateful, cell } = layer.recurrent;
  if (output === "both" || stateful) {
    throw new RangeError(
      `${op}: the ${cell} layer must have output "sequence" or "last" and not be stateful, ` +
        `got output ${JSON.stringify(output)}${stateful ? " with stateful: true" : ""}`,
    );
  }
  const { combine = "concat" } = checkOptions(op, options, ["combine"]);
  if (combine !== "concat" && combine !== "sum") {
    const Ctor = typeof combine === "string" ? RangeError : TypeError;
    throw new Ctor(`${op}: combine must be "concat" or "sum", got ${describeValue(combine)}`);
  }
  const inner = layer as unknown as Layer<P, null, Tree, Tensor>;
  const names = ["forward", "backward"];
  return {
    name: op,
    children: { wiring: "branch", layers: [layer, layer] },
    init: (key, inShape) => {
      checkKey(`${op} init`, key);
      const keys = split(key);
      const r = [0, 1].map((i) => atLayer(op, i, 2, () => inner.init(keys[i], inShape), names[i]));
      const out = r[0].outShape as number[];
      const outShape = combine === "concat"
        ? [...out.slice(0, -1), 2 * out[out.length - 1]]
        : [...out];
      return {
        outShape,
        params: [r[0].params, r[1].params] as const,
        state: [null, null] as const,
      };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      checkPerLayer(op, "params", params, 2);
      checkPerLayer(op, "state", state, 2);
      const { inputs, mask } = parse(op, x);
      const time = inputs.shape[1];
      const order = Array.from({ length: time }, (_, s) => time - 1 - s);
      const reversed = t.take(inputs, order, 1);
      const back: Tree = mask === undefined
        ? reversed
        : { inputs: reversed, mask: reverseMask(mask) };
      const fwd = atLayer(op, 0, 2, () => inner.apply(t, params[0], null, x, ctx).y, names[0]);
      let bwd = atLayer(op, 1, 2, () => inner.apply(t, params[1], null, back, ctx).y, names[1]);
      if (output === "sequence") bwd = t.take(bwd, order, 1);
      const y = combine === "sum" ? t.add(fwd, bwd) : t.concat([fwd, bwd], -1);
      return { y, state };
    },
  };
}

function parse(op: string, x: unknown): { inputs: Tensor; mask?: Tensor } {
  const ok = isTensor(x) ||
    (typeof x === "object" && x !== null && !Array.isArray(x) && "inputs" in x &&
      Object.keys(x).every((k) => k === "inputs" || k === "mask"));
  if (!ok) {
    throw new TypeError(
      `Cannot ${op}: the input must be a tensor [batch, time, features] or { inputs, mask? }, ` +
        `got ${describeTreeOf(x)}`,
    );
  }
  const { inputs, mask } = isTensor(x) ? { inputs: x, mask: undefined } : x as {
    inputs: unknown;
    mask?: unknown;
  };
  if (!isTensor(inputs) || inputs.shape.length !== 3) {
    throw new TypeError(
      `Cannot ${op}: expected inputs [batch, time, features] of rank 3, got ${
        isTensor(inputs) ? `shape ${formatShape(inputs.shape)}` : describeValue(inputs)
      }`,
    );
  }
  if (mask !== undefined && (!isTensor(mask) || mask.shape.length !== 2)) {
    throw new TypeError(
      `Cannot ${op}: the mask must be a tensor [batch, time], got ${describeValue(mask)}`,
    );
  }
  return { inputs, mask: mask as Tensor | undefined };
}

/** The mask `[batch, time]` with each row reversed in time (a constant). */
function reverseMask(mask: Tensor): Tensor {
  const [batch, time] = mask.shape;
  const out = allocate(mask.dtype, mask.data.length);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < time; s++) out[b * time + s] = mask.data[b * time + time - 1 - s];
  }
  return fromTypedArray(out, mask.shape);
}
