/**
 * Shared pieces of the compare drivers (`bench/compare.ts` and the LSTM and VAE ones): the MLP
 * benchmark's fixed model and data sizes, the MNIST examples and the data file a driver hands
 * to each configuration's subprocess, the result record a subprocess prints, and peak-RSS
 * measurement.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";

/** The MLP every configuration trains: 784-256-128-10, ReLU between, softmax cross-entropy. */
export const LAYER_SIZES: readonly number[] = Object.freeze([784, 256, 128, 10]);
/** Examples per step. */
export const BATCH_SIZE = 128;
/** Adam's learning rate. */
export const LEARNING_RATE = 1e-3;
/** Adam's other hyper-parameters: gradstream's defaults, given to TensorFlow.js explicitly. */
export const ADAM = Object.freeze({ b1: 0.9, b2: 0.999, eps: 1e-8 });
/** Marks the one stdout line of a subprocess that carries its result (libraries print too). */
export const RESULT_MARK = "@@gradstream-bench ";

/** Training examples kept in memory: `x` is `[n, 784]` in [0, 1], `labels` are 0-9. */
export interface BenchData {
  readonly n: number;
  readonly x: Float32Array;
  readonly labels: Uint8Array;
  /** Where the examples came from, e.g. `MNIST (first 8192 training images)`. */
  readonly source: string;
}

/** How long a configuration runs. */
export interface RunOptions {
  /** Untimed steps first (JIT, wasm compilation, allocator growth). */
  readonly warmup: number;
  /** Timed steps. */
  readonly steps: number;
}

/** What one configuration's subprocess reports. */
export interface RunResult {
  readonly config: string;
  /** One line about the backend, e.g. `blas (OpenBLAS 0.3.21, 2 threads)`. */
  readonly detail: string;
  readonly steps: number;
  readonly seconds: number;
  /** Timed samples over timed seconds. */
  readonly samplesPerSecond: number;
  /** Batch size over the median step time: steadier when other processes share the CPU. */
  readonly medianSamplesPerSecond: number;
  /** Peak resident set size of the whole subprocess, bytes. */
  readonly peakRssBytes: number;
  /** Mean loss of the first and last timed step: training must be moving. */
  readonly firstLoss: number;
  readonly lastLoss: number;
  /** gradstream only: seconds in each pipeline stage over the timed steps. */
  readonly stages?: { readonly forward: number; readonly backward: number; readonly step: number };
  /** Set instead of the numbers when the configuration could not run. */
  readonly error?: string;
}

/**
 * Writes the data as one file: a 16-byte header (magic, n, source length), the source string,
 * the labels, padding to 4 bytes, then the float32 pixels. Raw bytes keep each subprocess's
 * load cheap and its memory small.
 */
export function writeBenchData(path: string, data: BenchData): void {
  const source = new TextEncoder().encode(data.source);
  const labelsAt = 16 + source.length;
  const xAt = Math.ceil((labelsAt + data.n) / 4) * 4;
  const bytes = new Uint8Array(xAt + data.x.byteLength);
  const header = new DataView(bytes.buffer);
  header.setUint32(0, 0x6773626d, true); // "mbsg"
  header.setUint32(4, data.n, true);
  header.setUint32(8, source.length, true);
  bytes.set(source, 16);
  bytes.set(data.labels, labelsAt);
  bytes.set(new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength), xAt);
  writeFileSync(path, bytes);
}

/** Reads a file written by {@linkcode writeBenchData}. */
export function readBenchData(path: string): BenchData {
  const file = readFileSync(path);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (header.getUint32(0, true) !== 0x6773626d) {
    throw new TypeError(`readBenchData: ${path} is not a benchmark data file`);
  }
  const n = header.getUint32(4, true);
  const sourceLength = header.getUint32(8, true);
  const source = new TextDecoder().decode(bytes.subarray(16, 16 + sourceLength));
  const labelsAt = 16 + sourceLength;
  const xAt = Math.ceil((labelsAt + n) / 4) * 4;
  const labels = bytes.slice(labelsAt, labelsAt + n);
  // Copy into a fresh, aligned buffer rather than viewing the file's (possibly pooled) one.
  const x = new Float32Array(n * LAYER_SIZES[0]);
  new Uint8Array(x.buffer).set(bytes.subarray(xAt, xAt + x.byteLength));
  return { n, x, labels, source };
}

/**
 * Synthetic examples of MNIST's shape: pixels uniform in [0, 1), labels uniform in 0-9, from a
 * fixed xorshift stream (throughput does not depend on the values).
 */
