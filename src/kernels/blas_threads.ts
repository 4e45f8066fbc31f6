/**
 * How many threads the BLAS backend asks OpenBLAS for, and why.
 *
 * OpenBLAS's worker threads spin for a while after each product, waiting for the next one. In
 * a training step most of the time is JavaScript (the optimiser's loop, activations,
 * allocation), and the engine's garbage-collector and compiler threads need a core during it;
 * on a small machine the spinning workers take that core. Measured on 2 cores (AMD EPYC,
 * OpenBLAS 0.3.21 pthread build with its Haswell kernels; MLP 784-256-128-10, batch 128, Adam,
 * `bench/step_split.ts` and `bench/blas_threads.ts`, machine idle):
 *
 * | MLP step                | 1 thread        | 2 threads       |
 * | ----------------------- | --------------- | --------------- |
 * | 128×784·784×256 product | 0.55 ms         | 0.36 ms         |
 * | Deno, samples/s         | 38.2k (45.2k)   | 36.7k (51.0k)   |
 * | Bun, samples/s          | 31.7k (41.2k)   | 27.7k (40.2k)   |
 * | CPU per step, Deno      | 3.9 ms          | 7.0 ms          |
 *
 * (samples/s from the mean step, in brackets from the median step.) Two threads make each big
 * product about a third faster and the median step faster under Deno, but no step faster on
 * average, at twice the CPU, and they are slower whenever another process wants the second
 * core, because a product then waits for its worker to be scheduled. So by default the
 * backend asks for one thread fewer than there are cores, at least one: one on two cores,
 * where OpenBLAS then starts no worker at all. The `threads` option of `loadBlasKernels`, or
 * `OPENBLAS_NUM_THREADS`, `GOTO_NUM_THREADS` or `OMP_NUM_THREADS` in the environment, choose
 * otherwise.
 *
 * @module
 */

import { readEnv } from "./env.ts";

/** The variables OpenBLAS reads its thread count from, in its order. */
export const BLAS_THREAD_VARIABLES: readonly string[] = Object.freeze([
  "OPENBLAS_NUM_THREADS",
  "GOTO_NUM_THREADS",
  "OMP_NUM_THREADS",
]);

/**
 * The OpenBLAS thread count the backend asks for by default: one fewer than `cores`, at least
 * one, or `undefined` (OpenBLAS's own choice) when one of {@linkcode BLAS_THREAD_VARIABLES} is
 * set. `env` reads a variable (by default without prompting; see `env.ts`).
 *
 * @example
 * ```ts
 * import { defaultBlasThreads } from "./blas_threads.ts";
 * const unset = () => undefined;
 * if (defaultBlasThreads(2, unset) !== 1 || defaultBlasThreads(8, unset) !== 7) {
 *   throw new Error("unexpected");
 * }
 * if (defaultBlasThreads(2, (name) => name === "OMP_NUM_THREADS" ? "2" : undefined) !== undefined) {
 *   throw new Error("a thread variable in the environment is OpenBLAS's to read");
 * }
 * ```
 */
export function defaultBlasThreads(
  cores: number = globalThis.navigator?.hardwareConcurrency ?? 1,
  env: (name: string) => string | undefined = readEnv,
): number | undefined {
  for (const name of BLAS_THREAD_VARIABLES) {
    if ((env(name) ?? "") !== "") return undefined;
  }
  return Math.max(1, Math.floor(cores) - 1);
}
