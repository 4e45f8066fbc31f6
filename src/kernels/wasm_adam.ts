/**
 * The WebAssembly Adam kernels (`Backend.adam`, `Backend.adamApply`), with the optimiser's
 * arrays kept in the module's memory between steps.
 *
 * A step over a leaf reads the gradient, both moments and (applied) the parameter, and writes the
 * new moments and the new parameter (or the update). Copying all of them into the module's
 * memory and back was most of the optimiser's time. Here every input is staged in a region of
 * the memory of an instance of its own, and the kernel writes its outputs in place over the
 * inputs it replaces (`m1` over `m0`, `v1` over `v0`, the new parameter over `p`; the elementwise
 * loops read each element before they write it). The outputs are then copied out into the
 * caller's fresh arrays, which stay plain JavaScript arrays (so a tensor never holds a view of
 * wasm memory, which growing the memory would detach), and each region is remembered as holding
 * a copy of the array it was copied to. When the next step passes those arrays back in (the
 * optimiser state and the parameters a step made), they are already in place and only the
 * gradient is copied in: per leaf, four arrays copied in and three out become one and three.
 *
 * The record is sound because tensors are immutable: an array a step made is never written
 * again, so the region holding its copy stays equal to it until the region is reused, which
 * invalidates the record (a generation count). Regions are addresses, not views, so they survive
 * the memory's growth. The regions kept at once are bounded (`budget` bytes, by default
 * {@linkcode RESIDENT_BYTES}); past it the least recently used region is reused, and a leaf too
 * large for the budget is staged, stepped and copied out as before, keeping nothing.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import { adamApplyTs, adamTs } from "./adam_ts.ts";
import type { AdamApplyFreshKernel, AdamApplyKernel, AdamKernel, AdamScalars } from "./kernels.ts";
import { residentMemory, type ResidentStats } from "./wasm_resident.ts";

export type { ResidentStats } from "./wasm_resident.ts";

/** The default bound on the bytes of wasm memory kept for arrays between steps: 128 MiB. */
export const RESIDENT_BYTES = 128 * 2 ** 20;

/** The module's `adam_*` exports; `p` only for `adam_apply_*` (see `wasm/adam_wat.ts`). */
type AdamExport = (n: number, ...addressesAndScalars: number[]) => void;

/** The two kernels over one instance, and its counters. */
export interface WasmAdam {
  readonly adam: AdamKernel;
  readonly adamApply: AdamApplyKernel;
  readonly adamApplyFresh: AdamApplyFreshKernel;
  readonly stats: () => ResidentStats;
}

/** RangeError unless every array of an Adam step has the gradient's length `n`. */
function checkLengths(n: number, names: readonly string[], arrays: readonly FloatArray[]): void {
  arrays.forEach((a, i) => {
    if (a.length !== n) {
      throw new RangeError(
        `adam kernel: ${names[i]} has ${a.length} elements but the gradient has ${n}`,
      );
    }
  });
}

/**
 * The Adam kernels on a fresh instance of `module` (the kernels module of `wasm/gemm_wasm.ts`),
 * keeping at most `budget` bytes of arrays in its memory between calls.
 *
 * @example
 * ```ts
 * import { wasmAdam } from "./wasm_adam.ts";
 * import { GEMM_WASM_PLAIN } from "./wasm/gemm_wasm.ts";
 * const bytes = Uint8Array.from(atob(GEMM_WASM_PLAIN), (c) => c.charCodeAt(0));
 * const { adamApply, stats } = wasmAdam(new WebAssembly.Module(bytes));
 * const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 0 };
 * let p = new Float32Array([1]), m = new Float32Array(1), v = new Float32Array(1);
 * for (let step = 0; step < 2; step++) {
 *   const [p1, m1, v1] = [new Float32Array(1), new Float32Array(1), new Float32Array(1)];
 *   adamApply(p, new Float32Array([2]), m, v, m1, v1, p1, s, -0.1);
 *   [p, m, v] = [p1, m1, v1];
 * }
 * // The second step found p, m and v in place: only the gradient was copied in.
 * if (stats().resident !== 3) throw new Error("unexpected");
 * ```
 */
