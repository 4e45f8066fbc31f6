import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bernoulli, foldIn, key, normal, permutation, randomBits, split, uniform } from "../mod.ts";
import { threefry2x32 } from "../src/random.ts";

test("threefry2x32 matches the Random123 known-answer vectors", () => {
  // Published test vectors of Threefry-2x32-20 (Random123, kat_vectors).
  const cases: [[number, number], [number, number], [number, number]][] = [
    [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
  ];
  const out = new Uint32Array(2);
  for (const [k, c, expected] of cases) {
    threefry2x32(k, c[0], c[1], out);
    assert.deepEqual([...out], expected);
  }
});

test("the same key gives the same numbers; split keys give different ones", () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
      const k = key(seed);
      assert.deepEqual(uniform(k, [16]).data, uniform(k, [16]).data);
      const [a, b] = split(k);
      assert.notDeepEqual(uniform(a, [16]).data, uniform(b, [16]).data);
      assert.notDeepEqual(foldIn(k, 1), foldIn(k, 2));
    }),
    { numRuns: 50 },
  );
});

test("uniform float32 values are multiples of 2^-24 in [0, 1), derived only from the bits", () => {
  const k = key(7);
  const bits = randomBits(k, 8);
  const u = uniform(k, [8]);
  for (let i = 0; i < 8; i++) assert.equal(u.data[i], (bits[i] >>> 8) / 2 ** 24);
});

test("uniform covers [min, max) with the right mean and variance", () => {
  const n = 200_000;
  const u = uniform(key(1), [n], { min: -2, max: 4, dtype: "float64" });
  let mean = 0;
  for (const v of u.data) {
    assert.ok(v >= -2 && v < 4);
    mean += v / n;
  }
  let variance = 0;
  for (const v of u.data) variance += (v - mean) ** 2 / n;
  // Mean 1, variance (6^2)/12 = 3; standard errors are ~0.004 and ~0.005 at this n.
  assert.ok(Math.abs(mean - 1) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 3) < 0.05, `variance ${variance}`);
});

test("normal has the requested mean and standard deviation", () => {
  const n = 200_000;
  const z = normal(key(2), [n], { mean: 3, std: 2, dtype: "float64" });
  let mean = 0;
  for (const v of z.data) mean += v / n;
  let variance = 0;
  for (const v of z.data) variance += (v - mean) ** 2 / n;
  // Standard errors: 2/sqrt(n) ~ 0.0045 for the mean, ~0.013 for the variance.
  assert.ok(Math.abs(mean - 3) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 4) < 0.08, `variance ${variance}`);
});

test("bernoulli draws ones at rate p", () => {
  const b = bernoulli(key(3), [100_000], 0.3);
  let ones = 0;
  for (const v of b.data) ones += v;
  const rate = ones / b.data.length;
  assert.ok(Math.abs(rate - 0.3) < 0.01, `rate ${rate}`);
  assert.ok(b.data.every((v) => v === 0 || v === 1));
});

test("permutation is a permutation of 0..n-1", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), (n, seed) => {
      const p = permutation(key(seed), n);
      assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    }),
    { numRuns: 50 },
  );
});

test("bad keys and options are rejected with named errors", () => {
  assert.throws(() => key(0.5), {
    name: "RangeError",
    message: /key: seed must be an integer, got 0.5/,
  });
  assert.throws(() => split([1, -1] as unknown as [number, number]), {
    name: "TypeError",
    message: /split: key must be a pair of uint32 words/,
  });
  assert.throws(() => uniform(key(0), [2], { min: 1, max: 1 }), {
    name: "RangeError",
    message: /uniform: need finite min < max, got min=1, max=1/,
  });
  assert.throws(() => bernoulli(key(0), [2], 1.5), {
    name: "RangeError",
    message: /bernoulli: p must be a finite number in \[0, 1\], got 1.5/,
  });
  assert.throws(() => normal(key(0), [2], { std: -1 }), {
    name: "RangeError",
    message: /normal: std must be a finite non-negative number, got -1/,
  });
});
