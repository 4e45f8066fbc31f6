/**
 * The argument kinds of the malformed-argument sweep: for each kind (number, count, shape,
 * dtype, key, tensor, tree, options, function), a valid value and a fast-check arbitrary of
 * malformed ones. Re-exported by `_sweep.ts`.
 *
 * @module
 */

import fc from "fast-check";
import { type Tensor, tensor } from "../src/tensor.ts";
import type { Arg } from "./_sweep.ts";

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
