import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FloatArray } from "../src/tensor.ts";
import type { AdamScalars } from "../src/kernels/kernels.ts";
import { wasmAdam } from "../src/kernels/wasm_adam.ts";
import { GEMM_WASM_PLAIN } from "../src/kernels/wasm/gemm_wasm.ts";

// `adamApplyFresh` is `adamApply` making its own output arrays (copied out of the module's
// memory): the same bits, the same residency of the arrays it made.

const MODULE = new WebAssembly.Module(
  Uint8Array.from(atob(GEMM_WASM_PLAIN), (c) => c.charCodeAt(0)),
);
const S: AdamScalars = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };

function filled(f64: boolean, n: number, seed: number): FloatArray {
  const a = f64 ? new Float64Array(n) : new Float32Array(n);
  let s = (seed >>> 0) || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    a[i] = -1 + 2 * ((s >>> 0) / 4294967296);
  }
  return a;
}

const bits = (a: FloatArray) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

test("wasm adamApplyFresh gives adamApply's bits, step after step, in fresh plain arrays", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 }),
      fc.integer(),
      (f64, lengths, seed) => {
        const given = wasmAdam(MODULE), made = wasmAdam(MODULE);
        const leaves = lengths.map((n, i) => {
          const p = filled(f64, n, seed + i);
          return {
            a: { p, m: p.map(() => 0), v: p.map(() => 0) },
            b: { p, m: p.map(() => 0), v: p.map(() => 0) },
          };
        });
        for (let step = 0; step < 3; step++) {
          leaves.forEach(({ a, b }, i) => {
            const g = filled(f64, a.p.length, seed * 7 + step * 13 + i);
            const [p1, m1, v1] = [0, 1, 2].map(() => a.p.map(() => 0));
            given.adamApply(a.p, g, a.m, a.v, m1, v1, p1, S, -0.01);
            const out = made.adamApplyFresh(b.p, g, b.m, b.v, S, -0.01);
            assert.ok(out !== undefined);
            assert.deepEqual(out.map(bits), [p1, m1, v1].map(bits));
            for (const o of out) {
              assert.equal(o.constructor, g.constructor);
              assert.equal(o.byteOffset, 0);
              assert.equal(
                o.buffer.byteLength,
                o.byteLength,
                "its own buffer, no view of wasm memory",
              );
            }
            Object.assign(a, { p: p1, m: m1, v: v1 });
            Object.assign(b, { p: out[0], m: out[1], v: out[2] });
          });
        }
      },
    ),
    { numRuns: 30 },
  );
});

test("wasm adamApplyFresh: a step fed the previous step's arrays copies in only the gradient", () => {
  const k = wasmAdam(MODULE);
  let p: FloatArray = filled(false, 100, 3), m: FloatArray = new Float32Array(100);
  let v: FloatArray = new Float32Array(100);
  for (let step = 0; step < 3; step++) {
    [p, m, v] = k.adamApplyFresh(p, filled(false, 100, step), m, v, S, -0.01)!;
  }
  // Step 1 copied all four in; steps 2 and 3 the gradient only.
  assert.deepEqual(k.stats(), { copiedIn: 6, resident: 6 });
});

test("wasm adamApplyFresh declines mixed element types and empty leaves (the caller falls back)", () => {
  const k = wasmAdam(MODULE);
  const f32 = new Float32Array(4), f64 = new Float64Array(4);
  assert.equal(k.adamApplyFresh(f32, f32, f64, f32, S, -0.1), undefined);
  assert.equal(k.adamApplyFresh(f64, f32, f32, f32, S, -0.1), undefined);
  const none = new Float32Array(0);
  assert.equal(k.adamApplyFresh(none, none, none, none, S, -0.1), undefined);
  assert.throws(() => k.adamApplyFresh(f32, new Float32Array(3), f32, f32, S, -0.1), {
    name: "RangeError",
    message: /^adam kernel: m0 has 4 elements but the gradient has 3/,
  });
});
