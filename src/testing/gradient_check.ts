/**
 * The public gradient checker: compares a VJP with central finite differences in float64.
 *
 * For a function `f(t, x)` from a tree of tensors to a tree of tensors, written over the
 * primitives of `t`, the checker draws a random cotangent `u` for every output leaf (from a key,
 * so failures reproduce) and compares, for each checked input element `x_i`,
 *
 * - the analytic value `pullback(u)_i`, from the composed pullbacks of a trace, with
 * - the numeric value `Σ <u, f(x + h e_i) - f(x - h e_i)> / 2h` (each output differenced before
 *   the sum, so a large output that does not depend on `x_i` cannot swamp one that does).
 *
 * The error of one element is `|analytic - numeric| / max(|analytic|, |numeric|, floor)`: a
 * relative error, with an absolute floor so that gradients that are zero up to rounding do not
 * divide noise by noise. The defaults (`h = 1e-5`, `floor = 1e-3`, tolerance `1e-6`) keep
 * truncation (O(h²)) and cancellation (O(ε/h)) errors two orders below the tolerance for smooth
 * functions of moderate scale.
 *
 * @module
 */

import { checkLayer, rethrowAs } from "../_checks.ts";
import type { Tree } from "../tree.ts";
import { flattenTree } from "../_tree_walk.ts";
import type { ApplyContext, Layer } from "../layers/layer.ts";
import {
  check,
  type Differentiable,
  type GradientCheckOptions,
  type GradientCheckReport,
} from "./gradient_check_core.ts";

export type {
  Differentiable,
  GradientCheckOptions,
  GradientCheckReport,
  GradientCheckWorst,
} from "./gradient_check_core.ts";

/**
 * Compares the VJP of `f` at `x` with central finite differences in float64.
 *
 * @example
 * ```ts
 * import { checkGradients } from "./gradient_check.ts";
 * import { tensor } from "../tensor.ts";
 * // f(x, w) = x·w: its pullback is matmul's, composed by the trace.
 * const x = tensor([[0.5, -1.5, 2]], [1, 3], "float64");
 * const w = tensor([[1], [2], [3]], [3, 1], "float64");
 * const report = checkGradients((t, p) => t.matmul(p.x, p.w), { x, w });
 * if (!report.ok) throw new Error(`max error ${report.maxError}`);
 * ```
 */
export function checkGradients<X extends Tree>(
  f: Differentiable<X>,
  x: X,
  options: GradientCheckOptions = {},
): GradientCheckReport {
  return check("checkGradients", f, x, options);
}

/**
 * Like {@linkcode checkGradients}, but throws an `Error` describing the worst element when the
 * check fails. Convenient inside property tests.
 *
 * @example
 * ```ts
 * import { assertGradients } from "./gradient_check.ts";
 * import { tensor } from "../tensor.ts";
 * const w = tensor([[1], [2]], [2, 1], "float64");
 * const triple = tensor([[3, 0], [0, 3]], [2, 2], "float64");
 * assertGradients((t, x) => t.matmul(t.matmul(x, triple), w), tensor([[1, 2]], [1, 2], "float64"));
 * ```
 */
export function assertGradients<X extends Tree>(
  f: Differentiable<X>,
  x: X,
  options: GradientCheckOptions = {},
): GradientCheckReport {
  const report = check("assertGradients", f, x, options);
  if (report.checked === 0) {
    throw new RangeError(
      "assertGradients: the inputs have no elements, so no gradient was checked; " +
        "give inputs with at least one element",
    );
  }
  if (!report.ok) {
    const w = report.worst;
    throw new Error(
      `gradient check failed: max error ${
        report.maxError.toExponential(3)
      } > tolerance ${report.tolerance}` +
        (w === null
          ? ""
          : ` at ${w.path}[${w.index}]: analytic ${w.analytic}, numeric ${w.numeric}`),
    );
  }
  return report;
}

/**
 * Checks a layer's gradients with respect to both its parameters and its input, at fixed state
 * and context: the output and every auxiliary term are differentiated. Parameters, state and
 * input must be float64.
 *
 * @example
 * ```ts
 * import { checkLayerGradients } from "./gradient_check.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import { tensor, type Tensor } from "../tensor.ts";
 * const square: Layer<null, null> = {
 *   init: (_k, s) => ({ outShape: s, params: null, state: null }),
 *   apply: (t, _p, state, x: Tensor) => ({ y: t.mul(x, x), state }),
 * };
 * const r = checkLayerGradients(square, null, null, tensor([[1, -2]], [1, 2], "float64"), { training: true });
 * if (!r.ok) throw new Error("unexpected");
 * ```
 */
export function checkLayerGradients<P extends Tree, S extends Tree, X extends Tree, Y extends Tree>(
  layer: Layer<P, S, X, Y>,
  params: P,
  state: S,
  x: X,
  ctx: ApplyContext,
  options: GradientCheckOptions = {},
): GradientCheckReport {
  const op = "checkLayerGradients";
  checkLayer(op, layer, "the layer");
  flattenTree(`${op} (x)`, x);
  return rethrowAs(op, () =>
    check<{ params: P; x: X }>(
      op,
      (t, input) => {
        const { y, aux } = layer.apply(t, input.params, state, input.x, ctx);
        const out: Record<string, Tree> = { y };
        if (aux !== undefined) out.aux = aux;
        return out;
      },
      { params, x },
      options,
    ));
}
