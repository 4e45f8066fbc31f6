import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dropout } from "../src/layers/dropout.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, full, type Tensor } from "../src/tensor.ts";
import { checkLayerGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { layerVjp } from "./_layer_fixtures.ts";

const t = untraced();

const rateArb = fc.double({ min: 0, max: 0.95, noNaN: true });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
/** A batch: leading batch axis plus one example of rank 0..2. */
const batchArb = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) => tensorArb(shape));

const N = 20000;

test("dropout() rejects rates outside [0, 1) with RangeError", () => {
  for (const rate of [-0.1, 1, 1.5, NaN, Infinity]) {
    assert.throws(() => dropout(rate), { name: "RangeError", message: /dropout: rate/ });
  }
});

test("dropout() in training drops a fraction `rate` of the units", () => {
  // Dropped count ~ Binomial(N, rate): its fraction has standard deviation
  // sqrt(rate(1-rate)/N) <= 0.0036 at N = 20000. Five standard deviations (plus 1/N for
  // rates near 0 or 1) give a false-failure chance below 1e-6 per run.
  fc.assert(
    fc.property(rateArb, seedArb, (rate, seed) => {
      const layer = dropout(rate);
      const { y } = layer.apply(t, null, null, full([N], 1, "float64"), trainContext(key(seed)));
      let dropped = 0;
      for (const v of y.data) if (v === 0) dropped++;
      const tolerance = 5 * Math.sqrt((rate * (1 - rate)) / N) + 1 / N;
      assert.ok(
        Math.abs(dropped / N - rate) <= tolerance,
        `dropped ${dropped / N}, expected ${rate} ± ${tolerance}`,
      );
    }),
    { numRuns: 20 },
  );
});

test("dropout() in training preserves the mean of its input", () => {
  // On a constant input c, each output is c/(1-rate) with probability 1-rate, else 0: its mean
  // is c and its variance c²·rate/(1-rate). The sample mean of N outputs has standard deviation
  // |c|·sqrt(rate/((1-rate)N)); we allow five of them (plus a float64 rounding slack).
  fc.assert(
    fc.property(rateArb, seedArb, fc.double({ min: 0.5, max: 3, noNaN: true }), (rate, seed, c) => {
      const { y } = dropout(rate).apply(
        t,
        null,
        null,
        full([N], c, "float64"),
        trainContext(key(seed)),
      );
      let sum = 0;
      for (const v of y.data) sum += v;
      const tolerance = 5 * c * Math.sqrt(rate / ((1 - rate) * N)) + 1e-12 * c;
      assert.ok(
        Math.abs(sum / N - c) <= tolerance,
        `mean ${sum / N}, expected ${c} ± ${tolerance}`,
      );
    }),
    { numRuns: 20 },
  );
});

test("dropout() in training outputs 0 or x / (1 - rate) elementwise", () => {
  fc.assert(
    fc.property(rateArb, seedArb, batchArb, (rate, seed, x) => {
      const { y } = dropout(rate).apply(t, null, null, x, trainContext(key(seed)));
      const scale = 1 / (1 - rate);
      for (let i = 0; i < x.data.length; i++) {
        assert.ok(y.data[i] === 0 || y.data[i] === x.data[i] * scale, `element ${i}`);
      }
    }),
    { numRuns: 50 },
  );
});

test("dropout() is the identity in evaluation mode, forward and backward, without aliasing", () => {
  fc.assert(
    fc.property(rateArb, batchArb, (rate, x) => {
      const { y, pullback } = layerVjp(dropout(rate), null, null, x, EVAL);
      assert.deepEqual(Array.from(y.data), Array.from(x.data));
      assert.deepEqual(y.shape, x.shape);
      assert.notEqual(y.data, x.data);
      const g = pullback(x).x;
      assert.deepEqual(Array.from(g.data), Array.from(x.data));
      assert.notEqual(g.data, x.data);
    }),
    { numRuns: 50 },
  );
});

