import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BLAS_THREAD_VARIABLES, defaultBlasThreads } from "../src/kernels/blas_threads.ts";
import { loadBlasKernels } from "../src/kernels/blas.ts";

const unset = () => undefined;

test("defaultBlasThreads leaves one core to the engine: cores − 1, at least one", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 512 }), (cores) => {
      assert.equal(defaultBlasThreads(cores, unset), cores === 1 ? 1 : cores - 1);
    }),
    { numRuns: 50 },
  );
});

test("defaultBlasThreads defers to any of OpenBLAS's thread variables that is set", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...BLAS_THREAD_VARIABLES),
      fc.constantFrom("1", "2", "16"),
      fc.integer({ min: 1, max: 64 }),
      (variable, value, cores) => {
        const env = (name: string) => (name === variable ? value : undefined);
        assert.equal(defaultBlasThreads(cores, env), undefined);
        // An empty value is as good as unset, as OpenBLAS reads it.
        const empty = (name: string) => (name === variable ? "" : undefined);
        assert.equal(defaultBlasThreads(cores, empty), Math.max(1, cores - 1));
      },
    ),
    { numRuns: 30 },
  );
});

/** The loaded BLAS backend, or why there is none here. */
function blas() {
  try {
    return loadBlasKernels();
  } catch (e) {
    return (e as Error).message;
  }
}
const loaded = blas();

test("the BLAS backend runs OpenBLAS with the default thread count and says so", {
  skip: typeof loaded === "string" ? `no BLAS here: ${loaded}` : false,
}, () => {
  if (typeof loaded === "string") return;
  const threads = defaultBlasThreads();
  if (threads === undefined || !loaded.description.includes("OpenBLAS")) return;
  assert.match(loaded.description, new RegExp(`, ${threads} threads?,`));
  // An explicit option wins, and the default comes back when asked for again.
  assert.match(loadBlasKernels({ threads: 2 }).description, /, 2 threads,/);
  assert.match(loadBlasKernels().description, new RegExp(`, ${threads} threads?,`));
});
