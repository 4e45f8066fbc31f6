/**
 * Testing utilities: the float64 finite-difference gradient checker and fast-check arbitraries.
 *
 * @example
 * ```ts
 * import { checkGradients } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * // x ↦ x·x elementwise, differentiated through the mul primitive's pullback.
 * const report = checkGradients((t, x) => t.mul(x, x), tensor([0.3, -1.2], [2], "float64"));
 * if (!report.ok) throw new Error("bad VJP");
 * ```
 *
 * @module
 */

export * from "./gradient_check.ts";
export * from "./arbitraries.ts";
