/**
 * Reverse-mode differentiation by composing the primitives' pullbacks, with no global tape.
 *
 * A {@linkcode Trace} lives for one computation (a training step, one `vjp` call). You `watch`
 * the inputs you want cotangents for, run forward code through `trace.ops`, and ask for the
 * cotangents of the watched inputs. Each primitive call whose inputs depend on a watched tensor
 * records its pullback; calls on constants only compute. Going back, each pullback is told
 * which of its inputs lead to a watched tensor (`needs`), so a cotangent nobody asked for (the
 * data's, in a model's first layer) is never computed.
 *
 * Tensors are identified by object identity: a primitive always returns a fresh tensor.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { defaultBackend } from "../kernels/select.ts";
import type { Primitive, Pullback } from "../ops/primitive.ts";
import { PRIMITIVES } from "../ops/registry.ts";
import { formatShape, full, isTensor, shapesEqual, type Tensor, zerosLike } from "../tensor.ts";
import { type Tree, treeFlatten } from "../tree.ts";
import { flattenTree } from "../_tree_walk.ts";
import { checkBackend, describeValue } from "../_checks.ts";
import { checkRun, makeOps, type Ops } from "./ops.ts";

interface Node {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly pullback: Pullback;
  readonly needs: readonly boolean[];
}

/**
 * One differentiation: the backend, the watched inputs and the recorded pullbacks.
 *
 * @example
 * ```ts
 * import { Trace } from "./trace.ts";
 * import { backend } from "../kernels/select.ts";
 * import { tensor } from "../tensor.ts";
 * const tr = new Trace(backend("ts"));
 * const w = tr.watch(tensor([[2], [3]], [2, 1], "float64"));
 * const x = tensor([[1, 10]], [1, 2], "float64"); // a constant: no cotangent computed
 * const y = tr.ops.matmul(x, w);
 * const dw = tr.pullback(y, tensor([[1]], [1, 1], "float64"), w);
 * if (y.data[0] !== 32 || dw.data.join() !== "1,10") throw new Error("unexpected");
 * ```
 */
export class Trace {
  /** The backend every primitive in this trace runs on. */
  readonly backend: Backend;
  /** The primitives, recording into this trace. */
  readonly ops: Ops;
  readonly #requires = new Set<Tensor>();
  readonly #nodes: Node[] = [];

