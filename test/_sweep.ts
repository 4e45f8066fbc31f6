/**
 * The malformed-argument sweep's framework: argument kinds (each a valid value and a
 * fast-check arbitrary of malformed ones), the spec of a call, and the classification of what
 * a call did. The specs themselves live in `_sweep_specs_*.ts`; `api_sweep_test.ts` runs them.
 *
 * A malformed argument must make the call throw a `TypeError` or `RangeError` whose message
 * names the function the user called (as a word: `dense`, not `denseLayer`). Anything else is
 * a finding: another error class, an engine error (`Cannot read properties of null`), a
 * message naming some other function, or a silent success. The valid call of each spec must
 * return without a NaN anywhere in its result.
 *
 * Sizes are bounded: a "huge" size is past 2³¹ elements, so an unchecked allocation fails at
 * once instead of running (or hanging) for long.
 *
 * @module
 */

import type fc from "fast-check";
import { isTensor } from "../src/tensor.ts";

export * from "./_sweep_args.ts";

/** One argument position: how to make a valid value, and malformed ones. */
export interface Arg {
  /** A fresh valid value. */
  valid: () => unknown;
  /** Malformed values for this position. */
  bad: fc.Arbitrary<unknown>;
}

/** One call to sweep. */
export interface Spec {
  /** What the report calls it (`dense`, `dense(3).apply`). */
  label: string;
  /** The name the error messages must contain. */
  name: string;
  /** The arguments, in order. */
  args: readonly Arg[];
  /** Makes the call. */
  call: (...args: unknown[]) => unknown;
  /** Extra check of the valid call's result (after the generic NaN check); throws if wrong. */
  ok?: (result: unknown) => void;
  /** The valid result may hold NaN (documented as such), so the NaN check is skipped. */
  nanOk?: boolean;
  /** The call itself is malformed (a bad configuration): it must throw, named. */
  mustThrow?: boolean;
}

/** A call that is wrong as a whole (no valid form): it must throw a named typed error. */
export function badCall(name: string, label: string, thunk: () => unknown): Spec {
  return { label, name, args: [], call: thunk, mustThrow: true };
}

/** A spec for `fn` under its own name. */
export function spec(
  name: string,
  fn: (...args: never[]) => unknown,
  args: readonly Arg[],
  extra: Partial<Spec> = {},
): Spec {
  return {
    label: name,
    name,
    args,
    call: (...a: unknown[]) => (fn as (...args: unknown[]) => unknown)(...a),
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Outcomes.

/** What one call did. */
export type Outcome =
  | "named" // a TypeError/RangeError naming the called function
  | "unnamed" // a TypeError/RangeError that does not name it
  | "engine" // an engine error (null property access, not a function, allocation failure)
  | "other" // some other error class
  | "silent" // returned without complaint
  | "hang"; // took longer than HANG_MS, whatever it did (a loop on a huge size, say)

/** A call slower than this (in milliseconds) counts as a hang: malformed calls fail fast. */
export const HANG_MS = 2000;

const ENGINE = new RegExp(
  [
    "Cannot read propert",
    "Cannot destructure",
    "is not a function",
    "is not iterable",
    "is not a constructor",
    "Invalid typed array length",
    "Array buffer allocation failed",
    "Invalid array length",
    "Maximum call stack",
    "Cannot convert",
    "undefined is not an object",
    "null is not an object",
    "Cannot use 'in' operator",
    "Right side of assignment",
    "out of memory",
  ].join("|"),
  "i",
);

/** True when `message` contains `name` as a word (not as part of a longer identifier). */
export function names(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`).test(message);
}

/** Classifies a thrown value for a call that should have named `name`. */
export function classify(e: unknown, name: string): Outcome {
  if (!(e instanceof Error)) return "other";
  if (ENGINE.test(e.message)) return "engine";
  if (!(e instanceof TypeError || e instanceof RangeError)) return "other";
  return names(e.message, name) ? "named" : "unnamed";
}

/** Every NaN in a result: in tensors, numbers, arrays and plain objects (bounded walk). */
export function findNaN(value: unknown, depth = 0): string | undefined {
  if (depth > 6) return undefined;
  if (typeof value === "number") return Number.isNaN(value) ? "a NaN number" : undefined;
  if (isTensor(value)) {
    const d = value.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] !== d[i]) return `NaN at flat index ${i} of a tensor [${value.shape.join(",")}]`;
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = findNaN(v, depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const v of Object.values(value)) {
      const r = findNaN(v, depth + 1);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

/** A short description of an argument for the report. */
export function show(value: unknown): string {
  if (typeof value === "symbol") return "Symbol()";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (isTensor(value)) return `${value.dtype}[${value.shape.join(",")}]`;
  try {
    const s = JSON.stringify(
      value,
      (_k, v) => ArrayBuffer.isView(v) ? `${v.constructor.name}(${(v as Float32Array).length})` : v,
    );
    return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 80)}…` : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
