/**
 * The denoising autoencoder's corruptions: `gaussianNoise(stddev)` and `maskingNoise(rate)`.
 * Noise only while training, from the context's key; the identity at evaluation.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { gaussianNoise, maskingNoise } from "../src/layers/noise.ts";
import { EVAL, type Layer, trainContext } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { full } from "../src/tensor.ts";
import { checkLayerGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";

const t = untraced();
const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
const batchArb = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) => tensorArb(shape));
const stddevArb = fc.double({ min: 0.01, max: 3, noNaN: true });
const rateArb = fc.double({ min: 0, max: 0.95, noNaN: true });
const N = 20000;

/** Both layers, built from a drawn level, with their names. */
const layerArb: fc.Arbitrary<[string, Layer<null, null>]> = fc.oneof(
  stddevArb.map((s) => ["gaussianNoise", gaussianNoise(s)] as [string, Layer<null, null>]),
  rateArb.map((r) => ["maskingNoise", maskingNoise(r)] as [string, Layer<null, null>]),
);

test("gaussianNoise() rejects a negative or non-finite stddev with RangeError", () => {
  for (const s of [-0.1, -1, NaN, Infinity]) {
    assert.throws(() => gaussianNoise(s), { name: "RangeError", message: /gaussianNoise: stddev/ });
  }
  assert.throws(() => gaussianNoise("1" as unknown as number), { name: "TypeError" });
});

test("maskingNoise() rejects rates outside [0, 1) with RangeError", () => {
  for (const r of [-0.1, 1, 1.5, NaN, Infinity]) {
    assert.throws(() => maskingNoise(r), { name: "RangeError", message: /maskingNoise: rate/ });
  }
});

test("noise layers are the identity at evaluation, on a fresh tensor", () => {
  fc.assert(
    fc.property(layerArb, batchArb, ([, layer], x) => {
      const { y } = layer.apply(t, null, null, x, EVAL);
      assert.notEqual(y, x);
      assert.deepEqual(Array.from(y.data), Array.from(x.data));
      assert.deepEqual(y.shape, x.shape);
    }),
    { numRuns: 30 },
  );
});

test("noise layers' init reports the shape apply returns", () => {
  fc.assert(
    fc.property(layerArb, batchArb, seedArb, ([, layer], x, seed) => {
      const { outShape } = layer.init(key(0), x.shape.slice(1));
      const { y } = layer.apply(t, null, null, x, trainContext(key(seed)));
      assert.deepEqual([x.shape[0], ...(outShape as number[])], [...y.shape]);
    }),
    { numRuns: 30 },
  );
});

test("noise layers draw the same noise from the same key, other noise from another", () => {
  fc.assert(
    fc.property(layerArb, seedArb, ([name, layer], seed) => {
      const x = full([4, 50], 0.5, "float64");
      const a = layer.apply(t, null, null, x, trainContext(key(seed))).y;
      const b = layer.apply(t, null, null, x, trainContext(key(seed))).y;
      const c = layer.apply(t, null, null, x, trainContext(key(seed + 1))).y;
      assert.deepEqual(Array.from(a.data), Array.from(b.data));
      // 200 elements: two masks or noises agree everywhere with negligible probability, unless
      // the rate is so small that nothing is masked (then both are the input).
      const trivial = name === "maskingNoise" && a.data.every((v) => v === 0.5) &&
        c.data.every((v) => v === 0.5);
      if (!trivial) assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
    }),
    { numRuns: 30 },
  );
});

test("noise layers in training need a key in the context", () => {
  for (const layer of [gaussianNoise(0.1), maskingNoise(0.2)]) {
    assert.throws(
      () => layer.apply(t, null, null, full([2, 3], 1), { training: true }),
      { name: "TypeError", message: /needs a key/ },
    );
  }
});

test("gaussianNoise() in training adds noise of mean 0 and standard deviation stddev", () => {
  // The sample mean of N draws has standard deviation s/sqrt(N); the sample variance's
  // relative standard deviation is sqrt(2/N) = 0.01. Five of each.
  fc.assert(
    fc.property(stddevArb, seedArb, fc.double({ min: -2, max: 2, noNaN: true }), (s, seed, c) => {
      const { y } = gaussianNoise(s).apply(t, null, null, full([N], c, "float64"), {
        training: true,
        key: key(seed),
      });
      let sum = 0, sq = 0;
      for (const v of y.data) {
        sum += v - c;
        sq += (v - c) ** 2;
      }
      const mean = sum / N, variance = sq / N - mean * mean;
      assert.ok(Math.abs(mean) <= 5 * s / Math.sqrt(N), `mean ${mean}`);
      assert.ok(Math.abs(variance / (s * s) - 1) <= 5 * Math.sqrt(2 / N), `variance ${variance}`);
    }),
    { numRuns: 15 },
  );
});

test("maskingNoise() in training zeroes a fraction `rate` and keeps the rest unscaled", () => {
  fc.assert(
    fc.property(rateArb, seedArb, (rate, seed) => {
      const x = full([N], 0.75, "float64");
      const { y } = maskingNoise(rate).apply(t, null, null, x, trainContext(key(seed)));
      let masked = 0;
      for (const v of y.data) {
        assert.ok(v === 0 || v === 0.75, `value ${v}`);
        if (v === 0) masked++;
      }
      const tolerance = 5 * Math.sqrt((rate * (1 - rate)) / N) + 1 / N;
      assert.ok(Math.abs(masked / N - rate) <= tolerance, `masked ${masked / N} vs ${rate}`);
    }),
    { numRuns: 15 },
  );
});

test("noise layers' VJPs match central differences in training (float64)", () => {
  fc.assert(
    fc.property(layerArb, batchArb, seedArb, ([, layer], x, seed) => {
      const r = checkLayerGradients(layer, null, null, x, trainContext(key(seed)));
      assert.ok(r.ok, `max error ${r.maxError}`);
    }),
    { numRuns: 20 },
  );
});
