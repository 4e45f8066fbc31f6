// Shared by the kernel tests: each backend that might run here, or why it cannot.
import type { Backend } from "../src/kernels/kernels.ts";
import { probeBackend } from "../src/kernels/select.ts";

/** The kernels `make` builds, or the message it failed with. */
export function load(make: () => Backend): Backend | string {
  try {
    return make();
  } catch (e) {
    return (e as Error).message;
  }
}

/** Builds a backend through the selector's probe (so it is the one `backend(name)` returns). */
export const probed = (name: "blas" | "wasm" | "ts") => (): Backend => {
  const p = probeBackend(name);
  if (!p.ok) throw new Error(p.reason);
  return p.kernels;
};

/** A test's `skip` option: the reason when the backend did not load, else false. */
export const skipReason = (label: string, k: Backend | string): string | false =>
  typeof k === "string" ? `${label} backend not available here: ${k}` : false;
