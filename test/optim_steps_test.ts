import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import type { AdamScalars, Backend } from "../src/kernels/kernels.ts";
import { adamMoments } from "../src/ops/optim_steps.ts";
import { type DType, type Tensor, tensor, zeros } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { load, probed, skipReason } from "./_backends.ts";

// The fused Adam step against the primitives it fuses, on every backend that loads here.

const BACKENDS: [string, Backend | string][] = [
  ["ts", load(probed("ts"))],
  ["wasm", load(probed("wasm"))],
  ["blas", load(probed("blas"))],
];

const scalarsArb = fc.record({
  b1: fc.constantFrom(0, 0.5, 0.9),
  b2: fc.constantFrom(0.9, 0.999),
  t: fc.integer({ min: 1, max: 10000 }),
  eps: fc.constantFrom(1e-8, 1e-3),
}).map(({ b1, b2, t, eps }): AdamScalars => ({
  b1,
  b2,
  c1: 1 / (1 - Math.pow(b1, t)),
  c2: 1 / (1 - Math.pow(b2, t)),
  eps,
}));

// Lengths around the SIMD widths (4 floats, 2 doubles), in two ranks.
const shapeArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => [n]),
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 })),
);
const problemArb = (dtype: DType) =>
  shapeArb.chain((shape) =>
    fc.record({
      g: tensorArb(shape, { dtype, min: -2, max: 2 }),
      m: tensorArb(shape, { dtype, min: -1, max: 1 }),
      v: tensorArb(shape, { dtype, min: 0, max: 4 }), // second moments are never negative
      s: scalarsArb,
    })
  );

/** The step composed of primitives: what adamMoments fuses. */
function composed(backend: Backend, g: Tensor, m: Tensor, v: Tensor, s: AdamScalars) {
  const t = untraced(backend);
  const mu = t.add(t.mulScalar(m, s.b1), t.mulScalar(g, 1 - s.b1));
  const nu = t.add(t.mulScalar(v, s.b2), t.mulScalar(t.square(g), 1 - s.b2));
  const update = t.div(t.mulScalar(mu, s.c1), t.addScalar(t.sqrt(t.mulScalar(nu, s.c2)), s.eps));
  return { mu, nu, update };
}

for (const [label, b] of BACKENDS) {
  test(`adamMoments on ${label} equals its primitives composed, bitwise in float64`, {
    skip: skipReason(label, b),
  }, () => {
    const backend = b as Backend;
    fc.assert(
      fc.property(problemArb("float64"), ({ g, m, v, s }) => {
        const got = adamMoments(backend, g, m, v, s);
        const want = composed(backend, g, m, v, s);
        for (const k of ["mu", "nu", "update"] as const) {
          assert.deepEqual(got[k].shape, g.shape, k);
          assert.equal(got[k].dtype, "float64", k);
          assert.deepEqual([...got[k].data], [...want[k].data], k);
        }
      }),
      { numRuns: 100 },
    );
  });

  test(`adamMoments on ${label} equals its primitives composed to float32 rounding`, {
    skip: skipReason(label, b),
  }, () => {
    const backend = b as Backend;
    const ulp = 2 ** -23;
    fc.assert(
      fc.property(problemArb("float32"), ({ g, m, v, s }) => {
        const got = adamMoments(backend, g, m, v, s);
        const want = composed(backend, g, m, v, s);
        for (const k of ["mu", "nu", "update"] as const) assert.equal(got[k].dtype, "float32");
        // Each side rounds a few times, each rounding at most half an ulp of its result: the
        // moments within 2 ulps of their terms' magnitudes (m can cancel, v cannot); the update
        // carries m's error scaled by c1/(√v̂ + ε), plus a few ulps of its own. A rounding below
        // the normal range errs by up to 2^-149 whatever the magnitude: the absolute floors.
        // And the kernels store a first moment that would be subnormal as zero
        // (src/kernels/adam_ts.ts): its floor is the smallest normal, 2^-126, carried into the
        // update by its gain.
        const tiny = 2 ** -147, flushed = 2 ** -126;
        for (let i = 0; i < g.data.length; i++) {
          const gi = g.data[i], mi = m.data[i], vi = v.data[i];
          const mScale = Math.abs(s.b1 * mi) + Math.abs((1 - s.b1) * gi);
          const vScale = Math.abs(s.b2 * vi) + Math.abs((1 - s.b2) * gi * gi);
          const [mu, nu, u] = [got.mu.data[i], got.nu.data[i], got.update.data[i]];
          const [wmu, wnu, wu] = [want.mu.data[i], want.nu.data[i], want.update.data[i]];
          assert.ok(Math.abs(mu - wmu) <= 2 * ulp * mScale + flushed, `mu[${i}] ${mu} vs ${wmu}`);
          assert.ok(Math.abs(nu - wnu) <= 2 * ulp * vScale + tiny, `nu[${i}] ${nu} vs ${wnu}`);
          const gain = s.c1 / (Math.sqrt(wnu * s.c2) + s.eps);
          const tol = (2 * ulp * mScale + flushed) * gain + 8 * ulp * Math.abs(wu) + tiny;
          assert.ok(Math.abs(u - wu) <= tol, `update[${i}] ${u} vs ${wu}`);
        }
      }),
      { numRuns: 100 },
    );
  });
}

