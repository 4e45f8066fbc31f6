/**
 * Argument checks shared by every floor of gradstream: the one place that says what a valid
 * shape, dtype, key, integer, finite number, options object or function argument is, and how an
 * offending value is printed in a message. Internal (never re-exported from `mod.ts`).
 *
 * Every check takes `op`, the name of the public function the user called, so a helper that
 * delegates (`zeros` to the filling code, `adam` to its links) reports the name the user wrote.
 * Wrong kinds (`null`, a string for a number, a non-tensor) are `TypeError`s; values of the
 * right kind outside their range are `RangeError`s. Values in messages are bounded in length by
 * {@linkcode describeValue}: an array is printed by its length and first few entries, never
 * whole. The checks run once per call on shapes and options, never per element.
 *
 * @module
 */

import { describeValue, MAX_STRING } from "./_describe.ts";

export { describeValue } from "./_describe.ts";
export {
  checkBackend,
  checkBytes,
  checkIterable,
  checkKey,
  checkLayer,
  checkTransform,
  rethrowAs,
} from "./_checks_structure.ts";

/** The most elements one tensor may hold (2³¹ − 1: what every engine's typed arrays allow). */
export const MAX_ELEMENTS = 2147483647;

/** The element types gradstream's tensors hold. */
export type CheckedDType = "float32" | "float64";

/** `dtype` must be `"float32"` or `"float64"` (a `TypeError` otherwise; nothing is coerced). */
export function checkDType(op: string, dtype: unknown, name = "dtype"): CheckedDType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(
      `${op}: ${name} must be "float32" or "float64", got ${describeValue(dtype)}`,
    );
  }
  return dtype;
}

/**
 * `shape` must be an array of non-negative integers (a `TypeError`) holding at most
 * {@linkcode MAX_ELEMENTS} elements in all (a `RangeError`). Returns the element count.
 */
export function checkShape(op: string, shape: unknown, name = "shape"): number {
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `${op}: ${name} must be an array of non-negative integers, got ${describeValue(shape)}`,
    );
  }
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new TypeError(
        `${op}: ${name} ${describeValue(shape)} has an invalid dimension ${describeValue(d)} ` +
          `at axis ${i}; dimensions are non-negative integers`,
      );
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new RangeError(
      `${op}: ${name} ${describeValue(shape)} has ${n} elements, more than a tensor can hold ` +
        `(${MAX_ELEMENTS})`,
    );
  }
  return n;
}

/** Options of the number checks. */
export interface NumberBounds {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  min?: number;
  /** Largest allowed value (inclusive unless `maxExclusive`). */
  max?: number;
  /** Excludes `min` itself. */
  minExclusive?: boolean;
  /** Excludes `max` itself. */
  maxExclusive?: boolean;
  /** Allows ±Infinity (never NaN). */
  infinite?: boolean;
}

function range(b: NumberBounds, integer: boolean, value: unknown): string {
  // The size limit is only worth a word when the value is past it.
  const max = b.max === MAX_ELEMENTS && !(typeof value === "number" && value > b.max)
    ? undefined
    : b.max;
  const kind = integer ? "integer" : b.infinite ? "number" : "finite number";
  const min = b.min;
  if (min !== undefined && max !== undefined) {
    return `${integer ? "an" : "a"} ${kind} in ${b.minExclusive ? "(" : "["}${min}, ${max}${
      b.maxExclusive ? ")" : "]"
    }`;
  }
  if (min === 0 || (integer && min === 1 && !b.minExclusive)) {
    const sign = min === 1 || b.minExclusive ? "positive" : "non-negative";
    return integer ? `a ${sign} integer` : `a ${b.infinite ? "" : "finite "}${sign} number`;
  }
  const article = integer ? "an" : "a";
  if (min !== undefined) return `${article} ${kind} ${b.minExclusive ? ">" : ">="} ${min}`;
  if (max !== undefined) return `${article} ${kind} ${b.maxExclusive ? "<" : "<="} ${max}`;
  return `${article} ${kind}`;
}

