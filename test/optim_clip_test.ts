import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { clipByGlobalNorm, clipByValue, globalNorm } from "../src/optim/mod.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves } from "../src/tree.ts";
import { tensorArb } from "../src/testing/mod.ts";

const gradsArb = fc.record({
  w: tensorArb([3, 2], { min: -10, max: 10 }),
  b: tensorArb([2], { min: -10, max: 10 }),
});
const flat = (t: Tree) => treeLeaves(t).flatMap((l) => [...l.value.data]);

test("globalNorm is the Euclidean norm over all leaves together", () => {
  fc.assert(
    fc.property(gradsArb, (g) => {
      const expected = Math.sqrt(flat(g).reduce((s, v) => s + v * v, 0));
      assert.ok(Math.abs(globalNorm(g) - expected) <= 1e-12 * Math.max(1, expected));
    }),
    { numRuns: 50 },
  );
});

test("clipByGlobalNorm caps the global norm at maxNorm", () => {
  fc.assert(
    fc.property(gradsArb, fc.double({ min: 0.01, max: 20, noNaN: true }), (g, maxNorm) => {
      const [u] = clipByGlobalNorm(maxNorm).update(g, null, null);
      assert.ok(globalNorm(u) <= maxNorm * (1 + 1e-12) + 1e-300);
      assert.ok(Math.abs(globalNorm(u) - Math.min(maxNorm, globalNorm(g))) <= 1e-9 * maxNorm);
    }),
    { numRuns: 50 },
  );
});

test("clipByGlobalNorm preserves the direction: u = c·g with one c ∈ (0, 1]", () => {
  fc.assert(
    fc.property(gradsArb, fc.double({ min: 0.01, max: 20, noNaN: true }), (g, maxNorm) => {
      const [u] = clipByGlobalNorm(maxNorm).update(g, null, null);
      const gs = flat(g);
      const us = flat(u);
      const c = Math.min(1, maxNorm / globalNorm(g));
      for (let i = 0; i < gs.length; i++) {
        assert.ok(Math.abs(us[i] - c * gs[i]) <= 1e-12 * Math.abs(gs[i]) + 1e-300);
      }
    }),
    { numRuns: 50 },
  );
});

test("clipByGlobalNorm leaves gradients within the norm unchanged", () => {
  const g = { a: tensor([0.3, 0.4], [2], "float64") };
  const [u] = clipByGlobalNorm(1).update(g, null, null);
  assert.deepEqual([...(u as { a: Tensor }).a.data], [0.3, 0.4]);
});

test("clipByGlobalNorm on a NaN gradient is a RangeError, not a silent NaN step", () => {
  assert.throws(() => clipByGlobalNorm(1).update(tensor([NaN, 1]), null, null), {
    name: "RangeError",
    message: /clipByGlobalNorm: the gradient norm is NaN/,
  });
});

test("clipByValue clamps each element to [−limit, limit] and keeps the others", () => {
  fc.assert(
    fc.property(gradsArb, fc.double({ min: 0.01, max: 5, noNaN: true }), (g, limit) => {
      const [u] = clipByValue(limit).update(g, null, null);
      const gs = flat(g);
      const us = flat(u);
      for (let i = 0; i < gs.length; i++) {
        assert.equal(us[i], Math.max(-limit, Math.min(limit, gs[i])));
      }
    }),
    { numRuns: 50 },
  );
});

test("clip options out of range are RangeErrors naming the value", () => {
  assert.throws(() => clipByGlobalNorm(0), {
    name: "RangeError",
    message: /clipByGlobalNorm: maxNorm must be a finite positive number, got 0/,
  });
  assert.throws(() => clipByValue(-1), {
    name: "RangeError",
    message: /clipByValue: limit must be a finite positive number, got -1/,
  });
});

test("globalNorm of float32 leaves is the Euclidean norm to float32 rounding", () => {
  const arb = fc.record({
    w: tensorArb([3, 2], { dtype: "float32", min: -10, max: 10 }),
    b: tensorArb([2], { dtype: "float32", min: -10, max: 10 }),
  });
  fc.assert(
    fc.property(arb, (g) => {
      const expected = Math.sqrt(flat(g).reduce((s, v) => s + v * v, 0));
      // Each leaf's g² and Σ g² are rounded to float32: a few roundings of 2^-24 each, halved
      // by √; a square below the normal range may vanish (2^-149 each, √ of their sum).
      assert.ok(Math.abs(globalNorm(g) - expected) <= 2 ** -21 * expected + 2 ** -70);
    }),
    { numRuns: 50 },
  );
});
