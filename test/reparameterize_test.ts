/**
 * `reparameterize()`: `[batch, 2k]` (k means, k log-variances) to a code `[batch, k]`, a sample
 * `μ + exp(½ log σ²)·ε` while training and `μ` at evaluation, with the auxiliary term
 * `kl = mean_batch ½ Σ_j (σ² + μ² − 1 − log σ²)`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { reparameterize } from "../src/layers/reparameterize.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { key, normal } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { serial } from "../src/layers/serial.ts";
import { dense } from "../src/layers/dense.ts";
import { tanhLayer } from "../src/layers/activations.ts";

const t = untraced();
const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
/** An encoder output [batch, 2k]: means in [-3, 3], log-variances in [-3, 2]. */
const encodedArb = fc.record({
  batch: fc.integer({ min: 1, max: 4 }),
  k: fc.integer({ min: 1, max: 4 }),
}).chain(({ batch, k }) =>
  fc.tuple(tensorArb([batch, k]), tensorArb([batch, k], { min: -3, max: 2 })).map(
    ([mu, lv]) => {
      const data = new Float64Array(batch * 2 * k);
      for (let i = 0; i < batch; i++) {
        for (let j = 0; j < k; j++) {
          data[i * 2 * k + j] = mu.data[i * k + j];
          data[i * 2 * k + k + j] = lv.data[i * k + j];
        }
      }
      return fromTypedArray(data, [batch, 2 * k]);
    },
  )
);

const at = (x: Tensor, i: number, j: number) => x.data[i * x.shape[1] + j];

test("reparameterize() init halves the width: [2k] -> [k]", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), (k) => {
      assert.deepEqual(reparameterize().init(key(0), [2 * k]).outShape, [k]);
    }),
  );
});

test("reparameterize() at evaluation returns the means", () => {
  fc.assert(
    fc.property(encodedArb, (x) => {
      const { y } = reparameterize().apply(t, null, null, x, EVAL);
      const k = x.shape[1] / 2;
      assert.deepEqual(y.shape, [x.shape[0], k]);
      for (let i = 0; i < x.shape[0]; i++) {
        for (let j = 0; j < k; j++) assert.equal(at(y, i, j), at(x, i, j));
      }
    }),
    { numRuns: 30 },
  );
});

test("reparameterize() in training returns μ + exp(½ log σ²)·ε, ε = normal(ctx.key)", () => {
  fc.assert(
    fc.property(encodedArb, seedArb, (x, seed) => {
      const { y } = reparameterize().apply(t, null, null, x, trainContext(key(seed)));
      const b = x.shape[0], k = x.shape[1] / 2;
      const eps = normal(key(seed), [b, k], { dtype: "float64" });
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < k; j++) {
          const expected = at(x, i, j) + Math.exp(0.5 * at(x, i, k + j)) * eps.data[i * k + j];
          assert.ok(Math.abs(at(y, i, j) - expected) <= 1e-12 * (1 + Math.abs(expected)));
        }
      }
    }),
    { numRuns: 30 },
  );
});

test("reparameterize() samples have mean μ and standard deviation σ", () => {
  // One example, k = 1, repeated over a batch of N rows: N independent draws.
  const n = 20000;
  fc.assert(
    fc.property(
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: -2, max: 1, noNaN: true }),
      seedArb,
      (mu, lv, seed) => {
        const data = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) [data[2 * i], data[2 * i + 1]] = [mu, lv];
        const { y } = reparameterize().apply(
          t,
          null,
          null,
          fromTypedArray(data, [n, 2]),
          trainContext(key(seed)),
        );
        let sum = 0, sq = 0;
        for (const v of y.data) [sum, sq] = [sum + v, sq + v * v];
        const mean = sum / n, variance = sq / n - mean * mean, s = Math.exp(0.5 * lv);
        assert.ok(Math.abs(mean - mu) <= 5 * s / Math.sqrt(n), `mean ${mean} vs ${mu}`);
        assert.ok(Math.abs(variance / (s * s) - 1) <= 5 * Math.sqrt(2 / n), `var ${variance}`);
      },
    ),
    { numRuns: 10 },
  );
});

