/**
 * Layers: `init`/`apply` pairs over parameter trees (see `layer.ts` for the contract).
 *
 * @example
 * ```ts
 * import { batchNorm, dropout } from "./mod.ts";
 * import { key } from "../random.ts";
 * const { outShape } = dropout(0.5).init(key(0), [3]);
 * if (outShape[0] !== 3 || batchNorm().init(key(1), [3]).outShape[0] !== 3) {
 *   throw new Error("unexpected");
 * }
 * ```
 *
 * @module
 */

export * from "./dropout.ts";
export * from "./batch_norm.ts";