export function syntheticData(n: number, why: string): BenchData {
  const x = new Float32Array(n * LAYER_SIZES[0]);
  const labels = new Uint8Array(n);
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  for (let i = 0; i < x.length; i++) x[i] = next();
  for (let i = 0; i < n; i++) labels[i] = Math.floor(next() * 10);
  return { n, x, labels, source: `synthetic random data, ${n} examples (${why})` };
}

/**
 * The first `examples` MNIST training images (`note` ends their source line), or, when
 * `synthetic` says why (`--synthetic`), synthetic data of that shape. With `fallback`,
 * synthetic data also stands in when MNIST cannot be loaded; without, that error is thrown.
 */
export async function loadBenchData(
  examples: number,
  o: { note: string; synthetic?: string; fallback: boolean },
): Promise<BenchData> {
  if (o.synthetic !== undefined) return syntheticData(examples, o.synthetic);
  try {
    const { loadMnist } = await import("../src/data/mnist.ts");
    const { train } = await loadMnist();
    const n = Math.min(examples, train.x.shape[0]);
    const x = Float32Array.from(train.x.data.subarray(0, n * LAYER_SIZES[0]));
    const labels = Uint8Array.from(train.y.data.subarray(0, n));
    return { n, x, labels, source: `MNIST (first ${n} training images${o.note})` };
  } catch (e) {
    if (!o.fallback) throw e;
    const why = `MNIST unavailable: ${e instanceof Error ? e.message : String(e)}`;
    return syntheticData(examples, why);
  }
}

/**
 * Times the steps after warm-up: `start()` when the last warm-up step ends, `lap()` when each
 * timed step ends.
 */
export class StepClock {
  #start = NaN;
  #last = NaN;
  readonly #laps: number[] = [];
  start(): void {
    this.#start = this.#last = performance.now();
  }
  lap(): void {
    const now = performance.now();
    this.#laps.push(now - this.#last);
    this.#last = now;
  }
  /** Steps, seconds, mean and median-step throughput. */
  summary(): Pick<RunResult, "steps" | "seconds" | "samplesPerSecond" | "medianSamplesPerSecond"> {
    const steps = this.#laps.length;
    const seconds = (this.#last - this.#start) / 1000;
    const sorted = [...this.#laps].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return {
      steps,
      seconds,
      samplesPerSecond: (steps * BATCH_SIZE) / seconds,
      medianSamplesPerSecond: BATCH_SIZE / (median / 1000),
    };
  }
}

/**
 * Tracks the resident set size. On Linux the kernel's high-water mark (`VmHWM`) is exact and
 * `sample()` does nothing: `process.memoryUsage()` once per step cost Deno's MLP step about 1%
 * of its time (a CPU profile), which the Python side, reading `ru_maxrss` once, does not pay.
 * Elsewhere `sample()` (called once per step) keeps the largest `rss` seen.
 */
export class PeakRss {
  #max = 0;
  readonly #exact = highWaterMark() !== undefined;
  sample(): void {
    if (this.#exact) return;
    const rss = process.memoryUsage().rss;
    if (rss > this.#max) this.#max = rss;
  }
  bytes(): number {
    const rss = process.memoryUsage().rss;
    if (rss > this.#max) this.#max = rss;
    return Math.max(this.#max, highWaterMark() ?? 0);
  }
}

/** `VmHWM` of `/proc/self/status` in bytes, or undefined where there is none (not Linux). */
export function highWaterMark(): number | undefined {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Prints the result line the driver looks for. */
export function report(result: RunResult): void {
  console.log(RESULT_MARK + JSON.stringify(result));
}

/** The running runtime and its version, e.g. `Deno 2.9.6 (V8 14.0, TypeScript 5.9)`. */
export function runtimeInfo(): { name: "deno" | "bun" | "node"; line: string } {
  const g = globalThis as unknown as {
    Deno?: { version: { deno: string; v8: string; typescript: string } };
    Bun?: { version: string; revision: string };
  };
  if (g.Deno !== undefined) {
    const v = g.Deno.version;
    return { name: "deno", line: `Deno ${v.deno} (V8 ${v.v8}, TypeScript ${v.typescript})` };
  }
  if (g.Bun !== undefined) {
    return {
      name: "bun",
      line: `Bun ${g.Bun.version} (${g.Bun.revision.slice(0, 9)}, JavaScriptCore)`,
    };
  }
  return { name: "node", line: `Node.js ${process.version} (V8 ${process.versions.v8})` };
}
