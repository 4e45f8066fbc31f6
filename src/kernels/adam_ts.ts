/**
 * The Adam step over one leaf in plain TypeScript: the reference for `Backend.adam` and the
 * loop that runs where a backend has no kernel of its own.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import type { AdamApplyKernel, AdamKernel } from "./kernels.ts";

/**
 * `m1 = b1·m0 + (1 - b1)·g`, `v1 = b2·v0 + (1 - b2)·(g·g)`,
 * `out = (m1·c1) / (√(v1·c2) + eps)`, in float64 arithmetic, rounded when stored. In float64
 * this is, operation for operation, what the primitives `mulScalar`, `add`, `square`, `sqrt`,
 * `addScalar` and `div` compute one after the other (see `src/ops/optim_steps.ts`). In
 * float32 a new first moment below {@linkcode FLOAT32_MIN_NORMAL} in magnitude (a subnormal) is
 * stored as zero, as the wasm kernels do: the first moment of a weight whose gradient stays zero
 * decays into the subnormals, and x86 cores run many times slower on them (see
 * `wasm/adam_wat.ts`).
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
  const tiny = m1 instanceof Float32Array ? FLOAT32_MIN_NORMAL : 0;
  adamLeaf(g, m0, v0, m1, v1, out, s.b1, s.b2, s.c1, s.c2, s.eps, tiny);
};

/**
 * The smallest normal float32, 2⁻¹²⁶: the float32 Adam kernels store a new first moment smaller
 * than this in magnitude as zero.
 */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

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
  tiny: number,
): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    let m = b1 * m0[i] + k1 * gi;
    const v = b2 * v0[i] + k2 * (gi * gi);
    // (tiny is 0 in float64, where nothing is flushed.)
    if (Math.abs(m) < tiny) m = 0;
    m1[i] = m;
    v1[i] = v;
    u[i] = (m * c1) / (Math.sqrt(v * c2) + eps);
  }
}

/**
 * The Adam step applied to the parameter, in plain TypeScript: {@linkcode adamTs}'s `out`, then
 * `out = p + out·scale`, per element in one pass (the same operations in the same order, so in
 * float64 it equals the two passes bit for bit).
 *
 * @example
 * ```ts
 * import { adamApplyTs } from "./adam_ts.ts";
 * const p = new Float64Array([1]), g = new Float64Array([2]), zero = new Float64Array(1);
 * const m1 = new Float64Array(1), v1 = new Float64Array(1), out = new Float64Array(1);
 * const s = { b1: 0.9, b2: 0.999, c1: 1 / 0.1, c2: 1 / 0.001, eps: 0 };
 * adamApplyTs(p, g, zero, zero, m1, v1, out, s, -0.5);
 * if (Math.abs(out[0] - 0.5) > 1e-12) throw new Error("unexpected");
 * ```
 */
export const adamApplyTs: AdamApplyKernel = (p, g, m0, v0, m1, v1, out, s, scale) => {
  if (g instanceof Float32Array) {
    adamApply32(
      p as Float32Array,
      g,
      m0 as Float32Array,
      v0 as Float32Array,
      m1 as Float32Array,
      v1 as Float32Array,
      out as Float32Array,
      s.b1,
      s.b2,
      s.c1,
      s.c2,
      s.eps,
      scale,
    );
  } else adamApply64(p, g, m0, v0, m1, v1, out, s.b1, s.b2, s.c1, s.c2, s.eps, scale);
};

// One function per element type, so each stays monomorphic (V8 ran a loop that had seen both
// element types about 3x slower).
function adamApply32(
  p: Float32Array,
  g: Float32Array,
  m0: Float32Array,
  v0: Float32Array,
  m1: Float32Array,
  v1: Float32Array,
  out: Float32Array,
  b1: number,
  b2: number,
  c1: number,
  c2: number,
  eps: number,
  scale: number,
): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    let m = b1 * m0[i] + k1 * gi;
    const v = b2 * v0[i] + k2 * (gi * gi);
    if (Math.abs(m) < FLOAT32_MIN_NORMAL) m = 0;
    m1[i] = m;
    v1[i] = v;
    // The update rounded to float32 as adamTs stores it, then applied: the two passes' arithmetic.
    out[i] = p[i] + Math.fround((m * c1) / (Math.sqrt(v * c2) + eps)) * scale;
  }
}

function adamApply64(
  p: FloatArray,
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  m1: FloatArray,
  v1: FloatArray,
  out: FloatArray,
  b1: number,
  b2: number,
  c1: number,
  c2: number,
  eps: number,
  scale: number,
): void {
  const k1 = 1 - b1, k2 = 1 - b2;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const m = b1 * m0[i] + k1 * gi;
    const v = b2 * v0[i] + k2 * (gi * gi);
    m1[i] = m;
    v1[i] = v;
    out[i] = p[i] + ((m * c1) / (Math.sqrt(v * c2) + eps)) * scale;
  }
}
