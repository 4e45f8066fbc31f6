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

import fc from "fast-check";
import { isTensor, type Tensor, tensor } from "../src/tensor.ts";

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
// Value pools.

const symbol = Symbol("sweep");

/** Values of the wrong kind for almost any argument. */
export const junk: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  null,
  "1",
  "",
  true,
  {},
  [],
  [[]],
  1n,
  symbol,
  new Map(),
  () => 1,
);

/** Junk (less what `keep` says is valid here), and `undefined` where the argument is required. */
function required(
  optional: boolean | undefined,
  extra: fc.Arbitrary<unknown>[],
  keep: (v: unknown) => boolean = () => false,
) {
  const j = junk.filter((v) => !keep(v));
  return optional ? fc.oneof(j, ...extra) : fc.oneof(j, fc.constant(undefined), ...extra);
}

/** Options of the number kinds. */
export interface NumOptions {
  /** Smallest valid value. */
  min?: number;
  /** Largest valid value. */
  max?: number;
  /** `min` itself is invalid. */
  minExclusive?: boolean;
  /** `max` itself is invalid. */
  maxExclusive?: boolean;
  /** Only integers are valid. */
  int?: boolean;
  /** ±Infinity are valid. */
  infinite?: boolean;
  /** NaN is valid (a documented pass-through). */
  nan?: boolean;
  /** The argument may be left out. */
  optional?: boolean;
}

/** A number argument with a valid value and its invalid neighbours. */
export function num(valid: number, o: NumOptions = {}): Arg {
  const bad: fc.Arbitrary<unknown>[] = [fc.constantFrom<unknown>("2", "0", " 1 ", "NaN")];
  if (!o.nan) bad.push(fc.constant(NaN));
  if (!o.infinite) bad.push(fc.constantFrom(Infinity, -Infinity));
  if (o.int) bad.push(fc.constantFrom(0.5, 1.5, 2 ** 53 + 2, -0.25));
  if (o.min !== undefined) {
    const m = o.min;
    bad.push(o.minExclusive ? fc.constant(m) : fc.constant(m - (o.int ? 1 : 0.5)));
    bad.push(fc.double({ max: m - 1, noNaN: true, noDefaultInfinity: true }));
  }
  if (o.max !== undefined) {
    const m = o.max;
    bad.push(o.maxExclusive ? fc.constant(m) : fc.constant(m + (o.int ? 1 : 0.5)));
    if (o.int) bad.push(fc.constantFrom(m + 2 ** 31, m + 2 ** 40));
  }
  return { valid: () => valid, bad: required(o.optional, bad) };
}

/** A count of elements or examples: an integer in `[min, max]`, huge values invalid. */
export function count(valid: number, min = 1, max = 2 ** 26, optional = false): Arg {
  return num(valid, { int: true, min, max, optional });
}

/** A boolean argument. */
export function bool(valid: boolean, optional = true): Arg {
  return {
    valid: () => valid,
    bad: required(
      optional,
      [fc.constantFrom<unknown>("yes", "false", 0, 1, null)],
      (v) => typeof v === "boolean",
    ),
  };
}

/** A dtype argument. */
export function dtype(valid: "float32" | "float64" = "float64", optional = true): Arg {
  return {
    valid: () => valid,
    bad: required(optional, [
      fc.constantFrom<unknown>("int32", "float16", "Float32", "f32", 32, "bfloat16"),
    ]),
  };
}

/** A shape argument (dimensions bounded by `maxDim` for the valid value). */
export function shape(valid: readonly number[], optional = false): Arg {
  return {
    valid: () => [...valid],
    bad: required(optional, [
      fc.constantFrom<unknown>(
        [[]],
        "2,3",
        3,
        [-1],
        [2, -3],
        [1.5],
        [NaN],
        [Infinity],
        ["2"],
        [[2]],
        [null],
        { length: 2 },
        [1e6, 1e6],
        [2 ** 31],
        [65536, 65536, 2],
      ),
    ], (v) => Array.isArray(v) && v.length === 0),
  };
}

/** A PRNG key argument. */
export function key(valid: readonly [number, number] = [0, 7], optional = false): Arg {
  return {
    valid: () => [valid[0], valid[1]],
    bad: required(optional, [
      fc.constantFrom<unknown>(
        [1],
        [1, 2, 3],
        [-1, 0],
        [0.5, 0],
        ["0", "1"],
        "0,1",
        42,
        [2 ** 32, 0],
        [NaN, 0],
        [0, Infinity],
      ),
    ]),
  };
}

