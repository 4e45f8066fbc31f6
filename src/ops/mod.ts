/**
 * Differentiable primitives. Every function returns `[output, vjp]`: the result and its
 * pullback, which maps the output's cotangent to the inputs' cotangents (one tensor, or a pair
 * for binary ops). Outputs keep the input's dtype; inputs are never written.
 *
 * @example
 * ```ts
 * import { matmul, sigmoid, sum } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * // L = Σ σ(x·w); chain the pullbacks in reverse.
 * const x = tensor([[1, 2]], [1, 2], "float64");
 * const w = tensor([[0.5], [-0.25]], [2, 1], "float64");
 * const [z, zBack] = matmul(x, w);
 * const [a, aBack] = sigmoid(z);
 * const [loss, lossBack] = sum(a);
 * const [, dw] = zBack(aBack(lossBack(tensor([1], [], "float64"))));
 * if (loss.data[0] !== 0.5 || dw.data.join() !== "0.25,0.5") throw new Error("unexpected");
 * ```
 *
 * @module
 */

export * from "./arithmetic.ts";
export * from "./broadcast.ts";
export * from "./elementwise.ts";
export * from "./erf.ts";
export * from "./activations.ts";
export * from "./gelu.ts";
export * from "./linalg.ts";
export * from "./reduce.ts";
export * from "./shape.ts";
export * from "./softmax.ts";
