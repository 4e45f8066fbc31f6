/**
 * Layers: `init`/`apply` pairs over parameter trees (see `layer.ts` for the contract).
 *
 * @example
 * ```ts
 * import { batchNorm, dense, dropout, flatten, serial } from "./mod.ts";
 * import { key } from "../random.ts";
 * const { outShape } = serial(flatten(), dense(8), batchNorm(), dropout(0.5), dense(3)).init(key(0), [2, 2]);
 * if ((outShape as number[])[0] !== 3) throw new Error("unexpected");
 * ```
 *
 * @module
 */

export * from "./dense.ts";
export * from "./serial.ts";
export * from "./parallel.ts";
export * from "./residual.ts";
export * from "./dropout.ts";
export * from "./batch_norm.ts";
export * from "./activations.ts";
export * from "./summary.ts";
export * from "./reshape.ts";
export * from "./conv.ts";
export * from "./pool.ts";
export * from "./recurrent.ts";
export * from "./lstm.ts";
export * from "./rnn.ts";
export * from "./gru.ts";
export * from "./bidirectional.ts";
