/**
 * Testing utilities: the float64 finite-difference gradient checker and fast-check arbitraries.
 *
 * @example
 * ```ts
 * import { checkGradients } from "./mod.ts";
 * import { fromTypedArray, tensor, type Tensor } from "../tensor.ts";
 * const cube = (x: Tensor): [Tensor, (dy: Tensor) => Tensor] => [
 *   fromTypedArray(x.data.map((v) => v ** 3), x.shape),
 *   (dy) => fromTypedArray(dy.data.map((g, i) => 3 * x.data[i] ** 2 * g), x.shape),
 * ];
 * if (!checkGradients(cube, tensor([0.3, -1.2], [2], "float64")).ok) throw new Error("bad VJP");
 * ```
 *
 * @module
 */

export * from "./gradient_check.ts";
export * from "./arbitraries.ts";
