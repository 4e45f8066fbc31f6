/**
 * Learning-rate schedules: plain functions `(step) => value` of the 0-based step count, as
 * `scaleByLearningRate` evaluates them. Bad options are a `RangeError` naming the schedule and
 * the value; so is a negative or non-finite step.
 *
 * @module
 */

import { checkFinite, checkInteger, checkPositive, checkStep } from "./_schedule_checks.ts";
import { checkBoolean, checkNumber, checkOptions, describeValue } from "../_checks.ts";
import type { Schedule } from "./transform.ts";

/**
 * The same value at every step.
 *
 * @example
 * ```ts
 * import { constant } from "./schedules.ts";
 * if (constant(0.1)(1000) !== 0.1) throw new Error("unexpected");
 * ```
 */
export function constant(value: number): Schedule {
  checkFinite("constant", "value", value);
  return (step) => {
    checkStep("constant", step);
    return value;
  };
}

/**
 * `init`, multiplied by `scale` at each boundary the step has reached (`step >= boundary`).
 * `boundariesAndScales` maps step boundaries (non-negative integers) to scales, as optax's
 * `piecewise_constant_schedule`.
 *
 * @example
 * ```ts
 * import { piecewiseConstant } from "./schedules.ts";
 * const s = piecewiseConstant(1, { 10: 0.5, 20: 0.1 });
 * if (s(9) !== 1 || s(10) !== 0.5 || s(25) !== 0.05) throw new Error("unexpected");
 * ```
 */
export function piecewiseConstant(
  init: number,
  boundariesAndScales: Readonly<Record<number, number>>,
): Schedule {
  const name = "piecewiseConstant";
  checkFinite(name, "init", init);
  if (typeof boundariesAndScales !== "object" || boundariesAndScales === null) {
    throw new TypeError(
      `${name}: boundariesAndScales must be an object { step: scale }, got ${
        describeValue(boundariesAndScales)
      }`,
    );
  }
  const entries = Object.entries(boundariesAndScales).map(([k, v]) => {
    const boundary = Number(k);
    checkInteger(name, "a boundary", boundary, 0);
    checkFinite(name, `the scale at boundary ${k}`, v);
    return [boundary, v] as const;
  }).sort((a, b) => a[0] - b[0]);
  const boundaries = entries.map((e) => e[0]);
  // values[i] is the value once the first i boundaries have been reached.
  const values = [init];
  for (const [, scale] of entries) values.push(values[values.length - 1] * scale);
  return (step) => {
    checkStep(name, step);
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return values[i];
  };
}

/** Options of {@linkcode stepDecay}. */
export interface StepDecayOptions {
  /** The value at step 0. */
  init: number;
  /** Multiplier applied every `stepSize` steps, positive (e.g. 0.1). */
  factor: number;
  /** Steps between drops, a positive integer. */
  stepSize: number;
}

/**
 * Step decay: `init · factor^⌊step / stepSize⌋` (the classic "divide by 10 every 30 epochs").
 *
 * @example
 * ```ts
 * import { stepDecay } from "./schedules.ts";
 * const s = stepDecay({ init: 1, factor: 0.5, stepSize: 10 });
 * if (s(9) !== 1 || s(10) !== 0.5 || s(35) !== 0.125) throw new Error("unexpected");
 * ```
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const name = "stepDecay";
  const { init, factor, stepSize } = checkOptions(name, options);
  checkFinite(name, "init", init);
  checkPositive(name, "factor", factor);
  checkInteger(name, "stepSize", stepSize, 1);
  return (step) => {
    checkStep(name, step);
    return init * Math.pow(factor, Math.floor(step / stepSize));
  };
}

/** Options of {@linkcode exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** The value at step 0 (and until `transitionBegin`). */
  init: number;
  /** The factor applied per `transitionSteps` steps, positive. */
  decayRate: number;
  /** Steps over which the value is multiplied by `decayRate`, a positive integer. */
  transitionSteps: number;
  /** Drop in whole multiples of `transitionSteps` instead of smoothly. Default false. */
  staircase?: boolean;
  /** Steps to hold `init` before decaying, a non-negative integer. Default 0. */
  transitionBegin?: number;
}

