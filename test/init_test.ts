import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  computeFans,
  constantInit,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  type Initializer,
  lecunNormal,
  lecunUniform,
  zerosInit,
} from "../src/init.ts";
import { key } from "../src/random.ts";
import type { Tensor } from "../src/tensor.ts";

/** Each initialiser with the variance its doc promises and whether it is uniform. */
const SCHEMES: readonly {
  name: string;
  init: Initializer;
  variance: (fanIn: number, fanOut: number) => number;
  uniform: boolean;
}[] = [
  { name: "glorotNormal", init: glorotNormal, variance: (i, o) => 2 / (i + o), uniform: false },
  { name: "glorotUniform", init: glorotUniform, variance: (i, o) => 2 / (i + o), uniform: true },
  { name: "heNormal", init: heNormal, variance: (i) => 2 / i, uniform: false },
  { name: "heUniform", init: heUniform, variance: (i) => 2 / i, uniform: true },
  { name: "lecunNormal", init: lecunNormal, variance: (i) => 1 / i, uniform: false },
  { name: "lecunUniform", init: lecunUniform, variance: (i) => 1 / i, uniform: true },
];

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
const fanArb = fc.integer({ min: 1, max: 1000 });

/** 200·250 = 50 000 draws, with fans (200, 250) taken from the shape. */
const SHAPE = [200, 250];
const N = 50000;

function moments(t: Tensor): { mean: number; meanSquare: number } {
  let s = 0, s2 = 0;
  for (const v of t.data) {
    s += v;
    s2 += v * v;
  }
  return { mean: s / t.data.length, meanSquare: s2 / t.data.length };
}

for (const { name, init, variance, uniform } of SCHEMES) {
  test(`${name}() draws with the documented variance`, () => {
    // The mean is known to be 0, so E[w²] estimates σ². Its standard deviation is
    // sqrt((μ₄ − σ⁴)/N): μ₄ = 3σ⁴ for a normal gives σ²·sqrt(2/N) = 0.0063σ², and μ₄ = 9σ⁴/5
    // for a uniform gives σ²·sqrt(0.8/N) = 0.0040σ². Five standard deviations bound a false
    // failure below 1e-6 per draw (float32 rounding is far smaller).
    const relTol = 5 * Math.sqrt((uniform ? 0.8 : 2) / N);
    fc.assert(
      fc.property(seedArb, fanArb, fanArb, (seed, fanIn, fanOut) => {
        const w = init(key(seed), SHAPE, { fanIn, fanOut });
        const expected = variance(fanIn, fanOut);
        const { meanSquare } = moments(w);
        assert.ok(
          Math.abs(meanSquare / expected - 1) <= relTol,
          `variance ${meanSquare}, expected ${expected} (±${relTol * 100}%)`,
        );
      }),
      { numRuns: 8 },
    );
  });

  test(`${name}() draws with mean zero`, () => {
    // The sample mean has standard deviation σ/sqrt(N) = 0.0045σ; allow five of them.
    fc.assert(
      fc.property(seedArb, (seed) => {
        const w = init(key(seed), SHAPE, { dtype: "float64" });
        const sigma = Math.sqrt(variance(200, 250));
        const { mean } = moments(w);
        assert.ok(Math.abs(mean) <= 5 * sigma / Math.sqrt(N), `mean ${mean}, σ ${sigma}`);
      }),
      { numRuns: 8 },
    );
  });

  test(`${name}() takes fans from the shape when not given`, () => {
    // [4, 5, 10, 50] has receptive field 4·5 = 20, so fans 200 and 1000; the variance drawn
    // must match those fans, not the bare last two dimensions (10 and 50).
    const w = init(key(7), [4, 5, 10, 50]);
    const expected = variance(200, 1000);
    const { meanSquare } = moments(w);
    const relTol = 5 * Math.sqrt((uniform ? 0.8 : 2) / w.data.length) + 1e-6;
    assert.ok(Math.abs(meanSquare / expected - 1) <= relTol, `${meanSquare} vs ${expected}`);
  });

  test(`${name}() is deterministic in its key and honours the dtype`, () => {
    const a = init(key(3), [3, 4], { dtype: "float64" });
    const b = init(key(3), [3, 4], { dtype: "float64" });
    const c = init(key(4), [3, 4], { dtype: "float64" });
    assert.equal(a.dtype, "float64");
    assert.equal(init(key(3), [3, 4]).dtype, "float32");
    assert.deepEqual([...a.data], [...b.data]);
    assert.notDeepEqual([...a.data], [...c.data]);
  });

  test(`${name}() rejects non-positive fans with RangeError`, () => {
    assert.throws(() => init(key(0), [2, 2], { fanIn: 0 }), { name: "RangeError" });
    assert.throws(() => init(key(0), [2, 2], { fanOut: -1 }), { name: "RangeError" });
    assert.throws(() => init(key(0), [0, 2]), { name: "RangeError", message: /fanIn/ });
  });
}

test("uniform initialisers stay strictly inside (-a, a) with a = sqrt(3σ²)", () => {
  for (const { init, variance, uniform } of SCHEMES) {
    if (!uniform) continue;
    const w = init(key(11), [100, 300], { dtype: "float64" });
    const a = Math.sqrt(3 * variance(100, 300));
    let max = 0;
    for (const v of w.data) max = Math.max(max, Math.abs(v));
    // 30 000 draws: the largest |w| falls short of a by more than 0.1% with chance 0.999^30000.
    assert.ok(max < a && max > 0.999 * a, `max |w| = ${max}, a = ${a}`);
  }
});

test("computeFans() follows the [..., in, out] layout", () => {
  assert.deepEqual(computeFans([]), { fanIn: 1, fanOut: 1 });
  assert.deepEqual(computeFans([7]), { fanIn: 7, fanOut: 7 });
  assert.deepEqual(computeFans([3, 4]), { fanIn: 3, fanOut: 4 });
  // 5×5 kernel, 3 input channels, 8 output channels: 25·3 in, 25·8 out.
  assert.deepEqual(computeFans([5, 5, 3, 8]), { fanIn: 75, fanOut: 200 });
});

test("constantInit(c) and zerosInit fill every element", () => {
  fc.assert(
    fc.property(fc.double({ min: -10, max: 10, noNaN: true }), (c) => {
      const t = constantInit(c)(key(0), [2, 3], { dtype: "float64" });
      assert.ok(t.data.every((v) => v === c));
    }),
    { numRuns: 20 },
  );
  const z = zerosInit(key(1), [5]);
  assert.equal(z.dtype, "float32");
  assert.ok(z.data.length === 5 && z.data.every((v) => v === 0));
});

test("constantInit() rejects a non-finite constant with RangeError", () => {
  for (const c of [NaN, Infinity, -Infinity]) {
    assert.throws(() => constantInit(c), { name: "RangeError", message: /constantInit/ });
  }
});

test("initialisers reject malformed shapes with TypeError", () => {
  assert.throws(() => glorotUniform(key(0), [2, -1]), { name: "TypeError" });
  assert.throws(() => zerosInit(key(0), [1.5]), { name: "TypeError" });
});
