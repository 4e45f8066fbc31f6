/**
 * The primitive contract: the only code that touches tensor data, each with its pullback.
 *
 * A primitive is a named record. `run(backend, ...args)` computes the output on a backend and
 * returns it with a pullback; the first `arity` arguments are the tensors it differentiates
 * with respect to, the rest are static options (an axis, a slope). The pullback receives the
 * output's cotangent and `needs`, one flag per tensor input saying whether anyone wants that
 * input's cotangent: it computes only those (the others come back `undefined`), which is how
 * the first layer of a model never pays for the gradient of the data.
 *
 * Layers and losses never call `run`: they call primitives through an `Ops` value (`t.relu(x)`)
 * and a trace records the pullbacks (see `src/autodiff/trace.ts`).
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import type { Tensor } from "../tensor.ts";
import { describeValue } from "../_checks.ts";

/** The cotangents of a primitive's tensor inputs, in argument order; `undefined` = not needed. */
export type Cotangents = readonly (Tensor | undefined)[];

/**
 * A primitive's pullback: the output cotangent `dy` and which inputs need a cotangent, to the
 * inputs' cotangents. Entries whose `needs` flag is false may be `undefined` and should be.
 */
export type Pullback = (dy: Tensor, needs: readonly boolean[]) => Cotangents;

/**
 * A differentiable primitive (see the module doc). `pullback` is `undefined` for a primitive
 * with no derivative (`argmax`, an optimiser step): calling one in a trace on an input that
 * needs a gradient is a `TypeError` naming it.
 */
export interface Primitive<A extends readonly unknown[] = readonly never[]> {
  /** The name the trace and error messages use, and the `Ops` method name. */
  readonly name: string;
  /**
   * How many leading arguments are differentiable tensor inputs, or `"list"`: the first
   * argument is an array of tensors (`concat`, `stack`), and the pullback returns one
   * cotangent per element of it.
   */
  readonly arity: number | "list";
  /** Runs on `backend`; returns the output and its pullback. Never writes into an argument. */
  readonly run: (backend: Backend, ...args: A) => readonly [Tensor, Pullback | undefined];
}

/**
 * Defines a primitive. The forward code and its pullback go in `run`, side by side.
 *
 * @example
 * ```ts
 * import { primitive } from "./primitive.ts";
 * import { fromTypedArray, tensor, type Tensor } from "../tensor.ts";
 * // y = 2x; dx = 2 dy.
 * const double = primitive("double", 1, (_backend, x: Tensor) => [
 *   fromTypedArray(x.data.map((v) => 2 * v), x.shape),
 *   (dy) => [fromTypedArray(dy.data.map((g) => 2 * g), dy.shape)],
 * ]);
 * if (double.arity !== 1 || double.name !== "double") throw new Error("unexpected");
 * ```
 */
export function primitive<A extends readonly unknown[]>(
  name: string,
  arity: number | "list",
  run: (backend: Backend, ...args: A) => readonly [Tensor, Pullback | undefined],
): Primitive<A> {
  checkPrimitiveName("primitive", name);
  if (!(arity === "list" || (Number.isSafeInteger(arity) && (arity as number) >= 0))) {
    const Ctor = typeof arity === "number" ? RangeError : TypeError;
    throw new Ctor(
      `primitive: arity must be a non-negative integer or "list", got ${describeValue(arity)}`,
    );
  }
  if (typeof run !== "function") {
    throw new TypeError(
      `primitive: run must be a function (backend, ...args) => [output, pullback], got ${
        describeValue(run)
      }`,
    );
  }
  return Object.freeze({ name, arity, run });
}

/**
 * A one-input primitive from a function of the tensor (and static options) whose pullback maps
 * `dy` to `dx`: the common shape of elementwise ops.
 *
 * @example
 * ```ts
 * import { unary } from "./primitive.ts";
 * import { fromTypedArray, type Tensor } from "../tensor.ts";
 * const negate = unary("negate", (x: Tensor) => [
 *   fromTypedArray(x.data.map((v) => -v), x.shape),
 *   (dy) => fromTypedArray(dy.data.map((g) => -g), dy.shape),
 * ]);
 * if (negate.arity !== 1) throw new Error("unexpected");
 * ```
 */
export function unary<A extends readonly unknown[]>(
  name: string,
  fn: (x: Tensor, ...options: A) => readonly [Tensor, (dy: Tensor) => Tensor],
): Primitive<[Tensor, ...A]> {
  checkPrimitiveName("unary", name);
  if (typeof fn !== "function") {
    throw new TypeError(
      `unary: fn must be a function (x, ...options) => [y, pullback], got ${describeValue(fn)}`,
    );
  }
  return primitive(name, 1, (_backend, x: Tensor, ...options: A) => {
    const [y, back] = fn(x, ...options);
    return [y, (dy) => [back(dy)]];
  });
}

function checkPrimitiveName(op: string, name: unknown): void {
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`${op}: name must be a non-empty string, got ${describeValue(name)}`);
  }
}
