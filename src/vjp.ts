/**
 * The vector-Jacobian product type shared by every differentiable primitive, loss and layer.
 *
 * @module
 */

/**
 * A pullback: given the cotangent of an output (dL/dy), returns the cotangent of the inputs
 * (dL/dx). Every primitive returns `[output, vjp]`; models chain them in reverse.
 *
 * @example
 * ```ts
 * import type { Vjp } from "./vjp.ts";
 * // y = 3x, so dL/dx = 3 dL/dy.
 * const pullback: Vjp<number, number> = (dy) => 3 * dy;
 * if (pullback(2) !== 6) throw new Error("unexpected");
 * ```
 */
export type Vjp<Cotangent, Result> = (cotangent: Cotangent) => Result;