  /** A fresh trace on `backend` (the default backend if omitted). */
  constructor(backend: Backend = defaultBackend()) {
    checkBackend("Trace", backend);
    this.backend = backend;
    this.ops = makeOps(backend, true, (p, args) => this.#call(p, args));
  }

  /** Marks every leaf of `tree` as an input whose cotangent may be asked for; returns `tree`. */
  watch<T extends Tree>(tree: T, op = "Trace.watch"): T {
    for (const leaf of flattenTree(op, tree)[0]) this.#requires.add(leaf);
    return tree;
  }

  /** How many pullbacks have been recorded (for tests and benchmarks of dispatch). */
  get size(): number {
    return this.#nodes.length;
  }

  #call(p: Primitive<readonly unknown[]>, args: readonly unknown[]): Tensor {
    const inputs = (p.arity === "list" ? args[0] : args.slice(0, p.arity)) as Tensor[];
    if (!Array.isArray(inputs)) {
      throw new TypeError(
        `Cannot ${p.name}: expected an array of tensors, got ${describeValue(inputs)}`,
      );
    }
    const needs = inputs.map((x) => x !== undefined && this.#requires.has(x));
    const [output, pullback] = checkRun(p, p.run(this.backend, ...args));
    if (!needs.includes(true)) return output;
    if (pullback === undefined) {
      throw new TypeError(
        `${p.name} has no derivative, but its input depends on a differentiated value ` +
          `(call it on a constant, or outside the differentiated function)`,
      );
    }
    if (inputs.includes(output)) {
      throw new TypeError(
        `${p.name} returned one of its inputs; a primitive must return a fresh tensor`,
      );
    }
    this.#nodes.push({ name: p.name, inputs, output, pullback, needs });
    this.#requires.add(output);
    return output;
  }

  /**
   * The cotangents of `wrt` (watched tensors) given cotangents of `outputs`: trees of the same
   * structure, a `null` leaf of `cotangents` meaning zero. A watched tensor that no output
   * depends on gets zeros. The trace can be pulled back through more than once.
   */
  pullback<W extends Tree>(outputs: Tree, cotangents: Tree, wrt: W, op = "Trace.pullback"): W {
    if (cotangents === undefined) {
      throw new TypeError(
        `${op}: the cotangents must be a tensor or a tree like the outputs, got ${
          describeValue(cotangents)
        }`,
      );
    }
    const [wrtLeaves, unflatten] = flattenTree(`${op} (wrt)`, wrt);
    const pairs: [Tensor, Tensor | null][] = [];
    pairLeaves(op, outputs, cotangents, pairs);
    const acc = new Map<Tensor, Tensor>();
    for (const [y, ct] of pairs) {
      if (ct !== null) this.#accumulate(acc, y, ct, "a cotangent of the outputs");
    }
    for (let n = this.#nodes.length - 1; n >= 0; n--) {
      const node = this.#nodes[n];
      const dy = acc.get(node.output);
      if (dy === undefined) continue;
      const din = node.pullback(dy, node.needs);
      for (let i = 0; i < node.inputs.length; i++) {
        if (!node.needs[i]) continue;
        const d = din[i];
        if (d === undefined) {
          throw new TypeError(`${node.name}'s pullback returned no cotangent for input ${i}`);
        }
        this.#accumulate(acc, node.inputs[i], d, `${node.name}'s pullback`);
      }
    }
    return unflatten(wrtLeaves.map((leaf) => acc.get(leaf) ?? zerosLike(leaf))) as W;
  }

  #accumulate(acc: Map<Tensor, Tensor>, x: Tensor, d: Tensor, from: string): void {
    if (!shapesEqual(x.shape, d.shape)) {
      throw new TypeError(
        `${from} has shape ${formatShape(d.shape)} for a tensor of shape ${formatShape(x.shape)}`,
      );
    }
    const prev = acc.get(x);
    acc.set(x, prev === undefined ? d : PRIMITIVES.add.run(this.backend, prev, d)[0]);
  }
}

/** Pairs each output leaf with its cotangent (`null`: zero), walking both trees together. */
function pairLeaves(
  op: string,
  outputs: Tree,
  cotangents: Tree,
  out: [Tensor, Tensor | null][],
): void {
  const mismatch = () =>
    new TypeError(
      `${op}: the cotangents must have the outputs' structure (null for zero), got ${
        describeValue(cotangents)
      }`,
    );
  if (outputs === null) return;
  if (isTensor(outputs)) {
    if (cotangents !== null && !isTensor(cotangents)) throw mismatch();
    if (cotangents !== null) {
      if (!shapesEqual(cotangents.shape, outputs.shape)) {
        throw new TypeError(
          `${op}: a cotangent of the outputs has shape ${
            formatShape(cotangents.shape)
          } for a tensor of shape ${formatShape(outputs.shape)}`,
        );
      }
      if (cotangents.dtype !== outputs.dtype) {
        throw new TypeError(
          `${op}: a cotangent of the outputs is ${cotangents.dtype} for a ${outputs.dtype} tensor ` +
            `of shape ${formatShape(outputs.shape)} (give it the output's dtype)`,
        );
      }
    }
    out.push([outputs, cotangents]);
    return;
  }
  if (cotangents === null) {
    for (const leaf of treeFlatten(outputs)[0]) out.push([leaf, null]);
    return;
  }
  if (Array.isArray(outputs)) {
    if (!Array.isArray(cotangents) || cotangents.length !== outputs.length) throw mismatch();
    outputs.forEach((o, i) => pairLeaves(op, o, (cotangents as readonly Tree[])[i], out));
    return;
  }
  if (typeof cotangents !== "object" || Array.isArray(cotangents) || isTensor(cotangents)) {
    throw mismatch();
  }
  const o = outputs as { readonly [k: string]: Tree };
  const c = cotangents as { readonly [k: string]: Tree };
  for (const k of Object.keys(c)) if (!(k in o)) throw mismatch();
  for (const k of Object.keys(o)) pairLeaves(op, o[k], k in c ? c[k] : null, out);
}

