/**
 * Option and step checks shared by the schedules: each failure is a `RangeError` naming the
 * schedule, the option and the value. Not part of the public surface.
 *
 * @module
 */

import { describeValue } from "../_checks.ts";

/** `value` must be a finite number. */
export function checkFinite(schedule: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `${schedule}: ${name} must be a finite number, got ${describeValue(value)}`,
    );
  }
}

/** `value` must be a finite number `> 0`. */
export function checkPositive(schedule: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `${schedule}: ${name} must be a finite positive number, got ${describeValue(value)}`,
    );
  }
}

/** `value` must be an integer `>= min`. */
export function checkInteger(schedule: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `${schedule}: ${name} must be an integer >= ${min}, got ${describeValue(value)}`,
    );
  }
}

/** A step count must be finite and non-negative. */
export function checkStep(schedule: string, step: number): void {
  if (typeof step !== "number" || !(step >= 0) || step === Infinity) {
    throw new RangeError(
      `${schedule}: the step must be a finite non-negative number, got ${describeValue(step)}`,
    );
  }
}
