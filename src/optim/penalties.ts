/**
 * Parameter penalties: `(params) => [value, grads]`, added to the loss (and its gradient) by
 * the training pipeline. The value is accumulated in float64; the gradient tree has the
 * structure, shapes and dtypes of the parameters, with zeros on leaves the mask leaves out.
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import { treeLeaves } from "../tree.ts";
import { checkNonNegative, flattenAll } from "./_leaves.ts";
import type { Mask, Params, Penalty } from "./transform.ts";

/**
 * One leaf of a penalty: writes into `out` the penalty's gradient at `w` (plain call, `g`
 * undefined) or `g` plus it (`addTo`), and returns the penalty's value there. In the sum the
 * gradient is first rounded to the leaf's dtype (`round`), so `addTo` matches penalty-then-add
 * exactly.
 */
type LeafPenalty = (
  w: Tensor["data"],
  g: Tensor["data"] | undefined,
  out: Tensor["data"],
  round: (v: number) => number,
) => number;

const identity = (v: number) => v;

function penalty(op: string, lambda: number, mask: Mask | undefined, leaf: LeafPenalty): Penalty {
  checkNonNegative(op, "lambda", lambda);
  if (mask !== undefined && typeof mask !== "function") {
    throw new TypeError(`${op}: mask must be a function (path, leaf) => boolean`);
  }
  const round = (t: Tensor) => (t.dtype === "float32" ? Math.fround : identity);
  const fn = (params: Params): [number, Params] => {
    const [ws, , unflatten] = flattenAll(op, params, []);
    const paths = mask === undefined ? null : treeLeaves(params).map((l) => l.path);
    const grads: Tensor[] = new Array(ws.length);
    let value = 0;
    for (let l = 0; l < ws.length; l++) {
      const grad = allocate(ws[l].dtype, ws[l].data.length);
      if (paths === null || mask!(paths[l], ws[l])) {
        value += leaf(ws[l].data, undefined, grad, round(ws[l]));
      }
      grads[l] = fromTypedArray(grad, ws[l].shape);
    }
    return [value, unflatten(grads)];
  };
  const addTo = (params: Params, lossGrads: Params): [number, Params] => {
    const [ws, [gs], unflatten] = flattenAll(`${op} (params vs grads)`, params, [lossGrads]);
    const paths = mask === undefined ? null : treeLeaves(params).map((l) => l.path);
    const out: Tensor[] = new Array(ws.length);
    let value = 0;
    for (let l = 0; l < ws.length; l++) {
      if (paths !== null && !mask!(paths[l], ws[l])) {
        out[l] = gs[l]; // not penalised: the loss gradient as it is (tensors are immutable)
        continue;
      }
      if (gs[l].dtype !== ws[l].dtype) {
        throw new TypeError(
          `${op}: a gradient is ${gs[l].dtype} but its parameter is ${ws[l].dtype}`,
        );
      }
      const sum = allocate(ws[l].dtype, ws[l].data.length);
      value += leaf(ws[l].data, gs[l].data, sum, round(ws[l]));
      out[l] = fromTypedArray(sum, ws[l].shape);
    }
    return [value, unflatten(out)];
  };
  return Object.assign(fn, { addTo });
}

/**
 * The L2 penalty `½·λ·‖w‖²` over the leaves `mask` selects (all when omitted), with gradient
 * `λ·w`. The ½ makes the gradient step `w ← w − η·λ·w`, which is weight decay for plain SGD
 * (with Adam, prefer `addDecayedWeights`: Adam would rescale the penalty's gradient).
 *
 * @example
 * ```ts
 * import { l2 } from "./penalties.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const [value, grads] = l2(0.1)({ w: tensor([3, 4]) });
 * if (Math.abs(value - 1.25) > 1e-12) throw new Error("½·0.1·25");
 * if (Math.abs((grads as { w: Tensor }).w.data[1] - 0.4) > 1e-6) throw new Error("0.1·4");
 * ```
 */
export function l2(lambda: number, mask?: Mask): Penalty {
  return penalty("l2", lambda, mask, (w, g, out, round) => {
    let sum = 0;
    if (g === undefined) {
      for (let i = 0; i < w.length; i++) {
        const wi = w[i];
        sum += wi * wi;
        out[i] = lambda * wi;
      }
    } else {
      for (let i = 0; i < w.length; i++) {
        const wi = w[i];
        sum += wi * wi;
        out[i] = g[i] + round(lambda * wi);
      }
    }
    return 0.5 * lambda * sum;
  });
}

/**
 * The L1 penalty `λ·Σ|w|` over the leaves `mask` selects (all when omitted), with gradient
 * `λ·sign(w)` (the subgradient 0 at `w = 0`). It drives small weights to exactly zero
 * (sparsity), where L2 only shrinks them.
 *
 * @example
 * ```ts
 * import { l1 } from "./penalties.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const [value, grads] = l1(0.5)(tensor([-2, 0, 1]));
 * if (value !== 1.5 || (grads as Tensor).data.join() !== "-0.5,0,0.5") throw new Error("unexpected");
 * ```
 */
export function l1(lambda: number, mask?: Mask): Penalty {
  return penalty("l1", lambda, mask, (w, g, out, round) => {
    const step = round(lambda);
    let sum = 0;
    for (let i = 0; i < w.length; i++) {
      const wi = w[i];
      const gi = g === undefined ? 0 : g[i];
      if (wi > 0) {
        sum += wi;
        out[i] = gi + step;
      } else if (wi < 0) {
        sum -= wi;
        out[i] = gi - step;
      } else out[i] = gi;
    }
    return lambda * sum;
  });
}

/**
 * The sum of penalties: values add, gradients add leaf by leaf (elastic net is
 * `sumPenalties(l1(a), l2(b))`). With no penalties, the value is 0 and the gradients zero.
 *
 * @example
 * ```ts
 * import { l1, l2, sumPenalties } from "./penalties.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const [value, grads] = sumPenalties(l1(1), l2(1))(tensor([2]));
 * if (value !== 4 || (grads as Tensor).data[0] !== 3) throw new Error("2 + ½·4; 1 + 2");
 * ```
 */
export function sumPenalties(...penalties: readonly Penalty[]): Penalty {
  for (const p of penalties) {
    if (typeof p !== "function") {
      throw new TypeError(`sumPenalties: every penalty must be a function, got ${typeof p}`);
    }
  }
  return (params: Params) => {
    const [ws, , unflatten] = flattenAll("sumPenalties", params, []);
    const sums = ws.map((w) => allocate(w.dtype, w.data.length));
    let value = 0;
    for (const p of penalties) {
      const [v, grads] = p(params);
      value += v;
      const [, [gs]] = flattenAll("sumPenalties (params vs a penalty's grads)", params, [grads]);
      for (let l = 0; l < gs.length; l++) {
        const sum = sums[l];
        const g = gs[l].data;
        for (let i = 0; i < g.length; i++) sum[i] += g[i];
      }
    }
    return [value, unflatten(sums.map((s, l) => fromTypedArray(s, ws[l].shape)))];
  };
}