test("adamMoments never writes into its inputs nor returns their arrays", () => {
  fc.assert(
    fc.property(problemArb("float32"), ({ g, m, v, s }) => {
      const before = [g, m, v].map((x) => [...x.data]);
      const out = adamMoments(untraced().backend, g, m, v, s);
      assert.deepEqual([g, m, v].map((x) => [...x.data]), before);
      const inputs = new Set([g.data, m.data, v.data]);
      for (const x of [out.mu, out.nu, out.update]) assert.ok(!inputs.has(x.data));
    }),
    { numRuns: 30 },
  );
});

test("adamMoments runs the backend's adam kernel when it has one", () => {
  const ts = load(probed("ts")) as Backend;
  let calls = 0;
  const counting: Backend = {
    ...ts,
    name: "counting",
    adam: (_g, _m0, _v0, m1, v1, out) => {
      calls++;
      m1.fill(1), v1.fill(2), out.fill(3);
    },
  };
  const z = zeros([3], "float64");
  const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };
  const { mu, nu, update } = adamMoments(counting, z, z, z, s);
  assert.equal(calls, 1);
  assert.deepEqual([...mu.data, ...nu.data, ...update.data], [1, 1, 1, 2, 2, 2, 3, 3, 3]);
});

test("adamMoments rejects mismatched shapes and dtypes with TypeErrors naming it", () => {
  const b = untraced().backend;
  const s = { b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 };
  assert.throws(() => adamMoments(b, zeros([2]), zeros([3]), zeros([2]), s), {
    name: "TypeError",
    message: /Cannot adamMoments: shapes differ, \[2\] and \[3\]/,
  });
  assert.throws(() => adamMoments(b, zeros([2]), zeros([2]), zeros([2], "float64"), s), {
    name: "TypeError",
    message: /Cannot adamMoments: dtypes differ, float32 and float64/,
  });
  assert.throws(() => adamMoments(b, [1, 2] as never, zeros([2]), zeros([2]), s), {
    name: "TypeError",
    message: /Cannot adamMoments: the gradient g must be a tensor/,
  });
  assert.throws(() => adamMoments(b, zeros([2]), zeros([2]), zeros([2]), { ...s, c1: NaN }), {
    name: "RangeError",
    message: /adamMoments: scalars\.c1 must be a finite number, got NaN/,
  });
});

test("adamMoments' first step is sign(g) (m̂ = g, v̂ = g²), computed by hand", () => {
  const g = tensor([-3, 0.5, 2], [3], "float64"), z = zeros([3], "float64");
  const s = { b1: 0.9, b2: 0.999, c1: 1 / (1 - 0.9), c2: 1 / (1 - 0.999), eps: 0 };
  const { mu, nu, update } = adamMoments(untraced().backend, g, z, z, s);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-12, `${a} vs ${b}`);
  [-0.3, 0.05, 0.2].forEach((x, i) => close(mu.data[i], x));
  [0.009, 0.00025, 0.004].forEach((x, i) => close(nu.data[i], x));
  [-1, 1, 1].forEach((x, i) => close(update.data[i], x));
});
