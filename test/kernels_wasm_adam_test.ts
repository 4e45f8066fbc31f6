import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FloatArray } from "../src/tensor.ts";
import type { AdamScalars } from "../src/kernels/kernels.ts";
import { wasmAdam } from "../src/kernels/wasm_adam.ts";
import { GEMM_WASM_PLAIN } from "../src/kernels/wasm/gemm_wasm.ts";

// The Adam kernels keep the arrays a step made in the module's memory and skip copying them in
// when the next step passes them back. Each property runs the same calls on a kernel that keeps
// arrays and on one that keeps nothing (budget 0: every call staged and copied, as before), and
// requires the same bits.

const MODULE = new WebAssembly.Module(
  Uint8Array.from(atob(GEMM_WASM_PLAIN), (c) => c.charCodeAt(0)),
);
const S: AdamScalars = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };

function filled(f64: boolean, n: number, seed: number, lo: number, hi: number): FloatArray {
  const a = f64 ? new Float64Array(n) : new Float32Array(n);
  let s = (seed >>> 0) || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    a[i] = lo + (hi - lo) * ((s >>> 0) / 4294967296);
  }
  return a;
}

/** A leaf's optimiser arrays: parameter, moments. */
interface Leaf {
  p: FloatArray;
  m: FloatArray;
  v: FloatArray;
}

const fresh = (a: FloatArray) => new (a.constructor as Float32ArrayConstructor)(a.length);

/** One applied step over `leaf` with gradient `g`; the leaf then holds the outputs. */
function applyStep(k: ReturnType<typeof wasmAdam>, leaf: Leaf, g: FloatArray): void {
  const [p1, m1, v1] = [fresh(g), fresh(g), fresh(g)];
  k.adamApply(leaf.p, g, leaf.m, leaf.v, m1, v1, p1, S, -0.01);
  Object.assign(leaf, { p: p1, m: m1, v: v1 });
}

/** One unapplied step: the moments move, the update comes back. */
function momentStep(k: ReturnType<typeof wasmAdam>, leaf: Leaf, g: FloatArray): FloatArray {
  const [m1, v1, u] = [fresh(g), fresh(g), fresh(g)];
  k.adam(g, leaf.m, leaf.v, m1, v1, u, S);
  Object.assign(leaf, { m: m1, v: v1 });
  return u;
}

const lengths = fc.array(
  fc.oneof(fc.constantFrom(0, 1, 3, 4, 5, 8, 9, 37), fc.integer({ min: 0, max: 400 })),
  {
    minLength: 1,
    maxLength: 4,
  },
);
const scenario = fc.record({
  lengths,
  f64: fc.boolean(),
  steps: fc.integer({ min: 1, max: 4 }),
  // Room for nothing, for about one leaf's arrays (so regions are reused), or plenty.
  budget: fc.constantFrom(0, 3000, 2 ** 20),
  models: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer(),
  applied: fc.boolean(),
  // Steps that start again from the state before the previous step (a branch, a restart).
  rewind: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});

