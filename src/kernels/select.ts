/**
 * Backend selection: the process-wide kernels every op calls.
 *
 * Until the faster backends land this always returns the reference kernels; `useBackend`
 * lets tests and benchmarks pin one.
 *
 * @module
 */

import type { BackendName, Kernels } from "./kernels.ts";
import { referenceKernels } from "./reference.ts";

let current: Kernels | undefined;

/** The kernels in use, chosen on first call. */
export function kernels(): Kernels {
  if (current === undefined) current = referenceKernels;
  return current;
}

/** Pins the backend for the rest of the process. */
export function useBackend(name: BackendName): Kernels {
  if (name !== "ts") throw new RangeError(`useBackend: backend "${name}" is not available`);
  current = referenceKernels;
  return current;
}
