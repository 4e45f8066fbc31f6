/**
 * `activitySparsity({ target, weight })`: the identity on its input, with the auxiliary term
 * `sparsity = weight · Σ_j KL(target ‖ mean_batch(a_j))`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { activitySparsity } from "../src/layers/sparsity.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { checkLayerGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";

const t = untraced();
const targetArb = fc.double({ min: 0.01, max: 0.99, noNaN: true });
const weightArb = fc.double({ min: 0, max: 5, noNaN: true });
/** Activations in (0, 1), as after a sigmoid, of rank 2 or 3. */
const activationsArb = shapeArb({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((shape) =>
  tensorArb(shape, { min: 0.05, max: 0.95 })
);

/** The penalty by its formula: weight · Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the mean over axis 0. */
function byHand(x: Tensor, target: number, weight: number): number {
  const b = x.shape[0], units = x.data.length / b;
  let total = 0;
  for (let j = 0; j < units; j++) {
    let m = 0;
    for (let i = 0; i < b; i++) m += x.data[i * units + j] / b;
    total += target * Math.log(target / m) + (1 - target) * Math.log((1 - target) / (1 - m));
  }
  return weight * total;
}

test("activitySparsity() passes its input through unchanged, on a fresh tensor", () => {
  fc.assert(
    fc.property(activationsArb, targetArb, (x, target) => {
      const { y } = activitySparsity({ target }).apply(t, null, null, x, EVAL);
      assert.notEqual(y, x);
      assert.deepEqual(Array.from(y.data), Array.from(x.data));
      assert.deepEqual(y.shape, x.shape);
    }),
    { numRuns: 30 },
  );
});

test("activitySparsity()'s term is weight · Σ_j KL(target ‖ mean activation of unit j)", () => {
  fc.assert(
    fc.property(activationsArb, targetArb, weightArb, (x, target, weight) => {
      const { aux } = activitySparsity({ target, weight }).apply(t, null, null, x, EVAL);
      const expected = byHand(x, target, weight);
      const got = aux!.sparsity.data[0];
      assert.ok(Math.abs(got - expected) <= 1e-9 * (1 + Math.abs(expected)), `${got} ${expected}`);
    }),
    { numRuns: 50 },
  );
});

test("activitySparsity()'s term is 0 when every unit's mean is the target", () => {
  fc.assert(
    fc.property(targetArb, fc.integer({ min: 1, max: 5 }), (target, units) => {
      // Two rows target ± d average to target.
      const d = Math.min(target, 1 - target) / 2;
      const row = (s: number) => Array.from({ length: units }, () => target + s * d);
      const x = fromTypedArray(Float64Array.from([...row(1), ...row(-1)]), [2, units]);
      const { aux } = activitySparsity({ target, weight: 3 }).apply(t, null, null, x, EVAL);
      assert.ok(Math.abs(aux!.sparsity.data[0]) < 1e-12, `${aux!.sparsity.data[0]}`);
    }),
  );
});

test("activitySparsity() is the same in training and evaluation (no noise, no state)", () => {
  fc.assert(
    fc.property(activationsArb, targetArb, (x, target) => {
      const layer = activitySparsity({ target });
      const a = layer.apply(t, null, null, x, EVAL);
      const b = layer.apply(t, null, null, x, trainContext(key(3)));
      assert.equal(a.aux!.sparsity.data[0], b.aux!.sparsity.data[0]);
    }),
    { numRuns: 20 },
  );
});

test("activitySparsity() keeps the penalty finite for units stuck at 0 or 1 (clipped means)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const x = fromTypedArray(
      dtype === "float32" ? Float32Array.from([0, 1, 0.5, 0, 1, 0.5]) : Float64Array.from([
        0,
        1,
        0.5,
        0,
        1,
        0.5,
      ]),
      [2, 3],
    );
    const { aux } = activitySparsity({ target: 0.05 }).apply(t, null, null, x, EVAL);
    const v = aux!.sparsity.data[0];
    assert.ok(Number.isFinite(v) && v > 1, `${dtype}: ${v}`);
  }
});

test("activitySparsity() takes 0·log 0 as 0 at targets 0 and 1", () => {
  const x = fromTypedArray(Float64Array.from([0.2, 0.4]), [2, 1]);
  for (const target of [0, 1]) {
    const { aux } = activitySparsity({ target }).apply(t, null, null, x, EVAL);
    // Mean 0.3: KL(0 ‖ 0.3) = −log 0.7, KL(1 ‖ 0.3) = −log 0.3.
    const expected = -Math.log(target === 0 ? 0.7 : 0.3);
    assert.ok(Math.abs(aux!.sparsity.data[0] - expected) < 1e-12);
  }
});

test("activitySparsity()'s VJP (output and term) matches central differences (float64)", () => {
  fc.assert(
    fc.property(activationsArb, targetArb, weightArb, (x, target, weight) => {
      const layer = activitySparsity({ target, weight });
      const r = checkLayerGradients(layer, null, null, x, EVAL);
      assert.ok(r.ok, `max error ${r.maxError}`);
    }),
    { numRuns: 25 },
  );
});

test("activitySparsity() rejects targets outside [0, 1] and negative weights with RangeError", () => {
  for (const target of [-0.1, 1.1, NaN, Infinity]) {
    assert.throws(() => activitySparsity({ target }), {
      name: "RangeError",
      message: /activitySparsity: target/,
    });
  }
  for (const weight of [-1, NaN, Infinity]) {
    assert.throws(() => activitySparsity({ weight }), {
      name: "RangeError",
      message: /activitySparsity: weight/,
    });
  }
});

test("activitySparsity() rejects unknown options and a batch of rank 1 with TypeError", () => {
  assert.throws(
    () => activitySparsity({ rho: 0.1 } as unknown as { target: number }),
    { name: "TypeError", message: /activitySparsity/ },
  );
  const x = fromTypedArray(Float64Array.from([0.2, 0.4]), [2]);
  assert.throws(() => activitySparsity().apply(t, null, null, x, EVAL), {
    name: "TypeError",
    message: /activitySparsity/,
  });
});