/** Objects that look like tensors but are not, and plain arrays. */
export const fakeTensors: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  [1, 2],
  [[1, 2]],
  new Float32Array(2),
  { dtype: "float32", shape: [2], data: [1, 2] },
  { dtype: "int32", shape: [2], data: new Int32Array(2) },
  { dtype: "float32", shape: [3], data: new Float32Array(2) },
  { dtype: "float64", shape: [2], data: new Float32Array(2) },
  { dtype: "float32", shape: "2", data: new Float32Array(2) },
  { dtype: "float32", shape: [-2], data: new Float32Array(2) },
  { shape: [2], data: new Float64Array(2) },
);

/** A tensor argument: a fresh valid tensor, and non-tensors plus the given wrong tensors. */
export function tensorArg(
  valid: () => Tensor,
  wrong: readonly (() => Tensor)[] = [],
  optional = false,
): Arg {
  const extra = [fakeTensors];
  if (wrong.length > 0) extra.push(fc.constantFrom(...wrong).map((make) => make()));
  return { valid, bad: required(optional, extra) };
}

/** A float64 tensor from nested values (the valid inputs of most specs). */
export function t64(values: number[] | number[][], shape?: number[]): Tensor {
  return tensor(values, shape, "float64");
}

/** A float32 tensor from nested values. */
export function t32(values: number[] | number[][], shape?: number[]): Tensor {
  return tensor(values, shape, "float32");
}

/** A function argument. */
export function fn(valid: () => unknown, optional = false): Arg {
  return {
    valid,
    bad: required(
      optional,
      [fc.constantFrom<unknown>(3, "relu", [() => 1])],
      (v) => typeof v === "function",
    ),
  };
}

const cyclic: Record<string, unknown> = { w: null };
cyclic.self = cyclic;

/** Malformed parameter trees: leaves that are not tensors, non-tree containers, a cycle. */
export const badTrees: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  cyclic,
  3,
  "w",
  undefined,
  { w: [1, 2] },
  { w: undefined },
  { w: { dtype: "float32", shape: [2], data: [1, 2] } },
  [undefined],
  [3],
  new Map(),
  { w: new Float32Array(2) },
);

/** A tree argument with the given wrong trees (mis-structured or mis-shaped) as well. */
export function treeArg(valid: () => unknown, wrong: readonly (() => unknown)[] = []): Arg {
  const extra = [badTrees];
  if (wrong.length > 0) extra.push(fc.constantFrom(...wrong).map((make) => make()));
  return { valid, bad: fc.oneof(...extra) };
}

/** An argument whose malformed values are the given ones (at least one). */
export function arg(valid: () => unknown, first: unknown, ...bad: unknown[]): Arg {
  return { valid, bad: fc.constantFrom(first, ...bad) };
}

/** An argument not swept: only its valid value is used (the list of bad values is empty). */
export function fixed(valid: () => unknown): Arg {
  return { valid, bad: NONE };
}

/** Marks an argument that has no malformed values to draw. */
export const NONE: fc.Arbitrary<unknown> = fc.constant(Symbol("no malformed values"));

/**
 * An options object: `undefined` and `{}` are valid when `optional`; junk, unknown keys and
 * each field's malformed values are not. `fields` gives each option's kind.
 */
export function options(
  valid: () => Record<string, unknown> | undefined,
  fields: Record<string, Arg>,
  { optional = true, strict = true }: { optional?: boolean; strict?: boolean } = {},
): Arg {
  const names = Object.keys(fields).filter((k) => fields[k].bad !== NONE);
  const extra: fc.Arbitrary<unknown>[] = [fc.constantFrom<unknown>("fast", 3, [], [{}], true)];
  if (!optional) extra.push(fc.constant(undefined));
  if (strict) extra.push(fc.constant({ ...(valid() ?? {}), noSuchOption: 1 }));
  if (names.length > 0) {
    extra.push(
      fc.constantFrom(...names).chain((k) =>
        fields[k].bad.filter((v) => v !== undefined).map((v) => ({ ...(valid() ?? {}), [k]: v }))
      ),
    );
  }
  return { valid, bad: fc.oneof(fc.constant(null), ...extra) };
}

// ---------------------------------------------------------------------------------------------
// Outcomes.

/** What one call did. */
export type Outcome =
  | "named" // a TypeError/RangeError naming the called function
  | "unnamed" // a TypeError/RangeError that does not name it
  | "engine" // an engine error (null property access, not a function, allocation failure)
  | "other" // some other error class
  | "silent"; // returned without complaint

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
