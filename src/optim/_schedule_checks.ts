/**
 * Option and step checks shared by the schedules, in the words of the schedules (the shared
 * checks of `src/_checks.ts` under the schedule's name): a `TypeError` for a value of the wrong
 * kind, a `RangeError` for one out of range. Not part of the public surface.
 *
 * @module
 */

import { checkInteger as checkInt, checkNumber } from "../_checks.ts";

/** `value` must be a finite number. */
export function checkFinite(schedule: string, name: string, value: number): void {
  checkNumber(schedule, name, value);
}

/** `value` must be a finite number `> 0`. */
export function checkPositive(schedule: string, name: string, value: number): void {
  checkNumber(schedule, name, value, { min: 0, minExclusive: true });
}

/** `value` must be a safe integer `>= min`. */
export function checkInteger(schedule: string, name: string, value: number, min: number): void {
  checkInt(schedule, name, value, { min });
}

/** A step count must be finite and non-negative. */
export function checkStep(schedule: string, step: number): void {
  checkNumber(schedule, "the step", step, { min: 0 });
}
