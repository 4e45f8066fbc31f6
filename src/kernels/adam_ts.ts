/**
 * The Adam step over one leaf in plain TypeScript: the reference for `Backend.adam` and the
 * loop that runs where a backend has no kernel of its own.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import type { AdamKernel } from "./kernels.ts";

/**
 * `m1 = b1·m0 + (1 - b1)·g`, `v1 = b2·v0 + (1 - b2)·(g·g)`,
 * `out = (m1·c1) / (√(v1·c2) + eps)`, in float64 arithmetic, rounded when stored. In float64
 * this is, operation for operation, what the primitives `mulScalar`, `add`, `square`, `sqrt`,
 * `addScalar` and `div` compute one after the other (see `src/ops/optim_steps.ts`).
 *
 * @example
 * ```ts
 * import { adamTs } from "./adam_ts.ts";
 * const g = new Float64Array([2]), zero = new Float64Array(1);
 * const m1 = new Float64Array(1), v1 = new Float64Array(1), out = new Float64Array(1);
 * const s = { b1: 0.9, b2: 0.999, c1: 1 / 0.1, c2: 1 / 0.001, eps: 0 };
 * adamTs(g, zero, zero, m1, v1, out, s);
 * // The first bias-corrected step is sign(g).
 * if (Math.abs(out[0] - 1) > 1e-12) throw new Error("unexpected");
 * ```
 */
export const adamTs: AdamKernel = (g, m0, v0, m1, v1, out, s) => {
  adamLeaf(g, m0, v0, m1, v1, out, s.b1, s.b2, s.c1, s.c2, s.eps);
};

// The loop lives in a small function of its own: an engine optimises such a function after a
// few calls and keeps it optimised, where a loop inside tree-walking code would be entered
// through on-stack replacement and fall back to the interpreter more than once in the first
// few dozen steps (measured under V8).
function adamLeaf(
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  m1: FloatArray,
  v1: FloatArray,
  u: FloatArray,
  b1: number,
  b2: number,
  c1: number,
  c2: number,
  eps: number,
): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const m = b1 * m0[i] + k1 * gi;
    const v = b2 * v0[i] + k2 * (gi * gi);
    m1[i] = m;
    v1[i] = v;
    u[i] = (m * c1) / (Math.sqrt(v * c2) + eps);
  }
}
