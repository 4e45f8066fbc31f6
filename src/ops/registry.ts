/**
 * Every built-in primitive, by name: the table an `Ops` value (`t.relu(x)`) is made from.
 *
 * To add a primitive: define it in a module of `src/ops/` with `primitive(...)` or `unary(...)`,
 * export it, and spread `pick(module)` here (a module's non-primitive exports are skipped).
 *
 * @module
 */

import type { Primitive } from "./primitive.ts";
import * as activations from "./activations.ts";
import * as arithmetic from "./arithmetic.ts";
import * as cast from "./cast.ts";
import * as bernoulliNll from "./bernoulli_nll.ts";
import * as crossEntropy from "./cross_entropy.ts";
import * as sigmoidCrossEntropy from "./sigmoid_cross_entropy.ts";
import * as broadcast from "./broadcast.ts";
import * as elementwise from "./elementwise.ts";
import * as gaussian from "./gaussian.ts";
import * as gelu from "./gelu.ts";
import * as linalg from "./linalg.ts";
import * as reduce from "./reduce.ts";
import * as shape from "./shape.ts";
import * as softmax from "./softmax.ts";
import * as slicing from "./slicing.ts";
import * as joining from "./joining.ts";
import * as pad from "./pad.ts";
import * as select from "./select.ts";
import * as indices from "./indices.ts";
import * as conv from "./conv.ts";
import * as pool from "./pool.ts";
import * as reluPool from "./relu_pool.ts";
import * as convReluPool from "./conv_relu_pool.ts";
import * as lstmCell from "./lstm_cell.ts";
import * as gruCell from "./gru_cell.ts";
import * as lstmSequence from "./lstm_sequence.ts";
import * as gruSequence from "./gru_sequence.ts";

// deno-lint-ignore no-explicit-any
type AnyPrimitive = Primitive<any>;

/** The primitive-valued exports of a module namespace. */
export type PrimitivesOf<M> = {
  readonly [
    // deno-lint-ignore no-explicit-any
    K in keyof M as M[K] extends Primitive<any> ? K : never
  ]: M[K];
};

function isPrimitive(v: unknown): v is AnyPrimitive {
  return typeof v === "object" && v !== null && typeof (v as AnyPrimitive).run === "function" &&
    (typeof (v as AnyPrimitive).arity === "number" || (v as AnyPrimitive).arity === "list") &&
    typeof (v as AnyPrimitive).name === "string";
}

/** The primitives among a module's exports, keyed by their own names. */
export function pick<M extends Record<string, unknown>>(module: M): PrimitivesOf<M> {
  const out: Record<string, AnyPrimitive> = {};
  for (const value of Object.values(module)) if (isPrimitive(value)) out[value.name] = value;
  return out as PrimitivesOf<M>;
}

/** The type of {@linkcode PRIMITIVES}: each module's primitives, by name. */
export type Primitives = Readonly<
  & PrimitivesOf<typeof activations>
  & PrimitivesOf<typeof arithmetic>
  & PrimitivesOf<typeof cast>
  & PrimitivesOf<typeof bernoulliNll>
  & PrimitivesOf<typeof crossEntropy>
  & PrimitivesOf<typeof sigmoidCrossEntropy>
  & PrimitivesOf<typeof broadcast>
  & PrimitivesOf<typeof elementwise>
  & PrimitivesOf<typeof gaussian>
  & PrimitivesOf<typeof gelu>
  & PrimitivesOf<typeof linalg>
  & PrimitivesOf<typeof reduce>
  & PrimitivesOf<typeof shape>
  & PrimitivesOf<typeof softmax>
  & PrimitivesOf<typeof slicing>
  & PrimitivesOf<typeof joining>
  & PrimitivesOf<typeof pad>
  & PrimitivesOf<typeof select>
  & PrimitivesOf<typeof indices>
  & PrimitivesOf<typeof conv>
  & PrimitivesOf<typeof pool>
  & PrimitivesOf<typeof reluPool>
  & PrimitivesOf<typeof convReluPool>
  & PrimitivesOf<typeof lstmCell>
  & PrimitivesOf<typeof gruCell>
  & PrimitivesOf<typeof lstmSequence>
  & PrimitivesOf<typeof gruSequence>
>;

/** All built-in primitives by name. */
export const PRIMITIVES: Primitives = Object.freeze({
  ...pick(activations),
  ...pick(arithmetic),
  ...pick(cast),
  ...pick(bernoulliNll),
  ...pick(crossEntropy),
  ...pick(sigmoidCrossEntropy),
  ...pick(broadcast),
  ...pick(elementwise),
  ...pick(gaussian),
  ...pick(gelu),
  ...pick(linalg),
  ...pick(reduce),
  ...pick(shape),
  ...pick(softmax),
  ...pick(slicing),
  ...pick(joining),
  ...pick(pad),
  ...pick(select),
  ...pick(indices),
  ...pick(conv),
  ...pick(pool),
  ...pick(reluPool),
  ...pick(convReluPool),
  ...pick(lstmCell),
  ...pick(gruCell),
  ...pick(lstmSequence),
  ...pick(gruSequence),
});
