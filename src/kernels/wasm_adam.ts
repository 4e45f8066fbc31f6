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
import type { AdamApplyKernel, AdamKernel, AdamScalars } from "./kernels.ts";
import { GEMM_WASM_HEAP_BASE } from "./wasm/gemm_wasm.ts";

/** The default bound on the bytes of wasm memory kept for arrays between steps: 128 MiB. */
export const RESIDENT_BYTES = 128 * 2 ** 20;

const PAGE = 65536;
/** Stay below 2 GiB so every byte address is a positive i32 in the module. */
const MAX_BYTES = 2 ** 31 - PAGE;
const align16 = (x: number): number => (x + 15) & ~15;

/** The module's `adam_*` exports; `p` only for `adam_apply_*` (see `wasm/adam_wat.ts`). */
type AdamExport = (n: number, ...addressesAndScalars: number[]) => void;

/** A stretch of the instance's memory. `gen` changes whenever its contents change owner. */
interface Region {
  readonly at: number;
  readonly bytes: number;
  gen: number;
  /** The call that last used it (least recently used goes first). */
  used: number;
  /** Holds nothing anyone can claim. */
  free: boolean;
}

/** "`region` holds a copy of this array", valid while the region's generation is `gen`. */
interface Copy {
  readonly region: Region;
  readonly gen: number;
}

/** Counters for tests and benchmarks: how many arrays were copied in, and how many were not. */
export interface ResidentStats {
  /** Inputs copied into the module's memory. */
  readonly copiedIn: number;
  /** Inputs found already in place. */
  readonly resident: number;
}

/** The two kernels over one instance, and its counters. */
export interface WasmAdam {
  readonly adam: AdamKernel;
  readonly adamApply: AdamApplyKernel;
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
  let heap32 = new Float32Array(memory.buffer);
  let heap64 = new Float64Array(memory.buffer);
  const copies = new WeakMap<FloatArray, Copy>();
  /** Every region kept, and the free ones by size (a gradient's region is freed every call). */
  let regions: Region[] = [];
  let free = new Map<number, Region[]>();
  let top = GEMM_WASM_HEAP_BASE;
  let calls = 0, copiedIn = 0, resident = 0;

  /** Grows the memory to at least `bytes`; false when the engine refuses. */
  function reserve(bytes: number): boolean {
    const have = memory.buffer.byteLength;
    if (have < bytes) {
      try {
        memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return false;
      }
    }
    if (heap32.buffer !== memory.buffer) {
      // Growing detaches the old buffer; views must be made afresh.
      heap32 = new Float32Array(memory.buffer);
      heap64 = new Float64Array(memory.buffer);
    }
    return true;
  }

  /** Forgets every region (each record of a copy goes invalid with it). */
  function clear(): void {
    for (const r of regions) r.gen++;
    regions = [];
    free = new Map();
    top = GEMM_WASM_HEAP_BASE;
  }

  function release(r: Region): void {
    r.gen++;
    r.free = true;
    const list = free.get(r.bytes);
    if (list === undefined) free.set(r.bytes, [r]);
    else list.push(r);
  }

  function claim(r: Region): Region {
    r.gen++;
    r.free = false;
    return r;
  }

  /** A region of `bytes` not in `busy`: a free one, a new one, else the least recently used. */
  function take(bytes: number, busy: readonly Region[]): Region | undefined {
    const list = free.get(bytes);
    while (list !== undefined && list.length > 0) {
      const r = list.pop()!;
      if (r.free) return claim(r); // (a region claimed since it was freed is skipped)
    }
    if (top + bytes <= GEMM_WASM_HEAP_BASE + budget && reserve(top + bytes)) {
      const r: Region = { at: top, bytes, gen: 0, used: calls, free: false };
      top += bytes;
      regions.push(r);
      return r;
    }
    // Over the budget: the least recently used region of this size, else of any larger size.
    let lru: Region | undefined;
    for (const exact of [true, false]) {
      for (const r of regions) {
        if ((exact ? r.bytes !== bytes : r.bytes < bytes) || busy.includes(r)) continue;
        if (lru === undefined || r.used < lru.used) lru = r;
      }
      if (lru !== undefined) return claim(lru);
    }
    return undefined;
  }

  /** Regions for `inputs` (`copied[i]`: input `i` must be copied in), or undefined. */
  function stage(
    inputs: readonly FloatArray[],
    bytes: number,
    copied: boolean[],
  ): Region[] | undefined {
    if (inputs.length * bytes > budget) return undefined;
    const staged: Region[] = [];
    for (const a of inputs) {
      const c = copies.get(a);
      if (c !== undefined && c.gen === c.region.gen && !staged.includes(c.region)) {
        staged.push(c.region);
        copied.push(false);
        continue;
      }
      const r = take(bytes, staged);
      if (r === undefined) {
        staged.forEach((s, i) => copied[i] && release(s));
        return undefined;
      }
      staged.push(r);
      copied.push(true);
    }
    return staged;
  }

  /**
   * Stages `inputs` (all of `inputs[0]`'s length and element type), runs `kernel` on their
   * addresses and copies each output `outputs[j]` out of the region of input `into[j]`, which
   * the kernel wrote in place. `keep[i]`: whether input `i`'s region is remembered, as a copy of
   * the output written over it. A call too large for the budget is staged above the kept
   * regions and remembers nothing. False when the memory cannot hold the call at all (the caller
   * runs the TypeScript loop).
   */
  function run(
    f64: boolean,
    inputs: readonly FloatArray[],
    outputs: readonly FloatArray[],
    into: readonly number[],
    keep: readonly boolean[],
    kernel: (addresses: readonly number[]) => void,
  ): boolean {
    const n = inputs[0].length;
    const bytes = align16(n * (f64 ? 8 : 4));
    calls++;
    const copied: boolean[] = [];
    let staged = stage(inputs, bytes, copied);
    const kept = staged !== undefined;
    if (staged === undefined) {
      // Above the kept regions; failing that, over them (forgetting them), from the bottom.
      const span = inputs.length * bytes;
      let base = top;
      if (base + span > MAX_BYTES || !reserve(base + span)) {
        clear();
        base = top;
        if (base + span > MAX_BYTES || !reserve(base + span)) return false;
      }
      staged = inputs.map((_, i) => ({ at: base + i * bytes, bytes, gen: 0, used: 0, free: true }));
      copied.length = 0;
      inputs.forEach(() => copied.push(true));
    }
    const heap = f64 ? heap64 : heap32;
    const shift = f64 ? 3 : 2;
    inputs.forEach((a, i) => {
      if (copied[i]) heap.set(a, staged[i].at >> shift);
    });
    kernel(staged.map((r) => r.at));
    outputs.forEach((out, j) => {
      const at = staged[into[j]].at >> shift;
      out.set(heap.subarray(at, at + n));
    });
    for (const c of copied) c ? copiedIn++ : resident++;
    if (!kept) return true;
    staged.forEach((r, i) => {
      const j = into.indexOf(i);
      if (keep[i] && j >= 0) {
        r.gen++; // it holds the output now, no longer the input
        r.used = calls;
        copies.set(outputs[j], { region: r, gen: r.gen });
      } else if (copied[i] || j >= 0) release(r); // a gradient's copy, or overwritten
    });
    return true;
  }

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

  return Object.freeze({ adam, adamApply, stats: () => ({ copiedIn, resident }) });
}

/** The scalar arguments of the `adam_*` exports, in their order. */
function scalarArgs(s: AdamScalars): number[] {
  return [s.b1, 1 - s.b1, s.b2, 1 - s.b2, s.c1, s.c2, s.eps];
}