export function wasmAdam(module: WebAssembly.Module, budget: number = RESIDENT_BYTES): WasmAdam {
  const exports = new WebAssembly.Instance(module, {}).exports;
  const memory = exports.memory as WebAssembly.Memory;
  const kernels = {
    adam32: exports.adam_f32 as AdamExport,
    adam64: exports.adam_f64 as AdamExport,
    apply32: exports.adam_apply_f32 as AdamExport,
    apply64: exports.adam_apply_f64 as AdamExport,
  };
  const { run, stats } = residentMemory(memory, budget);

  const adam: AdamKernel = (g, m0, v0, m1, v1, out, s) => {
    const n = g.length;
    checkLengths(n, ["g", "m0", "v0", "m1", "v1", "out"], [g, m0, v0, m1, v1, out]);
    if (n === 0) return;
    const f64 = g instanceof Float64Array;
    const same = [m0, v0, m1, v1, out].every((a) => a instanceof g.constructor);
    const k = f64 ? kernels.adam64 : kernels.adam32;
    // In place: out over g (read first), m1 over m0, v1 over v0. The moments are kept.
    const ran = same && run(f64, [g, m0, v0], [out, m1, v1], [0, 1, 2], [false, true, true], (
      [ag, am, av],
    ) => k(n, ag, am, av, am, av, ag, ...scalarArgs(s)));
    if (!ran) adamTs(g, m0, v0, m1, v1, out, s);
  };

  const adamApply: AdamApplyKernel = (p, g, m0, v0, m1, v1, out, s, scale) => {
    const n = g.length;
    checkLengths(n, ["g", "m0", "v0", "m1", "v1", "out", "p"], [g, m0, v0, m1, v1, out, p]);
    if (n === 0) return;
    const f64 = g instanceof Float64Array;
    const same = [p, m0, v0, m1, v1, out].every((a) => a instanceof g.constructor);
    const k = f64 ? kernels.apply64 : kernels.apply32;
    // In place: m1 over m0, v1 over v0, the new parameter over p (read before it is written).
    const ran = same && run(
      f64,
      [g, m0, v0, p],
      [m1, v1, out],
      [1, 2, 3],
      [false, true, true, true],
      ([ag, am, av, ap]) => k(n, ag, am, av, ap, am, av, ap, ...scalarArgs(s), scale),
    );
    if (!ran) adamApplyTs(p, g, m0, v0, m1, v1, out, s, scale);
  };

  // The same step, its outputs copied out of the module's memory into arrays made by the copy.
  const adamApplyFresh: AdamApplyFreshKernel = (p, g, m0, v0, s, scale) => {
    const n = g.length;
    checkLengths(n, ["g", "m0", "v0", "p"], [g, m0, v0, p]);
    const f64 = g instanceof Float64Array;
    if (n === 0 || ![p, m0, v0].every((a) => a instanceof g.constructor)) return undefined;
    const k = f64 ? kernels.apply64 : kernels.apply32;
    const outs = run(
      f64,
      [g, m0, v0, p],
      [null, null, null],
      [3, 1, 2],
      [false, true, true, true],
      ([ag, am, av, ap]) => k(n, ag, am, av, ap, am, av, ap, ...scalarArgs(s), scale),
    );
    return outs === undefined ? undefined : [outs[0], outs[1], outs[2]];
  };

  return Object.freeze({ adam, adamApply, adamApplyFresh, stats });
}

/** The scalar arguments of the `adam_*` exports, in their order. */
function scalarArgs(s: AdamScalars): number[] {
  return [s.b1, 1 - s.b1, s.b2, 1 - s.b2, s.c1, s.c2, s.eps];
}
