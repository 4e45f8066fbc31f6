/**
 * Momentum: an exponentially decaying sum of past gradients, classical or Nesterov.
 *
 * @module
 */

import { checkBoolean, checkOptions } from "../_checks.ts";
import { checkDecay, flattenAll, makeLink, stateField, zerosTree } from "./_leaves.ts";
import type { Params, Transform } from "./transform.ts";

/** Options of {@linkcode traceMomentum}. */
export interface TraceMomentumOptions {
  /** The momentum coefficient μ, in [0, 1). Default 0.9. */
  decay?: number;
  /** Use Nesterov's look-ahead form. Default false. */
  nesterov?: boolean;
}

/** State of {@linkcode traceMomentum}: the velocity `v`, shaped like the parameters. */
export type TraceState = { readonly trace: Params };

/**
 * Accumulates a velocity, `v ← μ·v + g`, and outputs
 *
 * - classical momentum: `u = v` (so with `scaleByLearningRate(η)`: `w ← w − η·v`);
 * - Nesterov (`nesterov: true`): `u = g + μ·v`, the look-ahead written in terms of the current
 *   gradient (Sutskever et al. 2013, as optax and PyTorch do): `w ← w − η·(g + μ·v)`.
 *
 * `v` starts at zero. State: `{ trace }`, a tree like the parameters (same dtypes).
 *
 * @example
 * ```ts
 * import { traceMomentum } from "./trace_momentum.ts";
 * import { tensor } from "../tensor.ts";
 * const link = traceMomentum({ decay: 0.5 });
 * const s0 = link.init(tensor([0]));
 * const [, s1] = link.update(tensor([2]), s0, tensor([0]));
 * const [u] = link.update(tensor([2]), s1, tensor([0])); // v = 0.5·2 + 2
 * if ((u as { data: Float32Array }).data[0] !== 3) throw new Error("unexpected");
 * ```
 */
export function traceMomentum(options: TraceMomentumOptions = {}): Transform<TraceState> {
  const op = "traceMomentum";
  const { decay = 0.9, nesterov = false } = checkOptions(op, options, ["decay", "nesterov"]);
  checkDecay(op, "decay", decay);
  checkBoolean(op, "nesterov", nesterov);
  return makeLink(
    op,
    (params) => ({ trace: zerosTree(op, params) }),
    (grads, state, _params, t) => {
      const [gs, [vs], unflatten] = flattenAll(
        `${op} (grads vs state.trace)`,
        grads,
        [stateField(op, state, "trace", ["trace"])],
        true,
      );
      const traces = gs.map((g, l) => t.add(t.mulScalar(vs[l], decay), g));
      const updates = nesterov ? gs.map((g, l) => t.add(g, t.mulScalar(traces[l], decay))) : traces;
      return [unflatten(updates), { trace: unflatten(traces) }];
    },
  );
}
