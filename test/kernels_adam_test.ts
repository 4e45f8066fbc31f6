import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FloatArray } from "../src/tensor.ts";
import type { AdamScalars, Backend } from "../src/kernels/kernels.ts";
import { adamTs } from "../src/kernels/adam_ts.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { load, probed, skipReason } from "./_backends.ts";

// Every backend's Adam step against the TypeScript loop (`adamTs`), which defines the results.

const BACKENDS: [string, Backend | string][] = [
  ["blas", load(probed("blas"))],
  ["wasm", load(probed("wasm"))],
  ["wasm (plain SIMD)", load(() => loadWasmKernels({ relaxed: false }))],
];

/** Deterministic values in [lo, hi) from a drawn seed. */
function fill(data: FloatArray, seed: number, lo: number, hi: number): FloatArray {
  let s = (seed >>> 0) || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    data[i] = lo + (hi - lo) * ((s >>> 0) / 4294967296);
  }
  return data;
}

// Lengths around the SIMD widths (4 floats, 2 doubles): empty, one, primes, a few vectors.
const length = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 37, 64, 1021),
  fc.integer({ min: 0, max: 300 }),
);
const problem = fc.record({
  n: length,
  f64: fc.boolean(),
  seed: fc.integer(),
  t: fc.integer({ min: 1, max: 10000 }),
  b1: fc.constantFrom(0, 0.5, 0.9),
  b2: fc.constantFrom(0.9, 0.999),
  eps: fc.constantFrom(1e-8, 1e-3),
});
type Problem = typeof problem extends fc.Arbitrary<infer T> ? T : never;

/** Inputs, and outputs prefilled with NaN so an element left unwritten shows. */
function setup(pr: Problem) {
  const make = (n: number) => (pr.f64 ? new Float64Array(n) : new Float32Array(n));
  const g = fill(make(pr.n), pr.seed, -2, 2);
  const m0 = fill(make(pr.n), pr.seed + 1, -1, 1);
  const v0 = fill(make(pr.n), pr.seed + 2, 0, 4); // second moments are never negative
  const outs = () => [make(pr.n).fill(NaN), make(pr.n).fill(NaN), make(pr.n).fill(NaN)];
  const s: AdamScalars = {
    b1: pr.b1,
    b2: pr.b2,
    c1: 1 / (1 - Math.pow(pr.b1, pr.t)),
    c2: 1 / (1 - Math.pow(pr.b2, pr.t)),
    eps: pr.eps,
  };
  return { g, m0, v0, outs, s };
}