test("wasm Adam kernels give the same bits keeping arrays in memory as copying them", () => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const keeping = wasmAdam(MODULE, sc.budget), copying = wasmAdam(MODULE, 0);
      const make = (model: number) =>
        sc.lengths.map((n, l) => ({
          p: filled(sc.f64, n, sc.seed + 7 * l + model, -1, 1),
          m: filled(sc.f64, n, sc.seed + 7 * l + model + 1, -0.1, 0.1),
          v: filled(sc.f64, n, sc.seed + 7 * l + model + 2, 0, 0.1),
        }));
      const models = Array.from({ length: sc.models }, (_, i) => [make(i), make(i)]);
      let saved = models.map((pair) => pair.map((leaves) => leaves.map((leaf) => ({ ...leaf }))));
      for (let step = 0; step < sc.steps; step++) {
        if (sc.rewind[step]) {
          models.forEach((pair, i) =>
            pair.forEach((leaves, j) =>
              leaves.forEach((leaf, l) => Object.assign(leaf, saved[i][j][l]))
            )
          );
        }
        saved = models.map((pair) => pair.map((leaves) => leaves.map((leaf) => ({ ...leaf }))));
        // Models interleaved leaf by leaf: the regions of one must not stand in for the other's.
        for (let l = 0; l < sc.lengths.length; l++) {
          for (const [a, b] of models) {
            const g = filled(sc.f64, sc.lengths[l], sc.seed + 31 * step + l, -2, 2);
            const before = [a[l].p, a[l].m, a[l].v].map((x) => x.slice());
            const inputs = [a[l].p, a[l].m, a[l].v];
            if (sc.applied) {
              applyStep(keeping, a[l], g);
              applyStep(copying, b[l], g);
            } else {
              assert.deepEqual(momentStep(keeping, a[l], g), momentStep(copying, b[l], g));
            }
            // The kernel wrote into no input (they are the previous step's outputs).
            inputs.forEach((x, i) => assert.deepEqual(x, before[i]));
            assert.deepEqual(a[l], b[l]);
          }
        }
      }
    }),
    { numRuns: 120 },
  );
});

test("wasm Adam: a step fed the previous step's outputs copies in only the gradient", () => {
  const k = wasmAdam(MODULE);
  const leaves = [1000, 17, 256].map((n, i) => ({
    p: filled(false, n, i, -1, 1),
    m: new Float32Array(n),
    v: new Float32Array(n),
  }));
  const run = () =>
    leaves.forEach((leaf, i) => applyStep(k, leaf, filled(false, leaf.p.length, 9 + i, -1, 1)));
  run();
  const first = k.stats();
  assert.equal(first.copiedIn, 4 * leaves.length);
  run();
  run();
  const later = k.stats();
  assert.equal(later.copiedIn - first.copiedIn, 2 * leaves.length, "the gradients only");
  assert.equal(later.resident - first.resident, 2 * 3 * leaves.length);
  // The moments' own step keeps them too.
  momentStep(k, leaves[0], filled(false, 1000, 5, -1, 1));
  assert.equal(k.stats().resident - later.resident, 2);
});

test("wasm Adam: arrays kept in memory survive its growth by a larger leaf", () => {
  const k = wasmAdam(MODULE), ref = wasmAdam(MODULE, 0);
  const a = { p: filled(false, 64, 1, -1, 1), m: new Float32Array(64), v: new Float32Array(64) };
  const b = { ...a };
  applyStep(k, a, filled(false, 64, 2, -1, 1));
  applyStep(ref, b, filled(false, 64, 2, -1, 1));
  // Four arrays of 2^20 floats: 16 MiB, more than the memory had.
  const big = {
    p: new Float32Array(2 ** 20),
    m: new Float32Array(2 ** 20),
    v: new Float32Array(2 ** 20),
  };
  applyStep(k, big, filled(false, 2 ** 20, 3, -1, 1));
  const before = k.stats().resident;
  applyStep(k, a, filled(false, 64, 4, -1, 1));
  applyStep(ref, b, filled(false, 64, 4, -1, 1));
  assert.equal(k.stats().resident - before, 3);
  assert.deepEqual(a, b);
});

test("wasm Adam: one array passed as both moments gives what two copies of it give", () => {
  for (const f64 of [false, true]) {
    const k = wasmAdam(MODULE);
    const shared = filled(f64, 13, 4, 0, 1);
    const leaf = { p: filled(f64, 13, 5, -1, 1), m: shared, v: shared };
    const twin = { p: leaf.p.slice(), m: shared.slice(), v: shared.slice() };
    const g = filled(f64, 13, 6, -1, 1);
    applyStep(k, leaf, g); // leaf's m and v were one array: staged apart
    applyStep(wasmAdam(MODULE, 0), twin, g);
    assert.deepEqual(leaf, twin);
  }
});