function inBounds(v: number, b: NumberBounds): boolean {
  if (b.min !== undefined && (b.minExclusive ? !(v > b.min) : !(v >= b.min))) return false;
  if (b.max !== undefined && (b.maxExclusive ? !(v < b.max) : !(v <= b.max))) return false;
  return true;
}

/**
 * `value` must be a number (a `TypeError` for any other kind, strings included: nothing is
 * coerced), finite unless `bounds.infinite`, never NaN, and within the bounds (`RangeError`).
 */
export function checkNumber(op: string, name: string, value: unknown, bounds: NumberBounds = {}) {
  if (typeof value !== "number") {
    throw new TypeError(
      `${op}: ${name} must be ${range(bounds, false, value)}, got ${describeValue(value)}`,
    );
  }
  if (
    Number.isNaN(value) || (!bounds.infinite && !Number.isFinite(value)) || !inBounds(value, bounds)
  ) {
    throw new RangeError(
      `${op}: ${name} must be ${range(bounds, false, value)}, got ${describeValue(value)}`,
    );
  }
}

/**
 * `value` must be an integer (a `TypeError` for a non-number, a `RangeError` for a fraction,
 * NaN, an infinity or a value outside the bounds); unbounded integers must still be safe.
 */
export function checkInteger(op: string, name: string, value: unknown, bounds: NumberBounds = {}) {
  if (typeof value !== "number") {
    throw new TypeError(
      `${op}: ${name} must be ${range(bounds, true, value)}, got ${describeValue(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || !inBounds(value, bounds)) {
    throw new RangeError(
      `${op}: ${name} must be ${range(bounds, true, value)}, got ${describeValue(value)}`,
    );
  }
}

/** `value` must be `true` or `false` (a `TypeError`: `"yes"` and `1` are not booleans). */
export function checkBoolean(op: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${op}: ${name} must be true or false, got ${describeValue(value)}`);
  }
}

/** `value` must be a function (a `TypeError` naming what it should compute). */
export function checkFunction(
  op: string,
  name: string,
  value: unknown,
  expected = "a function",
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== "function") {
    throw new TypeError(`${op}: ${name} must be ${expected}, got ${describeValue(value)}`);
  }
}

/**
 * An options argument: `undefined` (all defaults) or a plain object, returned as an object
 * (a `TypeError` for `null`, a string, a number or an array). With `known`, a key outside the
 * list is a `TypeError` too: a misspelt option would otherwise be silently ignored.
 */
export function checkOptions<T extends object>(
  op: string,
  options: T | undefined,
  known?: readonly string[],
  name = "options",
): T {
  if (options === undefined) return {} as T;
  const proto = typeof options === "object" && options !== null
    ? Object.getPrototypeOf(options)
    : undefined;
  if (
    typeof options !== "object" || options === null || Array.isArray(options) ||
    (proto !== Object.prototype && proto !== null)
  ) {
    throw new TypeError(
      `${op}: ${name} must be a plain object or undefined, got ${describeValue(options)}`,
    );
  }
  if (known !== undefined) {
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) {
        throw new TypeError(
          `${op}: unknown option ${JSON.stringify(k.slice(0, MAX_STRING))} in ${name}; ` +
            `the options are ${known.join(", ")}`,
        );
      }
    }
  }
  return options;
}

/** A plain object of strings, such as file metadata (a `TypeError` naming `op` otherwise). */
export function checkStringRecord(op: string, name: string, value: unknown): void {
  checkOptions(op, value as object, undefined, name);
  if (value === undefined) throw new TypeError(`${op}: ${name} must be an object of strings`);
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `${op}: ${name}.${k.slice(0, MAX_STRING)} must be a string, got ${describeValue(v)}`,
      );
    }
  }
}