test("reparameterize()'s kl is the closed-form KL to N(0, I), averaged over the batch", () => {
  fc.assert(
    fc.property(encodedArb, fc.boolean(), seedArb, (x, training, seed) => {
      const ctx = training ? trainContext(key(seed)) : EVAL;
      const { aux } = reparameterize().apply(t, null, null, x, ctx);
      const b = x.shape[0], k = x.shape[1] / 2;
      let expected = 0;
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < k; j++) {
          const mu = at(x, i, j), lv = at(x, i, k + j);
          expected += 0.5 * (Math.exp(lv) + mu * mu - 1 - lv) / b;
        }
      }
      const got = aux!.kl.data[0];
      assert.ok(Math.abs(got - expected) <= 1e-12 * (1 + Math.abs(expected)), `${got}`);
    }),
    { numRuns: 50 },
  );
});

test("reparameterize()'s kl is 0 for the prior itself and positive away from it", () => {
  fc.assert(
    fc.property(encodedArb, (x) => {
      const zero = fromTypedArray(new Float64Array(x.data.length), x.shape);
      assert.equal(reparameterize().apply(t, null, null, zero, EVAL).aux!.kl.data[0], 0);
      const kl = reparameterize().apply(t, null, null, x, EVAL).aux!.kl.data[0];
      // Tiny entries' terms (μ², σ² − 1 − log σ² ≈ (log σ²)²/2) are lost to rounding: the sum
      // of σ² + μ² and −(1 + log σ²) may come out a few ulps of 1 below 0.
      const farFromPrior = x.data.some((v) => Math.abs(v) > 1e-3);
      assert.ok(farFromPrior ? kl > 0 : kl >= -1e-15, `kl ${kl}`);
    }),
    { numRuns: 30 },
  );
});

test("reparameterize() draws the same sample from the same key, another from another", () => {
  fc.assert(
    fc.property(encodedArb, seedArb, (x, seed) => {
      const layer = reparameterize();
      const a = layer.apply(t, null, null, x, trainContext(key(seed))).y;
      const b = layer.apply(t, null, null, x, trainContext(key(seed))).y;
      const c = layer.apply(t, null, null, x, trainContext(key(seed ^ 1))).y;
      assert.deepEqual(Array.from(a.data), Array.from(b.data));
      assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
    }),
    { numRuns: 30 },
  );
});

test("reparameterize()'s VJP (sample and kl) matches central differences (float64)", () => {
  fc.assert(
    fc.property(encodedArb, seedArb, fc.boolean(), (x, seed, training) => {
      const ctx = training ? trainContext(key(seed)) : EVAL;
      const r = checkLayerGradients(reparameterize(), null, null, x, ctx);
      assert.ok(r.ok, `max error ${r.maxError}`);
    }),
    { numRuns: 30 },
  );
});

test("reparameterize() rejects an odd or non-vector width, and arguments, with TypeError", () => {
  for (const s of [[3], [1], [4, 2], [0]]) {
    assert.throws(() => reparameterize().init(key(0), s), {
      name: "TypeError",
      message: /reparameterize init/,
    });
  }
  const odd = fromTypedArray(new Float64Array(6), [2, 3]);
  assert.throws(() => reparameterize().apply(t, null, null, odd, EVAL), {
    name: "TypeError",
    message: /Cannot reparameterize: .*\[2,3\]/,
  });
  assert.throws(() => (reparameterize as (...a: unknown[]) => unknown)(20), {
    name: "TypeError",
    message: /takes no arguments/,
  });
});

test("reparameterize() in training needs a key in the context", () => {
  const x = fromTypedArray(new Float64Array(4), [1, 4]);
  assert.throws(() => reparameterize().apply(t, null, null, x, { training: true }), {
    name: "TypeError",
    message: /needs a key/,
  });
});

test("a VAE's VJP through reparameterize (sample and kl) matches central differences", () => {
  const f64 = { dtype: "float64" as const };
  const vae = serial(dense(4, f64), tanhLayer(), dense(4, f64), reparameterize(), dense(3, f64));
  fc.assert(
    fc.property(tensorArb([3, 3]), seedArb, (x, seed) => {
      const { params, state } = vae.init(key(seed), [3]);
      const r = checkLayerGradients(vae, params, state, x, trainContext(key(seed + 1)));
      assert.ok(r.ok, `max error ${r.maxError}`);
    }),
    { numRuns: 10 },
  );
});
