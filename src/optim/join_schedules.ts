/**
 * Joining schedules end to end, and the warm-up schedules built that way.
 *
 * @module
 */

import { checkFinite, checkInteger, checkStep } from "./_schedule_checks.ts";
import { checkFunction, checkOptions, describeValue } from "../_checks.ts";
import { constant, linearSchedule } from "./schedules.ts";
import type { Schedule } from "./transform.ts";

/**
 * Runs `schedules[0]` until `boundaries[0]`, then `schedules[1]` until `boundaries[1]`, and so
 * on; each schedule sees the steps since its own start (`step − boundaries[i − 1]`), as optax's
 * `join_schedules`. Boundaries are strictly increasing non-negative integers, one fewer than the
 * schedules.
 *
 * @example
 * ```ts
 * import { joinSchedules } from "./join_schedules.ts";
 * import { constant, linearSchedule } from "./schedules.ts";
 * const s = joinSchedules([constant(1), linearSchedule({ init: 1, end: 0, transitionSteps: 10 })], [5]);
 * if (s(4) !== 1 || s(10) !== 0.5) throw new Error("unexpected");
 * ```
 */
export function joinSchedules(
  schedules: readonly Schedule[],
  boundaries: readonly number[],
): Schedule {
  const name = "joinSchedules";
  if (!Array.isArray(schedules) || schedules.length === 0) {
    throw new RangeError(
      `${name}: needs a non-empty array of schedules, got ${describeValue(schedules)}`,
    );
  }
  schedules.forEach((s, i) =>
    checkFunction(name, `schedules[${i}]`, s, "a schedule (step) => number")
  );
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new RangeError(
      `${name}: ${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${
        describeValue(boundaries)
      }`,
    );
  }
  for (let i = 0; i < boundaries.length; i++) {
    checkInteger(name, `boundaries[${i}]`, boundaries[i], i === 0 ? 0 : boundaries[i - 1] + 1);
  }
  return (step) => {
    checkStep(name, step);
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return schedules[i](i === 0 ? step : step - boundaries[i - 1]);
  };
}

/** Options of {@linkcode linearWarmup}. */
export interface LinearWarmupOptions {
  /** The value at step 0. Default 0. */
  init?: number;
  /** The value reached at `warmupSteps`. */
  peak: number;
  /** Length of the ramp, a non-negative integer. */
  warmupSteps: number;
  /** What follows the ramp, called with the steps since it ended. Default `constant(peak)`. */
  after?: Schedule;
}

/**
 * A linear warm-up from `init` to `peak` over `warmupSteps` steps, then `after`.
 *
 * @example
 * ```ts
 * import { linearWarmup } from "./join_schedules.ts";
 * import { stepDecay } from "./schedules.ts";
 * const s = linearWarmup({ peak: 1, warmupSteps: 4, after: stepDecay({ init: 1, factor: 0.1, stepSize: 10 }) });
 * if (s(2) !== 0.5 || s(4) !== 1 || s(14) !== 0.1) throw new Error("unexpected");
 * ```
 */
export function linearWarmup(options: LinearWarmupOptions): Schedule {
  const name = "linearWarmup";
  const { init = 0, peak, warmupSteps } = checkOptions(name, options);
  checkFinite(name, "init", init);
  checkFinite(name, "peak", peak);
  checkInteger(name, "warmupSteps", warmupSteps, 0);
  const after = options.after === undefined ? constant(peak) : options.after;
  checkFunction(name, "after", after, "a schedule (step) => number");
  return warmup(name, init, peak, warmupSteps, after);
}

/** The warm-up then `after`, each step checked under `name` (the schedule the user made). */
function warmup(
  name: string,
  init: number,
  peak: number,
  warmupSteps: number,
  after: Schedule,
): Schedule {
  const joined = warmupSteps === 0 ? after : joinSchedules([
    linearSchedule({ init, end: peak, transitionSteps: warmupSteps }),
    after,
  ], [warmupSteps]);
  return (step) => {
    checkStep(name, step);
    return joined(step);
  };
}

/** Options of {@linkcode warmupCosine}. */
export interface WarmupCosineOptions {
  /** The value at step 0. Default 0. */
  init?: number;
  /** The value reached at `warmupSteps`. */
  peak: number;
  /** Length of the linear ramp, a non-negative integer. */
  warmupSteps: number;
  /** Total length, warm-up included, an integer greater than `warmupSteps`. */
  decaySteps: number;
  /** The value from `decaySteps` on. Default 0. */
  end?: number;
}

/**
 * Linear warm-up to `peak`, then cosine decay to `end`, reaching it at `decaySteps` (which
 * counts the warm-up too, as optax's `warmup_cosine_decay_schedule`).
 *
 * @example
 * ```ts
 * import { warmupCosine } from "./join_schedules.ts";
 * const s = warmupCosine({ peak: 1, warmupSteps: 10, decaySteps: 110 });
 * if (s(5) !== 0.5 || s(10) !== 1 || Math.abs(s(60) - 0.5) > 1e-12 || s(200) !== 0) {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const name = "warmupCosine";
  const { init = 0, peak, warmupSteps, decaySteps, end = 0 } = checkOptions(name, options);
  checkFinite(name, "init", init);
  checkFinite(name, "peak", peak);
  checkFinite(name, "end", end);
  checkInteger(name, "warmupSteps", warmupSteps, 0);
  checkInteger(name, "decaySteps", decaySteps, warmupSteps + 1);
  const length = decaySteps - warmupSteps;
  const cosine: Schedule = (step) => {
    const c = 0.5 * (1 + Math.cos(Math.PI * Math.min(step, length) / length));
    return end + (peak - end) * c;
  };
  return warmup(name, init, peak, warmupSteps, cosine);
}
