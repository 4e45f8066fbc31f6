/**
 * Branching combinators: `parallel` (branches side by side, outputs concatenated) and
 * `residual` (a skip connection, `y = x + f(x)`).
 *
 * @module
 */

import { split } from "../random.ts";
import {
  allocate,
  formatShape,
  fromTypedArray,
  isTensor,
  type Shape,
  shapesEqual,
  sizeOf,
  type Tensor,
} from "../tensor.ts";
import type { Tree } from "../tree.ts";
import type { Vjp } from "../vjp.ts";
import type { Layer, LayerGrads } from "./layer.ts";
import type { EachLayerParams, EachLayerState } from "./serial.ts";
import {
  atLayer,
  checkApplyResult,
  checkInitResult,
  checkPerLayer,
  checkVjpResult,
  splitContext,
} from "./_combinator.ts";
import { checkBatch, checkContext, checkInitArgs } from "./_layer_checks.ts";
import { describeValue } from "../_checks.ts";

function checkBranchShapes(op: string, shapes: readonly Shape[], batched: boolean): void {
  const first = shapes[0];
  const minRank = batched ? 2 : 1;
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i];
    const agree = s.length === first.length &&
      s.slice(0, -1).every((d, a) => d === first[a]);
    if (s.length < minRank || !agree) {
      throw new TypeError(
        `Cannot ${op}: branch outputs must agree on every axis but the last (and have one), ` +
          `got ${shapes.map(formatShape).join(", ")} (branch ${i} differs)`,
      );
    }
  }
}

/**
 * Branches applied to the same input, their outputs concatenated along the last axis:
 * `parallel(f, g)(x) = concat(f(x), g(x))`. Branch outputs must agree on every axis but the
 * last. (Concatenation rather than a sum because it loses nothing: a following `dense` layer
 * can learn any weighted sum, and a sum of equal shapes is what {@linkcode residual} is for.)
 *
 * Like `serial`, `init` splits the key per branch, parameters and state are arrays with one
 * entry per branch, each branch gets its own key split from `ctx.key`, and a branch's
 * `TypeError`/`RangeError` is rethrown naming it. The VJP slices `dy` along the last axis,
 * pulls each slice back through its branch, and sums the input cotangents.
 *
 * @example
 * ```ts
 * import { parallel } from "./parallel.ts";
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const model = parallel(dense(2), dense(3));
 * const { outShape, params, state } = model.init(key(0), [4]);
 * if (outShape[0] !== 5) throw new Error("2 + 3 features");
 * const { y } = model.apply(params, state, tensor([[1, 2, 3, 4]]), EVAL);
 * if (y.shape.join() !== "1,5") throw new Error("unexpected");
 * ```
 */
export function parallel<const L extends readonly Layer[]>(
  ...layers: L
): Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree> {
  const n = layers.length;
  if (n === 0) throw new RangeError("parallel: needs at least one layer, got none");
  layers.forEach((layer, i) => {
    if (typeof layer?.init !== "function" || typeof layer?.apply !== "function") {
      throw new TypeError(
        `parallel: argument ${i} is not a layer (an { init, apply } pair), got ${
          describeValue(layer)
        }${typeof layer === "function" ? " (call the factory: dense(8), not dense)" : ""}`,
      );
    }
  });
  const composed: Layer<readonly Tree[], readonly Tree[]> = {
    name: "parallel",
    children: { wiring: "branch", layers },
    init: (key, inShape) => {
      checkInitArgs("parallel", key, inShape);
      const keys = split(key, n);
      const results = layers.map((layer, i) =>
        atLayer("parallel", i, n, () => {
          const out = layer.init(keys[i], inShape);
          checkInitResult(out);
          return out;
        }, layer.name)
      );
      const shapes = results.map((r) => r.outShape);
      checkBranchShapes("parallel", shapes, false);
      let width = 0;
      for (const s of shapes) width += s[s.length - 1];
      return {
        outShape: [...shapes[0].slice(0, -1), width],
        params: results.map((r) => r.params),
        state: results.map((r) => r.state),
      };
    },
    apply: (params, state, x, ctx) => {
      checkPerLayer("parallel", "params", params, n);
      checkPerLayer("parallel", "state", state, n);
      checkContext("parallel", ctx);
      checkBatch("parallel", x);
      const contexts = splitContext(ctx, n);
      const results = layers.map((layer, i) =>
        atLayer(
          "parallel",
          i,
          n,
          () => {
            const out = layer.apply(params[i], state[i], x, contexts[i]);
            checkApplyResult(out);
            return out;
          },
          layer.name,
        )
      );
      const ys = results.map((r) => r.y);
      checkBranchShapes("parallel", ys.map((y) => y.shape), true);
      for (let i = 1; i < n; i++) {
        if (ys[i].dtype !== ys[0].dtype) {
          throw new TypeError(
            `Cannot parallel: branch outputs differ in dtype (${ys[0].dtype} vs ${
              ys[i].dtype
            } from branch ${i})`,
          );
        }
      }
      // Each output is `rows` rows of width widths[i]; the result interleaves them row by row.
      const widths = ys.map((y) => y.shape[y.shape.length - 1]);
      const offsets: number[] = [];
      let total = 0;
      for (const w of widths) {
        offsets.push(total);
        total += w;
      }
      const rows = sizeOf(ys[0].shape.slice(0, -1));
      const outShape = [...ys[0].shape.slice(0, -1), total];
      const out = allocate(ys[0].dtype, rows * total);
      for (let i = 0; i < n; i++) {
        const src = ys[i].data, w = widths[i], off = offsets[i];
        for (let r = 0; r < rows; r++) out.set(src.subarray(r * w, (r + 1) * w), r * total + off);
      }
      const vjps: Vjp<Tensor, LayerGrads<Tree>>[] = results.map((r) => r.vjp);
      let changed = false;
      for (let i = 0; i < n; i++) if (results[i].state !== state[i]) changed = true;
      return {
        y: fromTypedArray(out, outShape),
        state: changed ? results.map((r) => r.state) : state,
        vjp: (dy) => {
          if (!isTensor(dy) || !shapesEqual(dy.shape, outShape)) {
            throw new TypeError(
              `Cannot parallel VJP: cotangent shape ${
                isTensor(dy) ? formatShape(dy.shape) : "(not a tensor)"
              } differs from output shape ${formatShape(outShape)}`,
            );
          }
          const g = dy.data;
          const dx = allocate(x.dtype, x.data.length);
          const grads: Tree[] = new Array(n);
          for (let i = 0; i < n; i++) {
            const w = widths[i], off = offsets[i];
            const slice = allocate(dy.dtype, rows * w);
            for (let r = 0; r < rows; r++) {
              slice.set(g.subarray(r * total + off, r * total + off + w), r * w);
            }
            const r = atLayer(
              "parallel VJP",
              i,
              n,
              () => {
                const out = vjps[i](fromTypedArray(slice, ys[i].shape));
                checkVjpResult(out);
                if (!isTensor(out.x) || out.x.data.length !== x.data.length) {
                  throw new TypeError(
                    `the VJP's input cotangent must be a tensor of the input's shape ${
                      formatShape(x.shape)
                    }, got ${describeValue(out.x)}`,
                  );
                }
                return out;
              },
              layers[i].name,
            );
            grads[i] = r.params;
            const d = r.x.data;
            for (let j = 0; j < d.length; j++) dx[j] += d[j];
          }
          return { params: grads, x: fromTypedArray(dx, x.shape) };
        },
      };
    },
  };
  // The array-typed layer is the tuple-typed one: entry i holds branch i's params and state.
  return composed as unknown as Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree>;
}