for (const [label, k] of BACKENDS) {
  test(`${label} adam: float64 equals the TypeScript loop bitwise; float32 within a few ulps`, {
    skip: skipReason(label, k),
  }, () => {
    const kernels = k as Backend;
    assert.equal(typeof kernels.adam, "function");
    fc.assert(
      fc.property(problem, (pr) => {
        const { g, m0, v0, outs, s } = setup(pr);
        const inputs = [g, m0, v0].map((a) => a.slice());
        const [m1, v1, out] = outs();
        const [em1, ev1, eout] = outs();
        kernels.adam!(g, m0, v0, m1, v1, out, s);
        adamTs(g, m0, v0, em1, ev1, eout, s);
        // Inputs untouched.
        [g, m0, v0].forEach((a, i) => assert.deepEqual(a, inputs[i]));
        if (pr.f64) {
          assert.deepEqual(m1, em1);
          assert.deepEqual(v1, ev1);
          assert.deepEqual(out, eout);
          return;
        }
        // float32 arithmetic: each rounding is at most half an ulp of its result. m and v
        // are one multiply-add each, so within 2 ulps of the magnitudes summed (m can cancel);
        // the update carries m's error, scaled by c1/(√v̂ + ε), plus a few roundings of its own.
        const ulp = 2 ** -23;
        for (let i = 0; i < pr.n; i++) {
          const mScale = Math.abs(s.b1 * m0[i]) + Math.abs((1 - s.b1) * g[i]);
          assert.ok(Math.abs(m1[i] - em1[i]) <= 2 * ulp * mScale, `m1[${i}] ${m1[i]} vs ${em1[i]}`);
          const vScale = Math.abs(s.b2 * v0[i]) + Math.abs((1 - s.b2) * g[i] * g[i]);
          assert.ok(Math.abs(v1[i] - ev1[i]) <= 2 * ulp * vScale, `v1[${i}] ${v1[i]} vs ${ev1[i]}`);
          const gain = s.c1 / (Math.sqrt(ev1[i] * s.c2) + s.eps);
          const u = (em1[i] * s.c1) / (Math.sqrt(ev1[i] * s.c2) + s.eps);
          const tol = 2 * ulp * mScale * gain + 8 * ulp * Math.abs(u) + 2 ** -140;
          assert.ok(Math.abs(out[i] - eout[i]) <= tol, `out[${i}] ${out[i]} vs ${eout[i]}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  test(`${label} adam: a length that differs from the gradient's is a RangeError naming it`, {
    skip: skipReason(label, k),
  }, () => {
    const a = new Float32Array(5), short = new Float32Array(4);
    const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };
    assert.throws(() => (k as Backend).adam!(a, a, short, a, a, a, s), {
      name: "RangeError",
      message: /adam kernel: v0 has 4 elements but the gradient has 5/,
    });
  });
}

test("adam kernels fall back to the TypeScript loop for mixed element types", {
  skip: skipReason("wasm", BACKENDS[1][1]),
}, () => {
  const kernels = BACKENDS[1][1] as Backend;
  const g = new Float64Array([0.5, -1, 2]);
  const m0 = new Float32Array([0.1, 0.2, 0.3]), v0 = new Float32Array([1, 2, 3]);
  const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };
  const got = [new Float32Array(3), new Float32Array(3), new Float32Array(3)];
  const want = [new Float32Array(3), new Float32Array(3), new Float32Array(3)];
  kernels.adam!(g, m0, v0, got[0], got[1], got[2], s);
  adamTs(g, m0, v0, want[0], want[1], want[2], s);
  assert.deepEqual(got, want);
});

// A first moment whose gradient stays zero decays by b1 each step into the float32 subnormals,
// where x86 cores run many times slower; every float32 kernel stores it as zero instead.
test("float32 Adam kernels store a subnormal first moment as zero (NaN passes); v and float64 keep theirs", async () => {
  const { adamApplyTs, FLOAT32_MIN_NORMAL } = await import("../src/kernels/adam_ts.ts");
  const kernels: [string, Backend["adam"], Backend["adamApply"]][] = [
    ["ts reference", adamTs, adamApplyTs],
  ];
  for (const [label, k] of BACKENDS) {
    if (typeof k !== "string") kernels.push([label, k.adam, k.adamApply]);
  }
  const s = { b1: 0.5, b2: 0.5, c1: 1, c2: 1, eps: 1e-8 };
  // Lanes: decays to a subnormal (both moments), stays normal, NaN, exactly zero; twice over
  // so both the SIMD loop and the one-at-a-time remainder see every case.
  const tiny = FLOAT32_MIN_NORMAL;
  const lanes = [
    [0, tiny, tiny], // m1 = v1 = tiny/2: subnormal
    [0, -tiny, tiny], // m1 = -tiny/2: subnormal
    [0, 4 * tiny, 4 * tiny], // 2·tiny: normal
    [NaN, 0.5, 0.5], // NaN gradient: NaN moments
    [0, 0, 0],
  ];
  const n = 2 * lanes.length;
  for (const [label, adam, adamApply] of kernels) {
    for (const f64 of [false, true]) {
      const make = (f: (l: number[]) => number): FloatArray => {
        const a = f64 ? new Float64Array(n) : new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = f(lanes[i % lanes.length]);
        return a;
      };
      const g = make((l) => l[0]), m0 = make((l) => l[1]), v0 = make((l) => l[2]);
      const p = make(() => 1);
      const outs = () => [make(() => 7), make(() => 7), make(() => 7)];
      const runs: FloatArray[][] = [];
      if (adam !== undefined) {
        const o = outs();
        adam(g, m0, v0, o[0], o[1], o[2], s);
        runs.push(o);
      }
      if (adamApply !== undefined) {
        const o = outs();
        adamApply(p, g, m0, v0, o[0], o[1], o[2], s, -0.1);
        runs.push(o);
      }
      assert.ok(runs.length > 0, `${label}: no Adam kernel`);
      for (const [m1, v1] of runs) {
        for (let i = 0; i < n; i++) {
          const [gi, mi, vi] = lanes[i % lanes.length];
          const wantM = f64 || Math.abs(mi / 2) >= tiny || Number.isNaN(gi) ? mi / 2 + gi / 2 : 0;
          const wantV = vi / 2 + (gi * gi) / 2; // the second moment is never flushed
          const where = `${label} ${f64 ? "float64" : "float32"} lane ${i}`;
          // Object.is: NaN equals NaN, and a flushed moment is +0 or -0 as zero is.
          const same = (a: number, b: number) => Object.is(a, b) || a === b;
          assert.ok(
            same(m1[i], f64 ? wantM : Math.fround(wantM)),
            `${where}: m ${m1[i]}, want ${wantM}`,
          );
          assert.ok(
            same(v1[i], f64 ? wantV : Math.fround(wantV)),
            `${where}: v ${v1[i]}, want ${wantV}`,
          );
        }
      }
    }
  }
});
test(
  "the blas backend borrows the WebAssembly Adam step, rectifier, pool, bias loops, Bernoulli NLL and LSTM gates and says so",
  {
    skip: skipReason("blas", BACKENDS[0][1]) || skipReason("wasm", BACKENDS[1][1]),
  },
  () => {
    const blas = BACKENDS[0][1] as Backend, wasm = BACKENDS[1][1] as Backend;
    assert.equal(blas.adam, wasm.adam);
    assert.equal(blas.relu, wasm.relu);
    assert.equal(blas.reluBack, wasm.reluBack);
    assert.equal(blas.addRows, wasm.addRows);
    assert.equal(blas.columnSums, wasm.columnSums);
    assert.equal(blas.adamApplyFresh, wasm.adamApplyFresh);
    assert.equal(blas.bernoulliNll, wasm.bernoulliNll);
    assert.equal(blas.lstmGates, wasm.lstmGates);
    assert.equal(blas.lstmGatesBack, wasm.lstmGatesBack);
    assert.equal(blas.reluMaxPool2x2, wasm.reluMaxPool2x2);
    assert.match(
      blas.description,
      /; Adam, relu, pool, bias, Bernoulli NLL, LSTM gates: wasm SIMD$/,
    );
  },
);
