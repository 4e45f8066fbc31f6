import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FloatArray } from "../src/tensor.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { referenceGemm } from "../src/kernels/reference.ts";
import { tsGemm } from "../src/kernels/ts_gemm.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { load, probed, skipReason } from "./_backends.ts";

/** Every backend (and WebAssembly flavour) that might run here, or why it cannot. */
const BACKENDS: [string, Backend | string][] = [
  ["blas", load(probed("blas"))],
  ["wasm", load(probed("wasm"))],
  ["wasm (plain SIMD)", load(() => loadWasmKernels({ relaxed: false }))],
  ["wasm (relaxed SIMD)", load(() => loadWasmKernels({ relaxed: true }))],
  ["ts", load(probed("ts"))],
];

/** Deterministic values from a drawn seed: fast-check draws the seed, not 10⁵ doubles. */
function fill(data: FloatArray, seed: number, integers: boolean): FloatArray {
  let s = (seed >>> 0) || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    const u = (s >>> 0) / 4294967296;
    data[i] = integers ? Math.floor(u * 9) - 4 : 2 * u - 1;
  }
  return data;
}

// Dimensions around the interesting sizes: empty, one, primes, and the register tiles.
const dim = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 11, 13, 17, 31, 37),
  fc.integer({ min: 0, max: 70 }),
);
const problem = fc.record({
  m: dim,
  n: dim,
  k: dim,
  transA: fc.boolean(),
  transB: fc.boolean(),
  f64: fc.boolean(),
  seed: fc.integer(),
});
type Problem = typeof problem extends fc.Arbitrary<infer T> ? T : never;

function operands(p: Problem, integers: boolean) {
  const T = p.f64 ? Float64Array : Float32Array;
  return {
    a: fill(new T(p.m * p.k), p.seed, integers),
    b: fill(new T(p.k * p.n), p.seed ^ 0x5bd1e995, integers),
    ref: new T(p.m * p.n),
    out: new T(p.m * p.n).fill(Number.NaN), // NaN proves every element is overwritten
  };
}

/** |x − ref| within a few ulps of the dot product's magnitude (k terms of size ≤ 1). */
function assertClose(out: FloatArray, ref: FloatArray, k: number, f64: boolean) {
  const tol = (f64 ? 1e-13 : 2e-6) * (k + 1);
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(out[i] - ref[i]) <= tol)) {
      assert.fail(`element ${i}: ${out[i]} vs reference ${ref[i]} (tolerance ${tol})`);
    }
  }
}

