/**
 * `parallel`: branches side by side on one input, their outputs concatenated, summed or kept
 * as a tuple (see `residual.ts` for the skip connection).
 *
 * @module
 */

import { split } from "../random.ts";
import { isTensor, type Shape, shapesEqual, type Tensor } from "../tensor.ts";
import type { Tree } from "../tree.ts";
import type { Aux, Layer, ShapeTree, TreeLayer } from "./layer.ts";
import type { EachLayerParams, EachLayerState } from "./serial.ts";
import {
  atLayer,
  checkApplyResult,
  checkInitResult,
  checkLayers,
  checkPerLayer,
  splitContext,
  sumAux,
} from "./_combinator.ts";
import { checkBatch, checkContext, checkInitTreeArgs, describeShapeTree } from "./_layer_checks.ts";
import { checkOptions, describeValue } from "../_checks.ts";

/**
 * How {@linkcode parallel} combines its branches' outputs: `"concat"` along the last axis (the
 * default), `"sum"` of equal shapes, or `"tuple"`: the array of the outputs, one per branch
 * (its `outShape` is then the array of the branches' shapes).
 */
export type Combine = "concat" | "sum" | "tuple";

/** Options of {@linkcode parallel}, given after the branches. */
export interface ParallelOptions {
  /** How to combine the branch outputs; default `"concat"`. */
  readonly combine?: Combine;
}

const COMBINES: readonly Combine[] = ["concat", "sum", "tuple"];

function isShape(s: ShapeTree): s is Shape {
  return Array.isArray(s) && s.every((d) => typeof d === "number");
}

function checkConcatShapes(shapes: readonly ShapeTree[], batched: boolean): Shape[] {
  const minRank = batched ? 2 : 1;
  const all = shapes.map(describeShapeTree).join(", ");
  const fail = (i: number) =>
    new TypeError(
      `Cannot parallel: branch outputs must agree on every axis but the last (and have one), ` +
        `got ${all} (branch ${i} differs)`,
    );
  const first = shapes[0];
  if (!isShape(first) || first.length < minRank) throw fail(0);
  shapes.forEach((s, i) => {
    if (
      !isShape(s) || s.length < minRank || s.length !== first.length ||
      s.slice(0, -1).some((d, a) => d !== first[a])
    ) throw fail(i);
  });
  return shapes as Shape[];
}

function checkSumShapes(shapes: readonly ShapeTree[]): Shape {
  const first = shapes[0];
  shapes.forEach((s, i) => {
    if (!isShape(s) || !isShape(first) || !shapesEqual(s, first)) {
      throw new TypeError(
        `Cannot parallel: combine "sum" needs branch outputs of one shape, got ${
          shapes.map(describeShapeTree).join(", ")
        } (branch ${i} differs)`,
      );
    }
  });
  return first as Shape;
}

function checkSameDType(ys: readonly Tensor[]): void {
  for (let i = 1; i < ys.length; i++) {
    if (ys[i].dtype !== ys[0].dtype) {
      throw new TypeError(
        `Cannot parallel: branch outputs differ in dtype (${ys[0].dtype} vs ${
          ys[i].dtype
        } from branch ${i})`,
      );
    }
  }
}

function branchTensors(ys: readonly Tree[], combine: Combine): Tensor[] {
  ys.forEach((y, i) => {
    if (!isTensor(y)) {
      throw new TypeError(
        `Cannot parallel: combine "${combine}" needs a tensor from every branch, got ${
          describeValue(y)
        } from branch ${i} (use combine: "tuple" for tree outputs)`,
      );
    }
  });
  return ys as Tensor[];
}

/** Splits `parallel`'s arguments into the branches and the trailing options, if any. */
function splitArgs(args: readonly unknown[]): [TreeLayer[], ParallelOptions] {
  const last = args[args.length - 1] as { init?: unknown } | undefined;
  const hasOptions = typeof last === "object" && last !== null && !Array.isArray(last) &&
    typeof last.init !== "function";
  const layers = (hasOptions ? args.slice(0, -1) : args) as TreeLayer[];
  return [layers, hasOptions ? (last as ParallelOptions) : {}];
}

