/**
 * The measuring half of `bench/floor_compare.ts`, shared by the old floor's worker and the new
 * one: the same synthetic batches, the same clock and the same allocation probe on both sides.
 * It imports nothing from gradstream, so the driver copies it unchanged next to the old
 * floor's worker in the checkout of the old commit.
 *
 * Allocation per step is measured as the growth of `heapUsed + external`
 * (`process.memoryUsage()`) across one step that starts right after a full collection, the
 * median over several such steps: `external` counts the typed arrays' backing stores (every
 * tensor's data past 64 bytes), `heapUsed` the JavaScript objects (tensor records, closures,
 * arrays, the small typed arrays V8 keeps on the heap). After a full collection the young
 * generation is empty and one step allocates far less than it holds, so no collection runs
 * inside the measured step and the growth is what the step allocated, garbage included. (Two
 * collections, not one: V8 releases array buffers' memory after a collection, concurrently,
 * and a single one left `external` dropping by megabytes during the next step.)
 *
 * @module
 */

import process from "node:process";

/** Examples per step, layer sizes and Adam's settings: those of `bench/compare.ts`. */
export const BATCH = 128;
export const SIZES: readonly number[] = [784, 256, 128, 10];
export const LR = 1e-3;
export const ADAM_OPTIONS = { b1: 0.9, b2: 0.999, eps: 1e-8 } as const;
/** The line prefix of a worker's result on stdout. */
export const MARK = "@@floor-compare ";

/** A batch: pixels `[BATCH, 784]` in [0, 1) and labels 0-9 (as float32 class indices). */
export interface RawBatch {
  readonly x: Float32Array;
  readonly labels: Float32Array;
}

/** `count` batches from a fixed xorshift stream: a step's cost does not depend on the values. */
export function syntheticBatches(count: number): RawBatch[] {
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const out: RawBatch[] = [];
  for (let b = 0; b < count; b++) {
    const x = new Float32Array(BATCH * SIZES[0]).map(next);
    const labels = new Float32Array(BATCH).map(() => Math.floor(next() * 10));
    out.push({ x, labels });
  }
  return out;
}

/** What a worker measured; the driver prints it. */
export interface StepMeasure {
  readonly warmup: number;
  readonly steps: number;
  /** Timed samples over timed seconds. */
  readonly samplesPerSecond: number;
  readonly meanStepMs: number;
  readonly medianStepMs: number;
  /** Median over the probed steps of the heap growth in one step, bytes. */
  readonly heapBytesPerStep: number;
  /** Median over the probed steps of the external (ArrayBuffer) growth in one step, bytes. */
  readonly externalBytesPerStep: number;
  /** The smallest and largest total growth seen over the probed steps (a check on the median). */
  readonly allocRange: readonly [number, number];
  /** The loss of the first and the last timed step: training must be moving. */
  readonly firstLoss: number;
  readonly lastLoss: number;
}

function collector(): () => void {
  const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (g.Bun !== undefined) return () => g.Bun!.gc(true);
  if (g.gc !== undefined) return g.gc;
  throw new Error("floor_compare worker: no gc(); run Deno with --v8-flags=--expose-gc");
}

const median = (a: readonly number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

/**
 * Runs `step(i)` (it returns the step's loss) `warmup` times untimed, `steps` times timed, then
 * `probes` more times each after a full collection, measuring what one step allocates.
 */
export function measure(
  step: (i: number) => number,
  warmup: number,
  steps: number,
  probes = 9,
): StepMeasure {
  const gc = collector();
  let i = 0;
  for (; i < warmup; i++) step(i);
  const laps: number[] = [];
  let firstLoss = NaN, lastLoss = NaN;
  const t0 = performance.now();
  let last = t0;
  for (let s = 0; s < steps; s++, i++) {
    const loss = step(i);
    const now = performance.now();
    laps.push(now - last);
    last = now;
    if (s === 0) firstLoss = loss;
    lastLoss = loss;
  }
  const seconds = (last - t0) / 1000;
  const heap: number[] = [], external: number[] = [], total: number[] = [];
  for (let p = 0; p < probes; p++, i++) {
    // Twice: V8 frees array buffers' memory behind a collection, and the next one finishes
    // that, so the external figure no longer drops in the middle of the measured step.
    gc();
    gc();
    const m0 = process.memoryUsage();
    step(i);
    const m1 = process.memoryUsage();
    heap.push(m1.heapUsed - m0.heapUsed);
    external.push(m1.external - m0.external);
    total.push(heap[p] + external[p]);
  }
  return {
    warmup,
    steps,
    samplesPerSecond: (steps * BATCH) / seconds,
    meanStepMs: (seconds * 1000) / steps,
    medianStepMs: median(laps),
    heapBytesPerStep: median(heap),
    externalBytesPerStep: median(external),
    allocRange: [Math.min(...total), Math.max(...total)],
    firstLoss,
    lastLoss,
  };
}

/** Reads `--name value` from the worker's command line. */
export function argOf(name: string, fallback?: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new RangeError(`floor_compare worker: --${name} is required`);
  return v;
}

/** Prints the result line the driver looks for. */
export function reportResult(result: Record<string, unknown>): void {
  console.log(MARK + JSON.stringify(result));
}