/**
 * A skip connection: `y = x + f(x)`. The inner layer must map each example to its own shape
 * (a `TypeError` at `init`, or at `apply` if it does not). Parameters and state are the inner
 * layer's, unwrapped. VJP: `dx = dy + f.vjp(dy).x`; parameter cotangents are `f`'s.
 *
 * @example
 * ```ts
 * import { residual } from "./parallel.ts";
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * import { zerosInit } from "../init.ts";
 * // With zero weights the inner layer outputs 0, so the block is the identity.
 * const block = residual(dense(2, { init: zerosInit }));
 * const { params, state } = block.init(key(0), [2]);
 * const { y } = block.apply(params, state, tensor([[1, -2]]), EVAL);
 * if (y.data[0] !== 1 || y.data[1] !== -2) throw new Error("unexpected");
 * ```
 */
export function residual<P extends Tree, S extends Tree>(layer: Layer<P, S>): Layer<P, S> {
  if (typeof layer?.init !== "function" || typeof layer?.apply !== "function") {
    throw new TypeError(
      `residual: the argument is not a layer (an { init, apply } pair), got ${
        describeValue(layer)
      }`,
    );
  }
  const mismatch = (from: Shape, to: Shape) =>
    new TypeError(
      `Cannot residual: y = x + f(x) needs f to keep the shape, but it maps ${
        formatShape(from)
      } to ${formatShape(to)}`,
    );
  const inner = (fn: () => unknown) => atLayer("residual", 0, 1, fn, layer.name);
  return {
    name: "residual",
    children: { wiring: "branch", layers: [layer] },
    init: (key, inShape) => {
      checkInitArgs("residual", key, inShape);
      const r = inner(() => {
        const out = layer.init(key, inShape);
        checkInitResult(out);
        return out;
      }) as ReturnType<typeof layer.init>;
      if (!shapesEqual(r.outShape, inShape)) throw mismatch(inShape, r.outShape);
      return { outShape: [...inShape], params: r.params, state: r.state };
    },
    apply: (params, state, x, ctx) => {
      checkContext("residual", ctx);
      checkBatch("residual", x);
      const r = inner(() => {
        const out = layer.apply(params, state, x, ctx);
        checkApplyResult(out);
        return out;
      }) as ReturnType<typeof layer.apply>;
      if (!shapesEqual(r.y.shape, x.shape)) throw mismatch(x.shape, r.y.shape);
      const xd = x.data, fd = r.y.data;
      const out = allocate(x.dtype, xd.length);
      for (let i = 0; i < xd.length; i++) out[i] = xd[i] + fd[i];
      return {
        y: fromTypedArray(out, x.shape),
        state: r.state,
        vjp: (dy) => {
          if (!isTensor(dy) || !shapesEqual(dy.shape, x.shape)) {
            throw new TypeError(
              `Cannot residual VJP: cotangent shape ${
                isTensor(dy) ? formatShape(dy.shape) : "(not a tensor)"
              } differs from output shape ${formatShape(x.shape)}`,
            );
          }
          const back = inner(() => {
            const out = r.vjp(dy);
            checkVjpResult(out);
            if (!isTensor(out.x) || !shapesEqual(out.x.shape, x.shape)) {
              throw new TypeError(
                `the VJP's input cotangent must be a tensor of the input's shape ${
                  formatShape(x.shape)
                }, got ${describeValue(out.x)}`,
              );
            }
            return out;
          }) as ReturnType<typeof r.vjp>;
          const g = dy.data, d = back.x.data;
          const dx = allocate(x.dtype, xd.length);
          for (let i = 0; i < dx.length; i++) dx[i] = g[i] + d[i];
          return { params: back.params, x: fromTypedArray(dx, x.shape) };
        },
      };
    },
  };
}