/**
 * Exponential decay: `init · decayRate^(s / transitionSteps)` with `s = max(0, step −
 * transitionBegin)`; with `staircase` the exponent is floored.
 *
 * @example
 * ```ts
 * import { exponentialDecay } from "./schedules.ts";
 * const s = exponentialDecay({ init: 1, decayRate: 0.25, transitionSteps: 10 });
 * if (s(5) !== 0.5 || s(20) !== 0.0625) throw new Error("unexpected");
 * ```
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const name = "exponentialDecay";
  const { init, decayRate, transitionSteps, staircase = false, transitionBegin = 0 } = checkOptions(
    name,
    options,
  );
  checkFinite(name, "init", init);
  checkPositive(name, "decayRate", decayRate);
  checkInteger(name, "transitionSteps", transitionSteps, 1);
  checkInteger(name, "transitionBegin", transitionBegin, 0);
  checkBoolean(name, "staircase", staircase);
  return (step) => {
    checkStep(name, step);
    const p = Math.max(0, step - transitionBegin) / transitionSteps;
    return init * Math.pow(decayRate, staircase ? Math.floor(p) : p);
  };
}

/** Options of {@linkcode cosineDecay}. */
export interface CosineDecayOptions {
  /** The value at step 0. */
  init: number;
  /** Steps over which to decay, a positive integer; the value stays at `alpha·init` after. */
  decaySteps: number;
  /** The final value as a fraction of `init`, in [0, 1]. Default 0. */
  alpha?: number;
}

/**
 * Cosine decay (Loshchilov & Hutter's SGDR without restarts):
 * `init · ((1 − α)·½(1 + cos(π·min(step, decaySteps)/decaySteps)) + α)`.
 *
 * @example
 * ```ts
 * import { cosineDecay } from "./schedules.ts";
 * const s = cosineDecay({ init: 2, decaySteps: 100 });
 * if (s(0) !== 2 || Math.abs(s(50) - 1) > 1e-12 || s(100) !== 0) throw new Error("unexpected");
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const name = "cosineDecay";
  const { init, decaySteps, alpha = 0 } = checkOptions(name, options);
  checkFinite(name, "init", init);
  checkInteger(name, "decaySteps", decaySteps, 1);
  checkNumber(name, "alpha", alpha, { min: 0, max: 1 });
  return (step) => {
    checkStep(name, step);
    const c = 0.5 * (1 + Math.cos(Math.PI * Math.min(step, decaySteps) / decaySteps));
    return init * ((1 - alpha) * c + alpha);
  };
}

/** Options of {@linkcode linearSchedule}. */
export interface LinearScheduleOptions {
  /** The value up to `transitionBegin`. */
  init: number;
  /** The value from `transitionBegin + transitionSteps` on. */
  end: number;
  /** Steps of the ramp, a positive integer. */
  transitionSteps: number;
  /** Steps to hold `init` first, a non-negative integer. Default 0. */
  transitionBegin?: number;
}

/**
 * A linear ramp from `init` to `end` over `transitionSteps` steps, constant on either side.
 *
 * @example
 * ```ts
 * import { linearSchedule } from "./schedules.ts";
 * const s = linearSchedule({ init: 0, end: 1, transitionSteps: 4 });
 * if (s(1) !== 0.25 || s(10) !== 1) throw new Error("unexpected");
 * ```
 */
export function linearSchedule(options: LinearScheduleOptions): Schedule {
  const name = "linearSchedule";
  const { init, end, transitionSteps, transitionBegin = 0 } = checkOptions(name, options);
  checkFinite(name, "init", init);
  checkFinite(name, "end", end);
  checkInteger(name, "transitionSteps", transitionSteps, 1);
  checkInteger(name, "transitionBegin", transitionBegin, 0);
  return (step) => {
    checkStep(name, step);
    const frac = Math.min(1, Math.max(0, (step - transitionBegin) / transitionSteps));
    return init + (end - init) * frac;
  };
}
