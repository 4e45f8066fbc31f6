/**
 * Scaling links: `scale(c)` and `scaleByLearningRate(lr)`, the last link of every optimiser.
 *
 * @module
 */

import {
  checkLearningRate,
  checkNullState,
  countTensor,
  makeLink,
  mapLeaves,
  readCount,
} from "./_leaves.ts";
import { checkNumber } from "../_checks.ts";
import type { CountState, Schedule, Transform } from "./transform.ts";

/**
 * Multiplies updates by a constant: `u ← c·g`. Stateless (state `null`).
 *
 * @example
 * ```ts
 * import { scale } from "./scale.ts";
 * import { tensor } from "../tensor.ts";
 * const [u] = scale(-2).update(tensor([1, 3]), null, null);
 * if ((u as { data: Float32Array }).data[1] !== -6) throw new Error("unexpected");
 * ```
 */
export function scale(c: number): Transform<null> {
  const op = "scale";
  checkNumber(op, "the factor", c);
  return makeLink(op, () => null, (grads, state, _params, t) => {
    checkNullState(op, state);
    return [mapLeaves(op, grads, (g) => t.mulScalar(g, c)), null];
  });
}

/**
 * Scales updates by minus the learning rate, `u ← −η·g`, turning a descent direction into a
 * step. `lr` is a number or a {@linkcode Schedule}; a schedule is evaluated at the step count
 * held in the state (0 at the first update), which then increments. State: `{ count }`, a
 * float64 scalar tensor (see {@linkcode CountState}), for numbers too, so a checkpoint's
 * structure does not depend on how the rate was given.
 *
 * A negative or non-finite rate (given, or returned by the schedule) is a `RangeError` naming
 * the value and step.
 *
 * @example
 * ```ts
 * import { scaleByLearningRate } from "./scale.ts";
 * import { tensor } from "../tensor.ts";
 * const link = scaleByLearningRate((step) => 1 / (step + 1));
 * const s0 = link.init(null);
 * const [, s1] = link.update(tensor([1]), s0, null);
 * const [u] = link.update(tensor([1]), s1, null); // step 1: η = 0.5
 * if ((u as { data: Float32Array }).data[0] !== -0.5) throw new Error("unexpected");
 * ```
 */
export function scaleByLearningRate(lr: number | Schedule): Transform<CountState> {
  const op = "scaleByLearningRate";
  checkLearningRate(op, lr);
  return makeLink<CountState>(op, () => ({ count: countTensor(0) }), (grads, state, _p, t) => {
    const step = readCount(op, state);
    const rate = typeof lr === "number" ? lr : lr(step);
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
      throw new RangeError(
        `${op}: the schedule returned ${rate} at step ${step}; ` +
          `learning rates are finite and non-negative`,
      );
    }
    return [mapLeaves(op, grads, (g) => t.mulScalar(g, -rate)), { count: countTensor(step + 1) }];
  });
}
