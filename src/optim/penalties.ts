/**
 * Parameter penalties: forward code over the primitives of `t` from the parameters to a scalar
 * tensor, added to the loss by the training pipeline; their gradients come from the trace, as
 * a loss's do (a leaf the mask leaves out gets a zero gradient).
 *
 * The value has the dtype of the first penalised leaf (a leaf of the other dtype is converted
 * to it); with no penalised leaf it is a float64 zero. Each leaf's sum is accumulated in double
 * precision and rounded once (see the `sum` primitive).
 *
 * @module
 */

import { checkOps, type Ops } from "../autodiff/ops.ts";
import { scalar, type Tensor } from "../tensor.ts";
import { mapLeaves } from "../_tree_walk.ts";
import { checkNumber } from "../_checks.ts";
import type { Mask, Params, Penalty } from "./transform.ts";

/** `a + b`, `b` converted to `a`'s dtype when it differs. */
function addScalars(t: Ops, a: Tensor, b: Tensor): Tensor {
  return t.add(a, b.dtype === a.dtype ? b : t.astype(b, a.dtype));
}

/** `factor · Σ_leaves leaf(w)` over the leaves `mask` selects (all when it is omitted). */
function penalty(
  op: string,
  lambda: number,
  mask: Mask | undefined,
  factor: number,
  leaf: (t: Ops, w: Tensor) => Tensor,
): Penalty {
  checkNumber(op, "lambda", lambda, { min: 0 });
  if (mask !== undefined && typeof mask !== "function") {
    throw new TypeError(`${op}: mask must be a function (path, leaf) => boolean`);
  }
  return (t: Ops, params: Params): Tensor => {
    checkOps(op, t);
    let total: Tensor | undefined;
    for (const { path, value } of mapLeaves(op, params)) {
      if (mask !== undefined && !mask(path, value)) continue;
      const term = leaf(t, value);
      total = total === undefined ? term : addScalars(t, total, term);
    }
    return total === undefined ? scalar(0, "float64") : t.mulScalar(total, factor);
  };
}

/**
 * The L2 penalty `½·λ·‖w‖²` over the leaves `mask` selects (all when omitted), with gradient
 * `λ·w`. The ½ makes the gradient step `w ← w − η·λ·w`, which is weight decay for plain SGD
 * (with Adam, prefer `addDecayedWeights`: Adam would rescale the penalty's gradient).
 *
 * @example
 * ```ts
 * import { l2 } from "./penalties.ts";
 * import { valueAndGrad } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [value, grads] = valueAndGrad((t, p) => l2(0.1)(t, p), { w: tensor([3, 4], [2], "float64") });
 * if (Math.abs(value - 1.25) > 1e-12) throw new Error("½·0.1·25");
 * if (Math.abs(grads.w.data[1] - 0.4) > 1e-12) throw new Error("0.1·4");
 * ```
 */
export function l2(lambda: number, mask?: Mask): Penalty {
  checkNumber("l2", "lambda", lambda, { min: 0 }); // before 0.5 * lambda coerces it
  return penalty("l2", lambda, mask, 0.5 * lambda, (t, w) => t.sum(t.square(w)));
}

/**
 * The L1 penalty `λ·Σ|w|` over the leaves `mask` selects (all when omitted), with gradient
 * `λ·sign(w)` (the subgradient 0 at `w = 0`). It drives small weights to exactly zero
 * (sparsity), where L2 only shrinks them.
 *
 * @example
 * ```ts
 * import { l1 } from "./penalties.ts";
 * import { valueAndGrad } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [value, grads] = valueAndGrad((t, w) => l1(0.5)(t, w), tensor([-2, 0, 1], [3], "float64"));
 * if (value !== 1.5 || grads.data.join() !== "-0.5,0,0.5") throw new Error("unexpected");
 * ```
 */
export function l1(lambda: number, mask?: Mask): Penalty {
  return penalty("l1", lambda, mask, lambda, (t, w) => t.sum(t.abs(w)));
}

/**
 * The sum of penalties (elastic net is `sumPenalties(l1(a), l2(b))`); with no penalties, a
 * float64 zero. Its gradient is the sum of theirs, leaf by leaf, as the trace adds them.
 *
 * @example
 * ```ts
 * import { l1, l2, sumPenalties } from "./penalties.ts";
 * import { valueAndGrad } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [value, grads] = valueAndGrad((t, w) => sumPenalties(l1(1), l2(1))(t, w), tensor([2], [1], "float64"));
 * if (value !== 4 || grads.data[0] !== 3) throw new Error("2 + ½·4; 1 + 2");
 * ```
 */
export function sumPenalties(...penalties: readonly Penalty[]): Penalty {
  for (const p of penalties) {
    if (typeof p !== "function") {
      throw new TypeError(`sumPenalties: every penalty must be a function, got ${typeof p}`);
    }
  }
  return (t: Ops, params: Params): Tensor => {
    checkOps("sumPenalties", t);
    mapLeaves("sumPenalties", params);
    let total: Tensor | undefined;
    for (const p of penalties) {
      const term = p(t, params);
      total = total === undefined ? term : addScalars(t, total, term);
    }
    return total ?? scalar(0, "float64");
  };
}