for (const [label, k] of BACKENDS) {
  const skip = skipReason(label, k);
  const kern = k as Backend;

  test(`${label} gemm equals the reference exactly on integer-valued operands`, { skip }, () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { a, b, ref, out } = operands(p, true);
        referenceGemm(p.transA, p.transB, p.m, p.n, p.k, a, b, ref);
        kern.gemm(p.transA, p.transB, p.m, p.n, p.k, a, b, out);
        assert.deepEqual(out, ref);
      }),
      { numRuns: 60 },
    );
  });

  test(`${label} gemm matches the reference within rounding on real operands`, { skip }, () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { a, b, ref, out } = operands(p, false);
        referenceGemm(p.transA, p.transB, p.m, p.n, p.k, a, b, ref);
        kern.gemm(p.transA, p.transB, p.m, p.n, p.k, a, b, out);
        assertClose(out, ref, p.k, p.f64);
      }),
      { numRuns: 60 },
    );
  });

  test(`${label} gemmAdd, where present, adds the reference product into out`, {
    skip: skip || (kern.gemmAdd === undefined ? `${label} has no gemmAdd` : false),
  }, () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { a, b, ref, out } = operands(p, true);
        referenceGemm(p.transA, p.transB, p.m, p.n, p.k, a, b, ref);
        fill(out, p.seed ^ 0x1234567, true);
        const expected = out.map((v, i) => v + ref[i]);
        kern.gemmAdd!(p.transA, p.transB, p.m, p.n, p.k, a, b, out);
        assert.deepEqual(out, expected);
      }),
      { numRuns: 60 },
    );
  });

  test(`${label} gemm matches the reference across cache-block edges`, { skip }, () => {
    // k past one packed depth (256), m past the row blocks (66, 96), n past 3072 columns.
    for (const [m, n, k] of [[97, 13, 257], [3, 3075, 5], [130, 9, 513], [65, 33, 300]]) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const f64 of [false, true]) {
          const p = { m, n, k, transA, transB, f64, seed: m * n + k };
          const { a, b, ref, out } = operands(p, false);
          referenceGemm(transA, transB, m, n, k, a, b, ref);
          kern.gemm(transA, transB, m, n, k, a, b, out);
          assertClose(out, ref, k, f64);
        }
      }
    }
  });

  test(`${label} gemm reads subarray views at their offset and never writes its inputs`, {
    skip,
  }, () => {
    fc.assert(
      fc.property(problem, fc.nat(9), (p, offset) => {
        const { a, b, ref } = operands(p, false);
        const T = p.f64 ? Float64Array : Float32Array;
        // Operands embedded in larger buffers, with sentinels on both sides of `out`.
        const aBig = new T(a.length + offset + 3).fill(7);
        aBig.set(a, offset);
        const bBig = new T(b.length + 2 * offset + 1).fill(-7);
        bBig.set(b, 2 * offset);
        const outBig = new T(ref.length + offset + 4).fill(123);
        const aView = aBig.subarray(offset, offset + a.length);
        const bView = bBig.subarray(2 * offset, 2 * offset + b.length);
        const before = [aBig.slice(), bBig.slice()];
        referenceGemm(p.transA, p.transB, p.m, p.n, p.k, a, b, ref);
        kern.gemm(
          p.transA,
          p.transB,
          p.m,
          p.n,
          p.k,
          aView,
          bView,
          outBig.subarray(offset, offset + ref.length),
        );
        assertClose(outBig.subarray(offset, offset + ref.length), ref, p.k, p.f64);
        for (let i = 0; i < offset; i++) assert.equal(outBig[i], 123);
        for (let i = offset + ref.length; i < outBig.length; i++) assert.equal(outBig[i], 123);
        assert.deepEqual([aBig, bBig], before);
      }),
      { numRuns: 40 },
    );
  });

  test(`${label} gemm rejects short arrays and mixed dtypes with a TypeError`, { skip }, () => {
    const f = new Float32Array(6), d = new Float64Array(6);
    assert.throws(() => kern.gemm(false, false, 2, 3, 4, f, f, f), {
      name: "TypeError",
      message: /a has 6 elements but op\(a\) is 2×4/,
    });
    assert.throws(() => kern.gemm(false, false, 2, 3, 1, f, d, f), {
      name: "TypeError",
      message: /share one element type, got Float32Array, Float64Array and Float32Array/,
    });
    assert.throws(() => kern.gemm(false, false, -1, 3, 1, f, f, f), {
      name: "TypeError",
      message: /m=-1/,
    });
  });

  test(`${label} backend has a one-line description starting with its name`, { skip }, () => {
    assert.match(kern.description, new RegExp(`^${kern.name} \\(`));
    assert.ok(!kern.description.includes("\n"));
  });
}

test("tsGemm equals the reference exactly on integer-valued operands", () => {
  fc.assert(
    fc.property(problem, (p) => {
      const { a, b, ref, out } = operands(p, true);
      referenceGemm(p.transA, p.transB, p.m, p.n, p.k, a, b, ref);
      tsGemm(p.transA, p.transB, p.m, p.n, p.k, a, b, out);
      assert.deepEqual(out, ref);
    }),
    { numRuns: 40 },
  );
});

test("gemm of [1 2; 3 4]·[5 6; 7 8] in all four transpose variants, worked by hand", () => {
  // A = [1 2; 3 4], B = [5 6; 7 8]: A·B = [19 22; 43 50], Aᵀ·B = [26 30; 38 44],
  // A·Bᵀ = [17 23; 39 53], Aᵀ·Bᵀ = [23 31; 34 46].
  const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]);
  const expected: [boolean, boolean, number[]][] = [
    [false, false, [19, 22, 43, 50]],
    [true, false, [26, 30, 38, 44]],
    [false, true, [17, 23, 39, 53]],
    [true, true, [23, 31, 34, 46]],
  ];
  for (const [label, k] of BACKENDS) {
    if (typeof k === "string") continue;
    for (const [ta, tb, want] of expected) {
      const out = new Float32Array(4);
      k.gemm(ta, tb, 2, 2, 2, a, b, out);
      assert.deepEqual([...out], want, `${label} transA=${ta} transB=${tb}`);
    }
  }
});