/** Options of {@linkcode vjp} and {@linkcode valueAndGrad}. */
export interface VjpOptions {
  /** The backend the primitives run on; default {@linkcode defaultBackend}. */
  readonly backend?: Backend;
}

/**
 * Runs `f(t, primals)` and returns its output with a pullback from output cotangents (a tree
 * of the output's structure; `null` leaves are zero) to cotangents of `primals`. Only
 * `primals` are differentiated: tensors `f` closes over are constants, and no cotangent is
 * computed for them. As JAX's `vjp`, with the primitives reached through `t`.
 *
 * @example
 * ```ts
 * import { vjp } from "./trace.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([[1, 2]], [1, 2], "float64");
 * const [y, pullback] = vjp((t, w) => t.matmul(x, w), tensor([[3], [4]], [2, 1], "float64"));
 * const dw = pullback(tensor([[1]], [1, 1], "float64"));
 * if (y.data[0] !== 11 || dw.data.join() !== "1,2") throw new Error("unexpected");
 * ```
 */
export function vjp<P extends Tree, Y extends Tree>(
  f: (t: Ops, primals: P) => Y,
  primals: P,
  options: VjpOptions = {},
): [Y, (cotangents: Y | Tree) => P] {
  if (typeof f !== "function") {
    throw new TypeError(
      `vjp: f must be a function (t, primals) => output, got ${describeValue(f)}`,
    );
  }
  checkVjpOptions("vjp", options);
  return vjpAs("vjp", f, primals, options);
}

function vjpAs<P extends Tree, Y extends Tree>(
  op: string,
  f: (t: Ops, primals: P) => Y,
  primals: P,
  options: VjpOptions,
): [Y, (cotangents: Y | Tree) => P] {
  const trace = new Trace(options.backend);
  trace.watch(primals, op);
  const y = f(trace.ops, primals);
  return [y, (ct) => trace.pullback(y, ct as Tree, primals, op)];
}

/**
 * The value of a scalar function `f(t, primals)` (a tensor of one element) and its gradient
 * with respect to `primals`, as JAX's `value_and_grad`.
 *
 * @example
 * ```ts
 * import { valueAndGrad } from "./trace.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([[1, 2]], [1, 2], "float64");
 * const [value, { w }] = valueAndGrad((t, p) => t.matmul(x, p.w), { w: tensor([[3], [4]], [2, 1], "float64") });
 * if (value !== 11 || w.data.join() !== "1,2") throw new Error("unexpected");
 * ```
 */
export function valueAndGrad<P extends Tree>(
  f: (t: Ops, primals: P) => Tensor,
  primals: P,
  options: VjpOptions = {},
): [value: number, grads: P] {
  if (typeof f !== "function") {
    throw new TypeError(
      `valueAndGrad: f must be a function (t, primals) => scalar tensor, got ${describeValue(f)}`,
    );
  }
  checkVjpOptions("valueAndGrad", options);
  const [y, pullback] = vjpAs("valueAndGrad", f, primals, options);
  if (!isTensor(y) || y.data.length !== 1) {
    throw new TypeError(
      `valueAndGrad: f must return a tensor with one element, got ${
        isTensor(y) ? `shape ${formatShape(y.shape)}` : describeValue(y)
      }`,
    );
  }
  return [y.data[0], pullback(full(y.shape, 1, y.dtype))];
}

function checkVjpOptions(op: string, options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `${op}: options must be an object { backend? }, got ${describeValue(options)}`,
    );
  }
  for (const k of Object.keys(options)) {
    if (k !== "backend") {
      throw new TypeError(`${op}: unknown option ${JSON.stringify(k)} (expected backend)`);
    }
  }
  const b = (options as VjpOptions).backend;
  if (b !== undefined) checkBackend(op, b, "options.backend");
}
