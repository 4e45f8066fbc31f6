/**
 * gradstream: neural networks as pure functions over immutable typed arrays.
 *
 * Every primitive returns its output and a pullback (a vector-Jacobian product); layers are
 * `init`/`apply` pairs that chain those pullbacks; optimisers are chains of pure gradient
 * transforms; training is an RxJS pipeline of mini-batches.
 *
 * @example
 * ```ts
 * import { key, tensor, uniform } from "./mod.ts";
 * const x = tensor([[1, 2], [3, 4]]);
 * const noise = uniform(key(0), x.shape);
 * if (noise.shape.join() !== x.shape.join()) throw new Error("shapes differ");
 * ```
 *
 * @module
 */

export * from "./src/tensor.ts";
export * from "./src/random.ts";
export * from "./src/tree.ts";
export * from "./src/vjp.ts";
export * from "./src/layers/layer.ts";
export * from "./src/kernels/mod.ts";
export * from "./src/optim/mod.ts";
export * from "./src/checkpoint.ts";
export * from "./src/train/mod.ts";
export * from "./src/data/mod.ts";
export * from "./src/init.ts";
export * from "./src/losses.ts";
export * from "./src/layers/mod.ts";
export * from "./src/ops/mod.ts";
