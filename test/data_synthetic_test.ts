import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { circles, spirals, twoMoons } from "../src/data/synthetic.ts";
import { key } from "../src/random.ts";
import type { Dataset } from "../src/data/dataset.ts";

const seedArb = fc.integer({ min: 0, max: 2 ** 31 });
const countArb = fc.integer({ min: 1, max: 200 });
const noiseArb = fc.double({ min: 0, max: 1, noNaN: true });
const classesArb = fc.integer({ min: 2, max: 7 });

const generators: [string, (seed: number, n: number, noise: number) => Dataset, number][] = [
  ["twoMoons", (s, n, noise) => twoMoons(key(s), n, { noise }), 2],
  ["spirals", (s, n, noise) => spirals(key(s), n, { noise }), 3],
  ["circles", (s, n, noise) => circles(key(s), n, { noise }), 2],
];

for (const [name, generate, classes] of generators) {
  test(`${name}() is deterministic per key`, () => {
    fc.assert(
      fc.property(seedArb, countArb, noiseArb, (seed, n, noise) => {
        const a = generate(seed, n, noise), b = generate(seed, n, noise);
        assert.deepEqual(a.x.data, b.x.data);
        assert.deepEqual(a.y.data, b.y.data);
      }),
      { numRuns: 30 },
    );
  });

  test(`${name}() gives different points for different keys`, () => {
    fc.assert(
      fc.property(seedArb, seedArb, (s1, s2) => {
        fc.pre(s1 !== s2);
        assert.notDeepEqual(generate(s1, 20, 0.1).x.data, generate(s2, 20, 0.1).x.data);
      }),
      { numRuns: 30 },
    );
  });

  test(`${name}() returns x [n,2] and y [n] with y[i] = i % classes`, () => {
    fc.assert(
      fc.property(seedArb, countArb, noiseArb, (seed, n, noise) => {
        const { x, y } = generate(seed, n, noise);
        assert.deepEqual([...x.shape], [n, 2]);
        assert.deepEqual([...y.shape], [n]);
        for (let i = 0; i < n; i++) assert.equal(y.data[i], i % classes);
        assert.ok(x.data.every(Number.isFinite));
      }),
      { numRuns: 30 },
    );
  });

  test(`${name}() rejects a non-positive or fractional n and negative noise`, () => {
    for (const n of [0, -3, 2.5, NaN]) {
      assert.throws(() => generate(0, n, 0.1), { name: "RangeError", message: /n must be/ });
    }
    for (const noise of [-0.1, Infinity, NaN]) {
      assert.throws(() => generate(0, 10, noise), { name: "RangeError", message: /noise/ });
    }
  });
}

test("twoMoons() without noise puts each class on its half circle", () => {
  fc.assert(
    fc.property(seedArb, (seed) => {
      const { x, y } = twoMoons(key(seed), 100, { noise: 0, dtype: "float64" });
      for (let i = 0; i < 100; i++) {
        const px = x.data[2 * i], py = x.data[2 * i + 1];
        // Class 0: the upper unit half circle; class 1: its mirror centred at (1, 0.5).
        const [cx, cy, side] = y.data[i] === 0 ? [0, 0, py] : [1, 0.5, 0.5 - py];
        assert.ok(Math.abs(Math.hypot(px - cx, py - cy) - 1) < 1e-12);
        assert.ok(side >= -1e-12);
      }
    }),
    { numRuns: 20 },
  );
});

test("circles() without noise puts class 0 on radius 1 and class 1 on radius factor", () => {
  fc.assert(
    fc.property(seedArb, fc.double({ min: 0.05, max: 0.95, noNaN: true }), (seed, factor) => {
      const { x, y } = circles(key(seed), 60, { noise: 0, factor, dtype: "float64" });
      for (let i = 0; i < 60; i++) {
        const r = Math.hypot(x.data[2 * i], x.data[2 * i + 1]);
        assert.ok(Math.abs(r - (y.data[i] === 0 ? 1 : factor)) < 1e-12);
      }
    }),
    { numRuns: 20 },
  );
});

test("spirals() without noise puts class c at angle 2πc/classes + 4r", () => {
  fc.assert(
    fc.property(seedArb, classesArb, (seed, classes) => {
      const { x, y } = spirals(key(seed), 90, { noise: 0, classes, dtype: "float64" });
      for (let i = 0; i < 90; i++) {
        const px = x.data[2 * i], py = x.data[2 * i + 1];
        const r = Math.hypot(px, py);
        if (r < 1e-9) continue; // the angle of the origin is undefined
        // The point is (r sin a, r cos a); undo the 4r twist and compare the arm's base angle.
        const base = Math.atan2(px, py) - 4 * r;
        const arm = (2 * Math.PI * y.data[i]) / classes;
        const diff = Math.abs(Math.atan2(Math.sin(base - arm), Math.cos(base - arm)));
        assert.ok(diff < 1e-9, `example ${i}: angle off by ${diff}`);
        assert.ok(r < 1);
      }
    }),
    { numRuns: 20 },
  );
});

test("spirals() rejects fewer than two classes and circles() a factor outside (0, 1)", () => {
  for (const classes of [1, 0, 2.5]) {
    assert.throws(() => spirals(key(0), 10, { classes }), {
      name: "RangeError",
      message: /classes/,
    });
  }
  for (const factor of [0, 1, -0.5, 1.5, NaN]) {
    assert.throws(() => circles(key(0), 10, { factor }), { name: "RangeError", message: /factor/ });
  }
});

test("the generators honour the dtype option", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const ds of [twoMoons(key(0), 4, { dtype }), spirals(key(0), 4, { dtype })]) {
      assert.equal(ds.x.dtype, dtype);
      assert.equal(ds.y.dtype, dtype);
    }
  }
});