test("dropout() with rate 0 is the identity in training, even without a key", () => {
  const x = full([3, 2], 1.5);
  const { y } = dropout(0).apply(t, null, null, x, { training: true });
  assert.deepEqual(Array.from(y.data), Array.from(x.data));
});

test("dropout() with the same key gives the same mask, and another key another mask", () => {
  const layer = dropout(0.5);
  const x = full([64], 1);
  const a = layer.apply(t, null, null, x, trainContext(key(7))).y;
  const b = layer.apply(t, null, null, x, trainContext(key(7))).y;
  const c = layer.apply(t, null, null, x, trainContext(key(8))).y;
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  // Two independent masks of 64 fair coins agree everywhere with probability 2^-64.
  assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
});

test("dropout() in training without a key throws a TypeError", () => {
  assert.throws(() => dropout(0.3).apply(t, null, null, full([2, 2], 1), { training: true }), {
    name: "TypeError",
    message: /dropout: training mode needs a key/,
  });
});

test("dropout() gradient matches central differences with a fixed key", () => {
  fc.assert(
    fc.property(rateArb, seedArb, batchArb, (rate, seed, x) => {
      const report = checkLayerGradients(dropout(rate), null, null, x, trainContext(key(seed)));
      assert.ok(report.ok, `max error ${report.maxError} at ${JSON.stringify(report.worst)}`);
    }),
    { numRuns: 30 },
  );
});

test("dropout() gradient is dy · mask / (1 - rate) with the forward mask", () => {
  // Nonzero inputs make the mask observable: a unit was kept exactly when its output is nonzero.
  const nonzeroBatchArb = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
    tensorArb(shape, { avoid: [0] })
  );
  fc.assert(
    fc.property(rateArb, seedArb, nonzeroBatchArb, (rate, seed, x) => {
      const { y, pullback } = layerVjp(dropout(rate), null, null, x, trainContext(key(seed)));
      const dy = cotangentFor(x.shape, seed);
      const dx = pullback(dy).x;
      for (let i = 0; i < x.data.length; i++) {
        const expected = y.data[i] !== 0 ? dy.data[i] * (1 / (1 - rate)) : 0;
        // (+ 0: a dropped unit's cotangent is dy·0, which is -0 where dy < 0; either zero is right.)
        assert.equal(dx.data[i] + 0, expected, `element ${i}`);
      }
    }),
    { numRuns: 30 },
  );
});

/** A deterministic cotangent with distinct nonzero entries. */
function cotangentFor(shape: readonly number[], seed: number): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  const data = new Float64Array(n);
  for (let i = 0; i < data.length; i++) data[i] = ((seed + 7 * i) % 13) - 6.5;
  return fromTypedArray(data, shape);
}

test("dropout() never mutates its input or cotangent", () => {
  fc.assert(
    fc.property(rateArb, seedArb, batchArb, (rate, seed, x) => {
      const xBefore = Array.from(x.data);
      const { pullback } = layerVjp(dropout(rate), null, null, x, trainContext(key(seed)));
      const dy: Tensor = full(x.shape, 2, "float64");
      pullback(dy);
      assert.deepEqual(Array.from(x.data), xBefore);
      assert.ok(dy.data.every((v) => v === 2));
    }),
    { numRuns: 30 },
  );
});

test("dropout() init reports the shape apply returns, minus the batch axis", () => {
  fc.assert(
    fc.property(rateArb, seedArb, batchArb, (rate, seed, x) => {
      const layer = dropout(rate);
      const { outShape } = layer.init(key(seed), x.shape.slice(1));
      const { y } = layer.apply(t, null, null, x, trainContext(key(seed)));
      assert.deepEqual([...(outShape as number[])], y.shape.slice(1));
      assert.equal(y.shape[0], x.shape[0]);
    }),
    { numRuns: 30 },
  );
});

test("dropout() init rejects a tree of example shapes with a TypeError naming it", () => {
  assert.throws(() => dropout(0.5).init(key(0), [[2], [3]]), {
    name: "TypeError",
    message: /^dropout init: takes one tensor per example/,
  });
});