/**
 * Branches applied to the same input, their outputs combined: by default concatenated along
 * the last axis, `parallel(f, g)(x) = concat([f(x), g(x)], -1)` (branch outputs must agree on
 * every axis but the last); with `{ combine: "sum" }` added (equal shapes); with
 * `{ combine: "tuple" }` kept as the array `[f(x), g(x)]` for a layer over a tree to take.
 * (Concatenation is the default because it loses nothing: a following `dense` layer can learn
 * any weighted sum.) The input may be a tree; every branch gets all of it.
 *
 * Like `serial`, `init` splits the key per branch, parameters and state are arrays with one
 * entry per branch, each branch gets its own key split from `ctx.key`, the branches'
 * auxiliary terms are summed by name, and a branch's `TypeError`/`RangeError` is rethrown
 * naming it. The forward code is `t.concat` (or `t.add`) of the branches' outputs, so the
 * gradient is the trace's: each branch gets its slice of `dy`, and the input's cotangents add.
 *
 * @example
 * ```ts
 * import { parallel } from "./parallel.ts";
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const model = parallel(dense(2), dense(3));
 * const { outShape, params, state } = model.init(key(0), [4]);
 * if ((outShape as number[])[0] !== 5) throw new Error("2 + 3 features");
 * const { y } = model.apply(untraced(), params, state, tensor([[1, 2, 3, 4]]), EVAL);
 * if (y.shape.join() !== "1,5") throw new Error("unexpected");
 * const pair = parallel(dense(2), dense(3), { combine: "tuple" });
 * if (JSON.stringify(pair.init(key(0), [4]).outShape) !== "[[2],[3]]") throw new Error("tuple");
 * ```
 */
export function parallel<const L extends readonly TreeLayer[]>(
  ...layers: L
): Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree>;
/** `parallel` (overload 1; see the first signature for the documentation). */
export function parallel<const L extends readonly TreeLayer[]>(
  ...args: [...L, ParallelOptions & { readonly combine: "tuple" }]
): Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree, Tree, readonly Tree[]>;
/** `parallel` (overload 2; see the first signature for the documentation). */
export function parallel<const L extends readonly TreeLayer[]>(
  ...args: [...L, ParallelOptions]
): Layer<EachLayerParams<L> & Tree, EachLayerState<L> & Tree>;
export function parallel(...args: unknown[]): TreeLayer {
  const [layers, options] = splitArgs(args);
  const { combine = "concat" } = checkOptions("parallel", options, ["combine"]);
  if (!COMBINES.includes(combine)) {
    throw new RangeError(
      `parallel: combine must be "concat", "sum" or "tuple", got ${describeValue(combine)}`,
    );
  }
  const n = layers.length;
  if (n === 0) throw new RangeError("parallel: needs at least one layer, got none");
  checkLayers("parallel", layers);
  const composed: Layer<readonly Tree[], readonly Tree[], Tree, Tree> = {
    name: "parallel",
    children: { wiring: "branch", layers },
    init: (key, inShape) => {
      checkInitTreeArgs("parallel", key, inShape);
      const keys = split(key, n);
      const results = layers.map((layer, i) =>
        atLayer("parallel", i, n, () => {
          const out = layer.init(keys[i], inShape);
          checkInitResult(out);
          return out;
        }, layer.name)
      );
      const shapes = results.map((r) => r.outShape);
      let outShape: ShapeTree;
      if (combine === "tuple") outShape = shapes;
      else if (combine === "sum") outShape = [...checkSumShapes(shapes)];
      else {
        const checked = checkConcatShapes(shapes, false);
        let width = 0;
        for (const s of checked) width += s[s.length - 1];
        outShape = [...checked[0].slice(0, -1), width];
      }
      return {
        outShape,
        params: results.map((r) => r.params),
        state: results.map((r) => r.state),
      };
    },
    apply: (t, params, state, x, ctx) => {
      checkPerLayer("parallel", "params", params, n);
      checkPerLayer("parallel", "state", state, n);
      checkContext("parallel", ctx, t);
      if (isTensor(x)) checkBatch("parallel", x);
      const contexts = splitContext(ctx, n);
      let aux: Aux | undefined;
      let changed = false;
      const results = layers.map((layer, i) => {
        const r = atLayer("parallel", i, n, () => {
          const out = layer.apply(t, params[i], state[i], x, contexts[i]);
          checkApplyResult(out);
          return out;
        }, layer.name);
        aux = sumAux(t, aux, r.aux);
        if (r.state !== state[i]) changed = true;
        return r;
      });
      const ys = results.map((r) => r.y);
      let y: Tree;
      if (combine === "tuple") y = ys;
      else {
        const tensors = branchTensors(ys, combine);
        checkSameDType(tensors);
        if (combine === "sum") {
          checkSumShapes(tensors.map((v) => v.shape));
          y = tensors.reduce((a, b) => t.add(a, b));
        } else {
          checkConcatShapes(tensors.map((v) => v.shape), true);
          // One branch: concat still copies, so the output never aliases the branch's.
          y = t.concat(tensors, -1);
        }
      }
      const out = { y, state: changed ? results.map((r) => r.state) : state };
      return aux === undefined ? out : { ...out, aux };
    },
  };
  return composed as TreeLayer;
}
