/**
 * The resident regions of the wasm Adam kernels (see `wasm_adam.ts` for why): a bounded pool of
 * stretches of one instance's memory, each remembered as holding a copy of the array it was last
 * copied out to, so that arrays passed back in need no copy.
 *
 * @module
 */

import { align16, MAX_BYTES, PAGE } from "./wasm_memory.ts";
import type { FloatArray } from "../tensor.ts";
import { GEMM_WASM_HEAP_BASE } from "./wasm/gemm_wasm.ts";

/** A stretch of the instance's memory. `gen` changes whenever its contents change owner. */
export interface Region {
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

/** Staging in `memory` with at most `budget` bytes kept: `run` and the counters. */
export interface ResidentMemory {
  /**
   * Stages `inputs` (all of `inputs[0]`'s length and element type), runs `kernel` on their
   * addresses and copies each output `outputs[j]` out of the region of input `into[j]`, which
   * the kernel wrote in place; a `null` output is a fresh array copied out of it (made by
   * copying, so never zero-filled first). `keep[i]`: whether input `i`'s region is remembered, as
   * a copy of the output written over it. Returns the outputs, or `undefined` when the memory
   * cannot hold the call at all.
   */
  readonly run: (
    f64: boolean,
    inputs: readonly FloatArray[],
    outputs: readonly (FloatArray | null)[],
    into: readonly number[],
    keep: readonly boolean[],
    kernel: (addresses: readonly number[]) => void,
  ) => FloatArray[] | undefined;
  /** How many inputs were copied in, and how many found in place. */
  readonly stats: () => ResidentStats;
}

/** The staging of `memory` (an instance's exported memory), keeping at most `budget` bytes. */
export function residentMemory(memory: WebAssembly.Memory, budget: number): ResidentMemory {
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
    given: readonly (FloatArray | null)[],
    into: readonly number[],
    keep: readonly boolean[],
    kernel: (addresses: readonly number[]) => void,
  ): FloatArray[] | undefined {
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
        if (base + span > MAX_BYTES || !reserve(base + span)) return undefined;
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
    const outputs = given.map((out, j) => {
      const at = staged[into[j]].at >> shift;
      if (out === null) {
        return f64
          ? new Float64Array(heap64.subarray(at, at + n))
          : new Float32Array(heap32.subarray(at, at + n));
      }
      out.set(heap.subarray(at, at + n));
      return out;
    });
    for (const c of copied) c ? copiedIn++ : resident++;
    if (!kept) return outputs;
    staged.forEach((r, i) => {
      const j = into.indexOf(i);
      if (keep[i] && j >= 0) {
        r.gen++; // it holds the output now, no longer the input
        r.used = calls;
        copies.set(outputs[j], { region: r, gen: r.gen });
      } else if (copied[i] || j >= 0) release(r); // a gradient's copy, or overwritten
    });
    return outputs;
  }

  return { run, stats: () => ({ copiedIn, resident }) };
}
