/**
 * Differentiable primitives. Each is a record `{ name, arity, run }` (see `primitive.ts`):
 * `run(backend, ...args)` returns the output and a pullback from the output's cotangent to the
 * cotangents of the tensor inputs that need one. Outputs keep the input's dtype; inputs are
 * never written. `registry.ts` collects them all.
 *
 * Code above the primitives never calls `run`: it calls them as methods of an `Ops` value
 * `t`, which is `untraced(backend)` outside differentiation and a trace's inside `vjp` and
 * `valueAndGrad`, where the pullbacks are composed in reverse for you.
 *
 * @example
 * ```ts
 * import { valueAndGrad } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * // L = Σ σ(x·w); x is a constant, so only w's gradient is computed.
 * const x = tensor([[1, 2]], [1, 2], "float64");
 * const w = tensor([[0.5], [-0.25]], [2, 1], "float64");
 * const [loss, dw] = valueAndGrad((t, w) => t.sum(t.sigmoid(t.matmul(x, w))), w);
 * if (loss !== 0.5 || dw.data.join() !== "0.25,0.5") throw new Error("unexpected");
 * ```
 *
 * @module
 */

export * from "./arithmetic.ts";
export * from "./broadcast.ts";
export * from "./elementwise.ts";
export * from "./erf.ts";
export * from "./activations.ts";
export * from "./gaussian.ts";
export * from "./gelu.ts";
export * from "./linalg.ts";
export * from "./reduce.ts";
export * from "./shape.ts";
export * from "./softmax.ts";
export * from "./conv.ts";
export * from "./pool.ts";
export * from "./relu_pool.ts";
export * from "./conv_relu_pool.ts";
export * from "./optim_steps.ts";
export * from "./optim_momentum.ts";
export * from "./optim_rms.ts";
export * from "./primitive.ts";
export { PRIMITIVES, type Primitives, type PrimitivesOf } from "./registry.ts";
export * from "./slicing.ts";
export * from "./joining.ts";
export * from "./pad.ts";
export { clip, maximum, minimum, where } from "./select.ts";
export * from "./indices.ts";
export * from "./bernoulli_nll.ts";
export * from "./cross_entropy.ts";
export * from "./sigmoid_cross_entropy.ts";
export * from "./cast.ts";
export * from "./perceptron_step.ts";
export * from "./lstm_cell.ts";
export * from "./gru_cell.ts";
export * from "./lstm_sequence.ts";
export * from "./gru_sequence.ts";
