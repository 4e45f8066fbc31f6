/**
 * `Ops`: the primitives as methods, bound to a backend and (while differentiating) to a trace.
 *
 * Layers, losses, penalties and optimiser links are written against an `Ops` value `t`:
 * `t.linear(x, w, b)`, `t.relu(h)`. Outside differentiation `t` just computes
 * ({@linkcode untraced}); inside `vjp`/`valueAndGrad` or a training step it is a trace's, and
 * each call also records the primitive's pullback. The same forward code serves both.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { defaultBackend } from "../kernels/select.ts";
import type { Primitive, Pullback } from "../ops/primitive.ts";
import { PRIMITIVES, type Primitives } from "../ops/registry.ts";
import { isTensor, type Tensor } from "../tensor.ts";
import { checkBackend, describeValue } from "../_checks.ts";

/** The method an `Ops` value has for a primitive: its arguments, minus the backend. */
export type OpMethod<P> = P extends Primitive<infer A> ? (...args: A) => Tensor : never;

/** The primitives as methods, the backend they run on, and a way to call any other primitive. */
export type Ops =
  & { readonly [K in keyof Primitives]: OpMethod<Primitives[K]> }
  & {
    /** The backend every call runs on. */
    readonly backend: Backend;
    /** Whether calls are being recorded for differentiation. */
    readonly tracing: boolean;
    /** Calls any primitive (one of your own, say) through this `Ops`, recorded like the rest. */
    call<A extends readonly unknown[]>(primitive: Primitive<A>, ...args: A): Tensor;
  };

/** How an `Ops` value runs one primitive call (a trace records it; {@linkcode untraced} not). */
export type Caller = (primitive: Primitive<readonly unknown[]>, args: readonly unknown[]) => Tensor;

/** Builds an `Ops` value over `backend` whose every call goes through `caller`. */
export function makeOps(backend: Backend, tracing: boolean, caller: Caller): Ops {
  const ops: Record<string, unknown> = {
    backend,
    tracing,
    call: (p: Primitive<readonly unknown[]>, ...args: unknown[]) => {
      if (typeof p !== "object" || p === null || typeof p.run !== "function") {
        throw new TypeError(
          `t.call: the first argument must be a primitive (from primitive(...)), got ${
            describeValue(p)
          }`,
        );
      }
      return caller(p, args);
    },
  };
  for (const p of Object.values(PRIMITIVES) as Primitive<readonly unknown[]>[]) {
    ops[p.name] = (...args: unknown[]) => caller(p, args);
  }
  return Object.freeze(ops) as unknown as Ops;
}

/**
 * Throws a `TypeError` naming `op` unless `t` is an `Ops` value (from `untraced(backend)` or a
 * trace): the first argument of every layer's `apply`, loss, penalty and optimiser update.
 */
export function checkOps(op: string, t: unknown): asserts t is Ops {
  const o = t as Partial<Ops> | null;
  if (
    typeof o !== "object" || o === null || typeof o.call !== "function" ||
    typeof o.add !== "function" || typeof o.backend?.gemm !== "function"
  ) {
    throw new TypeError(
      `${op}: t must be an Ops value (untraced(backend), or the t a trace gives), got ${
        describeValue(t)
      }`,
    );
  }
}

/** What a primitive's `run` returned must be `[tensor, pullback or undefined]`. */
export function checkRun(
  p: Primitive<readonly unknown[]>,
  r: unknown,
): readonly [Tensor, Pullback | undefined] {
  if (
    !Array.isArray(r) || !isTensor(r[0]) || !(r[1] === undefined || typeof r[1] === "function")
  ) {
    throw new TypeError(
      `${p.name}: a primitive's run must return [output tensor, pullback], got ${describeValue(r)}`,
    );
  }
  return r as unknown as readonly [Tensor, Pullback | undefined];
}

const plain = new WeakMap<Backend, Ops>();

/**
 * An `Ops` value that only computes: pullbacks are dropped. For evaluation, prediction,
 * optimiser updates and any forward computation outside differentiation.
 *
 * @example
 * ```ts
 * import { untraced } from "./ops.ts";
 * import { backend } from "../kernels/select.ts";
 * import { tensor } from "../tensor.ts";
 * const t = untraced(backend("ts"));
 * const y = t.matmul(tensor([[1, 2]]), tensor([[3], [4]]));
 * if (y.data[0] !== 11) throw new Error("unexpected");
 * ```
 */
export function untraced(backend: Backend = defaultBackend()): Ops {
  checkBackend("untraced", backend);
  let ops = plain.get(backend);
  if (ops === undefined) {
    ops = makeOps(backend, false, (p, args) => checkRun(p, p.run(backend, ...args))[0]);
    plain.set(backend, ops);
  }
  return ops;
}
