/**
 * gradstream: neural networks as pure functions over immutable typed arrays.
 *
 * - Tensors are plain frozen values `{ dtype, shape, data }`; no function writes into its
 *   inputs.
 * - Every primitive returns its output and a pullback (a vector-Jacobian product); layers are
 *   `init`/`apply` pairs that chain those pullbacks in reverse.
 * - Optimisers are chains of pure gradient transforms with explicit state.
 * - Training is an RxJS pipeline of mini-batches through `forward`, `backward`, `regularize`
 *   and `step`; any RxJS operator fits between two stages.
 * - The float64 finite-difference gradient checker is public: `@gradstream/gradstream/testing`
 *   (from npm: `gradstream/testing`).
 * - A backend is a value a model's training state carries (`initTrain(..., { backend })`);
 *   backends, their selection and custom kernels: `@gradstream/gradstream/kernels`.
 *
 * @example
 * ```ts
 * import {
 *   accuracy, adam, batches, dense, evaluate, fit, initTrain, key, reluLayer, serial,
 *   softmaxCrossEntropy, train, twoMoons,
 * } from "./mod.ts";
 * import { lastValueFrom } from "rxjs";
 *
 * const model = serial(dense(32), reluLayer(), dense(32), reluLayer(), dense(2));
 * const optimizer = adam(0.02);
 * const data = twoMoons(key(1), 256);
 * const last = await lastValueFrom(
 *   fit(
 *     initTrain(model, optimizer, key(0), [2]),
 *     batches(data, { batchSize: 32, shuffle: key(2), epochs: 30 }),
 *     train({ model, loss: softmaxCrossEntropy, optimizer }),
 *   ),
 * );
 * const result = evaluate(model, last.state, data, { metrics: { accuracy } });
 * if (!(result.accuracy > 0.9)) throw new Error(`accuracy ${result.accuracy}`);
 * ```
 *
 * @module
 */

// Values: tensors, keys, parameter trees, pullbacks.
export * from "./src/tensor.ts";
export * from "./src/random.ts";
export * from "./src/tree.ts";
export * from "./src/vjp.ts";

// Differentiable primitives; a backend by name for initTrain/vjp (the rest: gradstream/kernels).
export * from "./src/ops/mod.ts";
export { backend, type Backend, type BackendName, defaultBackend } from "./src/kernels/mod.ts";

// Models: layers, initialisers, losses.
export * from "./src/layers/layer.ts";
export * from "./src/layers/mod.ts";
export * from "./src/init.ts";
export * from "./src/losses.ts";

// Optimisation and training.
export * from "./src/optim/mod.ts";
export * from "./src/train/mod.ts";
export * from "./src/checkpoint.ts";
export * from "./src/data/mod.ts";
