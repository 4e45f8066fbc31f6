/**
 * The training state: the one value that loops back from each step to the next.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { defaultBackend } from "../kernels/select.ts";
import type { Layer, ShapeTree } from "../layers/layer.ts";
import type { Transform } from "../optim/transform.ts";
import { foldIn, type Key, split } from "../random.ts";
import type { Tree } from "../tree.ts";
import {
  checkBackend as checkBackendValue,
  checkInteger,
  checkKey,
  checkLayer,
  checkOptions,
  checkShape,
  checkTransform,
  describeValue,
  rethrowAs,
} from "../_checks.ts";

/**
 * Everything a training step reads and writes. Immutable: a step returns a new state.
 * `optState` is the optimiser's own state, opaque to the loop (a tree of tensors for every
 * transform gradstream ships, so it can be checkpointed with the parameters).
 */
export interface TrainState<P extends Tree = Tree, S extends Tree = Tree, O = unknown> {
  /** Model parameters. */
  readonly params: P;
  /** Model state (batch-norm running statistics; `null` for stateless models). */
  readonly modelState: S;
  /** Optimiser state, typed by the optimiser (`Transform<O>`) the state was made for. */
  readonly optState: O;
  /** The backend every primitive of this run's steps runs on. */
  readonly backend: Backend;
  /** Optimiser steps taken so far. */
  readonly step: number;
  /** The epoch of the last batch trained on (0 before the first step). */
  readonly epoch: number;
  /** The run's key; step `t` draws its randomness from {@linkcode stepKey}`(key, t)`. */
  readonly key: Key;
}

/** Options of {@linkcode initTrain}. */
export interface InitTrainOptions {
  /** The backend every step of the run computes on; default {@linkcode defaultBackend}. */
  readonly backend?: Backend;
}

/**
 * A fresh training state: splits `key` into an initialisation key (for `model.init`) and the
 * run key that dropout and other training-time randomness derive from. The state is typed by
 * the optimiser, so `step` with another optimiser's state is a type error; it carries the
 * backend (`options.backend`, the default backend otherwise) that `forward`, `step`,
 * `evaluate` and `predict` compute on.
 *
 * @example
 * ```ts
 * import { initTrain } from "./state.ts";
 * import type { Layer } from "../layers/layer.ts";
 * import type { Transform } from "../optim/transform.ts";
 * import { backend } from "../kernels/select.ts";
 * import { key } from "../random.ts";
 * import { zeros } from "../tensor.ts";
 * const bias: Layer<{ b: ReturnType<typeof zeros> }, null> = {
 *   init: (_k, inShape) => ({ outShape: inShape, params: { b: zeros(inShape as number[]) }, state: null }),
 *   apply: (t, p, state, x) => ({ y: t.add(x, p.b), state }),
 * };
 * const noop: Transform<null> = { init: () => null, update: (g, s) => [g, s] };
 * const s = initTrain(bias, noop, key(0), [3], { backend: backend("ts") });
 * if (s.step !== 0 || s.params.b.shape[0] !== 3 || s.backend.name !== "ts") throw new Error("unexpected");
 * ```
 */
export function initTrain<P extends Tree, S extends Tree, O>(
  model: Layer<P, S>,
  optimizer: Transform<O>,
  key: Key,
  inShape: ShapeTree,
  options: InitTrainOptions = {},
): TrainState<P, S, O> {
  const op = "initTrain";
  checkLayer(op, model);
  checkTransform(op, optimizer);
  checkKey(op, key);
  if (Array.isArray(inShape) && inShape.every((d) => typeof d === "number")) {
    checkShape(op, inShape, "the example shape inShape");
  }
  const { backend = defaultBackend() } = checkOptions(op, options, ["backend"]);
  checkBackend(op, backend);
  const [initKey, runKey] = split(key);
  const { params, state } = rethrowAs(op, () => model.init(initKey, inShape));
  const optState = rethrowAs(op, () => optimizer.init(params));
  return Object.freeze({
    params,
    modelState: state,
    optState,
    backend,
    step: 0,
    epoch: 0,
    key: runKey,
  });
}

/** A backend is an object with a `name`, a `description` and a `gemm` kernel. */
export function checkBackend(op: string, backend: unknown, what = "options.backend"): void {
  checkBackendValue(op, backend, what);
  const b = backend as Partial<Backend>;
  if (typeof b.name !== "string" || typeof b.description !== "string") {
    throw new TypeError(
      `${op}: ${what} must be a backend (from backend("ts"), defaultBackend() ...), got ${
        describeValue(backend)
      }`,
    );
  }
}

/**
 * The key for step `step` of a run: `foldIn(key, step)` (steps past 2^32 fold in both halves).
 * `forward` hands it to `model.apply`, so dropout masks are a function of seed and step.
 *
 * @example
 * ```ts
 * import { stepKey } from "./state.ts";
 * import { foldIn, key } from "../random.ts";
 * if (stepKey(key(1), 5).join() !== foldIn(key(1), 5).join()) throw new Error("unexpected");
 * ```
 */
export function stepKey(key: Key, step: number): Key {
  checkKey("stepKey", key);
  checkInteger("stepKey", "step", step, { min: 0 });
  if (step <= 0xffffffff) return foldIn(key, step);
  return foldIn(foldIn(key, step % 0x100000000), Math.floor(step / 0x100000000));
}
