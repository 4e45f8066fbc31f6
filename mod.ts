/**
 * gradstream: neural networks as pure functions over immutable typed arrays.
 *
 * - Tensors are plain frozen values `{ dtype, shape, data }`; no function writes into its
 *   inputs.
 * - Primitives are the only code that touches tensor data, each with its pullback (a
 *   vector-Jacobian product). Layers, losses and optimisers are forward code over them
 *   (`t.linear(x, w, b)`); `vjp` and `valueAndGrad` compose the pullbacks, with no global tape.
 * - Optimisers are chains of pure gradient transforms with explicit state.
 * - Training is an RxJS pipeline of mini-batches through `forward`, `backward`, `regularize`
 *   and `step`; any RxJS operator fits between two stages.
 * - The backend (blas, wasm, ts) is a value a training state carries, not a global setting.
 * - The float64 finite-difference gradient checker is public: `@gradstream/gradstream/testing`
 *   (from npm: `gradstream/testing`). Backends live in `./kernels`, the primitive records in
 *   `./ops`, file formats in `./files`, plots in `./plot`.
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

// Values: tensors, keys, parameter trees.
export {
  astype,
  DEFAULT_DTYPE,
  type DType,
  type FloatArray,
  formatShape,
  fromTypedArray,
  full,
  isTensor,
  item,
  type NestedArray,
  ones,
  scalar,
  type Shape,
  shapesEqual,
  sizeOf,
  type Tensor,
  tensor,
  toNested,
  zeros,
  zerosLike,
} from "./src/tensor.ts";
export {
  bernoulli,
  foldIn,
  type Key,
  key,
  normal,
  type NormalOptions,
  permutation,
  randomBits,
  split,
  uniform,
  type UniformOptions,
} from "./src/random.ts";
export {
  assertSameStructure,
  describeTree,
  formatPath,
  type Tree,
  treeFlatten,
  type TreeLeaf,
  treeLeaves,
  treeMap,
  type TreePath,
  treeSize,
} from "./src/tree.ts";

// Differentiation: the primitives through an Ops value, traces, your own primitives.
export { type OpMethod, type Ops, untraced } from "./src/autodiff/ops.ts";
export { Trace, valueAndGrad, vjp, type VjpOptions } from "./src/autodiff/trace.ts";
export {
  type Cotangents,
  type Primitive,
  primitive,
  type Pullback,
  unary,
} from "./src/ops/primitive.ts";
export type { ReduceOptions } from "./src/ops/reduce.ts";

// Backends as values (loaders and selection details: gradstream/kernels).
export type { Backend, BackendName } from "./src/kernels/kernels.ts";
export { backend, defaultBackend } from "./src/kernels/select.ts";

// Models: layers, initialisers, losses.
export * from "./src/layers/layer.ts";
export * from "./src/layers/mod.ts";
export * from "./src/init.ts";
export * from "./src/losses.ts";

// Optimisation and training.
export * from "./src/optim/mod.ts";
export * from "./src/train/mod.ts";
export * from "./src/data/mod.ts";
export {
  type Checkpoint,
  loadCheckpoint,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "./src/checkpoint/files.ts";
export { fromTorchStateDict } from "./src/checkpoint/torch_from.ts";
export { type TorchStateDict, toTorchStateDict } from "./src/checkpoint/torch.ts";
export { loadTorchStateDict, saveTorchStateDict } from "./src/checkpoint/torch_files.ts";
