/**
 * Optimisers as chains of pure gradient transforms (optax-style), learning-rate schedules,
 * clipping, L1/L2 penalties and decoupled weight decay. States are trees of tensors (see
 * `transform.ts`), so they can be checkpointed like parameters.
 *
 * @example
 * ```ts
 * import { adam, applyUpdates } from "./mod.ts";
 * import { tensor } from "../tensor.ts";
 * // Minimise (w − 3)²: the gradient is 2(w − 3).
 * const opt = adam(0.1);
 * let w = tensor([0]);
 * let state = opt.init(w);
 * for (let i = 0; i < 200; i++) {
 *   const [updates, next] = opt.update(tensor([2 * (w.data[0] - 3)]), state, w);
 *   [w, state] = [applyUpdates(w, updates), next];
 * }
 * if (Math.abs(w.data[0] - 3) > 0.05) throw new Error(`w = ${w.data[0]}`);
 * ```
 *
 * @module
 */

export * from "./transform.ts";
export * from "./chain.ts";
export * from "./scale.ts";
export * from "./trace_momentum.ts";
export * from "./scale_by_rms.ts";
export * from "./scale_by_adam.ts";
export * from "./weight_decay.ts";
export * from "./clip.ts";
export * from "./masks.ts";
export * from "./aliases.ts";
export * from "./schedules.ts";
export * from "./join_schedules.ts";
export * from "./penalties.ts";
