/**
 * `serial`: layers composed one after another, itself a layer.
 *
 * @module
 */

import { split } from "../random.ts";
import type { Tree } from "../tree.ts";
import type { Aux, Layer, ShapeTree, TreeLayer } from "./layer.ts";
import {
  atLayer,
  checkApplyResult,
  checkInitResult,
  checkLayers,
  checkPerLayer,
  splitContext,
  sumAux,
} from "./_combinator.ts";
import { checkContext, checkInitTreeArgs } from "./_layer_checks.ts";

/** The parameter type of a layer. */
export type LayerParams<L> = L extends Layer<infer P, infer _S, infer _X, infer _Y> ? P : never;

/** The state type of a layer. */
export type LayerState<L> = L extends Layer<infer _P, infer S, infer _X, infer _Y> ? S : never;

/** Parameters of a tuple of layers: one entry per layer, in order. */
export type EachLayerParams<L extends readonly TreeLayer[]> = {
  readonly [K in keyof L]: LayerParams<L[K]>;
};

/** State of a tuple of layers: one entry per layer, in order. */
export type EachLayerState<L extends readonly TreeLayer[]> = {
  readonly [K in keyof L]: LayerState<L[K]>;
};

/**
 * Layers applied one after another: `serial(a, b, c)` computes `c(b(a(x)))`. It is itself a
 * layer, so models nest. `init` splits the key into one per layer and threads the example
 * shape through; parameters and state are arrays with one entry per layer (so
 * `params[0].w` is the first layer's weight). `apply` gives each layer its own key split from
 * `ctx.key` when there is one (two dropout layers draw different masks) and sums the layers'
 * auxiliary terms by name; its gradient is the trace's, like every layer's. In evaluation, when no layer changes its state, the state is
 * returned as given. A `TypeError` or `RangeError` from a layer is rethrown naming its index.
 *
 * @example
 * ```ts
 * import { serial } from "./serial.ts";
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { vjp } from "../autodiff/trace.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const model = serial(dense(4), dense(2));
 * const { outShape, params, state } = model.init(key(0), [3]);
 * if ((outShape as number[])[0] !== 2 || params[1].w.shape.join() !== "4,2") throw new Error("unexpected");
 * const x = tensor([[1, 2, 3]]);
 * const [y, pullback] = vjp((t, p) => model.apply(t, p, state, x, EVAL).y, params);
 * const grads = pullback(tensor([[1, 1]]));
 * if (y.shape.join() !== "1,2" || grads[0].w.shape.join() !== "3,4") throw new Error("unexpected");
 * ```
 */
export function serial<const L extends readonly TreeLayer[]>(
  ...layers: L
): Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree> {
  const n = layers.length;
  if (n === 0) throw new RangeError("serial: needs at least one layer, got none");
  checkLayers("serial", layers);
  const composed: Layer<readonly Tree[], readonly Tree[], Tree, Tree> = {
    name: "serial",
    children: { wiring: "chain", layers },
    init: (key, inShape) => {
      checkInitTreeArgs("serial", key, inShape);
      const keys = split(key, n);
      const params: Tree[] = [], state: Tree[] = [];
      let shape: ShapeTree = inShape;
      for (let i = 0; i < n; i++) {
        const r = atLayer("serial", i, n, () => {
          const out = layers[i].init(keys[i], shape);
          checkInitResult(out);
          return out;
        }, layers[i].name);
        params.push(r.params);
        state.push(r.state);
        shape = r.outShape;
      }
      return { outShape: shape, params, state };
    },
    apply: (t, params, state, x, ctx) => {
      checkPerLayer("serial", "params", params, n);
      checkPerLayer("serial", "state", state, n);
      checkContext("serial", ctx);
      const contexts = splitContext(ctx, n);
      const next: Tree[] = [];
      let changed = false;
      let aux: Aux | undefined;
      let h: Tree = x;
      for (let i = 0; i < n; i++) {
        const r = atLayer(
          "serial",
          i,
          n,
          () => {
            const out = layers[i].apply(t, params[i], state[i], h, contexts[i]);
            checkApplyResult(out);
            return out;
          },
          layers[i].name,
        );
        next.push(r.state);
        if (r.state !== state[i]) changed = true;
        aux = sumAux(t, aux, r.aux);
        h = r.y;
      }
      const out = { y: h, state: changed ? next : state };
      return aux === undefined ? out : { ...out, aux };
    },
  };
  // The array-typed layer is the tuple-typed one: entry i holds layer i's params and state.
  return composed as unknown as Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree>;
}
