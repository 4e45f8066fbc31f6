import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { primitive, unary } from "../src/ops/primitive.ts";
import type { Layer } from "../src/layers/layer.ts";
import { EVAL } from "../src/layers/layer.ts";
import {
  assertGradients,
  checkGradients,
  checkLayerGradients,
  shapeArb,
  tensorArb,
} from "../src/testing/mod.ts";

/** sin elementwise as a primitive whose derivative is cos(x) times `slope` (1: correct). */
const sineWith = (slope: number) =>
  unary(`sine${slope}`, (x: Tensor) => [
    fromTypedArray(x.data.map(Math.sin), x.shape),
    (dy) => fromTypedArray(dy.data.map((g, i) => g * slope * Math.cos(x.data[i])), x.shape),
  ]);
const sineOp = sineWith(1);
const wrongSineOp = sineWith(1.001);
const sine = (t: Parameters<Layer["apply"]>[0], x: Tensor) => t.call(sineOp, x);
const wrongSine = (t: Parameters<Layer["apply"]>[0], x: Tensor) => t.call(wrongSineOp, x);

test("the checker accepts a correct pullback on drawn shapes and values", () => {
  const arb = shapeArb({ maxRank: 3 }).chain((s) => tensorArb(s));
  fc.assert(
    fc.property(arb, (x) => {
      const report = checkGradients(sine, x);
      assert.ok(report.ok, `max error ${report.maxError}`);
      assert.equal(report.checked, Math.min(x.data.length, 64));
    }),
    { numRuns: 30 },
  );
});

test("the checker rejects a pullback that is off by 0.1% and says where", () => {
  const x = tensor([0.1, 0.2, 0.3], [3], "float64");
  const report = checkGradients(wrongSine, x);
  assert.equal(report.ok, false);
  assert.ok(report.maxError > 5e-4 && report.maxError < 2e-3, `max error ${report.maxError}`);
  assert.equal(report.worst?.path, "<root>");
  assert.throws(
    () => assertGradients(wrongSine, x),
    /gradient check failed: max error .* at <root>\[\d\]/,
  );
});

test("the checker rejects a wrong pullback composed inside a correct computation", () => {
  // y = x·w then the wrong sine: the trace composes matmul's correct pullback with it.
  const x = tensor([[0.3, -0.2]], [1, 2], "float64");
  const w = tensor([[0.5], [0.7]], [2, 1], "float64");
  assert.equal(checkGradients((t, p) => t.call(sineOp, t.matmul(x, p)), w).ok, true);
  assert.equal(checkGradients((t, p) => t.call(wrongSineOp, t.matmul(x, p)), w).ok, false);
});

test("the checker walks trees and reports the leaf path", () => {
  // f({a, b}) = a * b (elementwise); the pullback wrongly gives b a zero cotangent.
  const wrongMul = primitive("wrongMul", 2, (_backend, a: Tensor, b: Tensor) => [
    fromTypedArray(a.data.map((v, i) => v * b.data[i]), a.shape),
    (dy) => [
      fromTypedArray(dy.data.map((g, i) => g * b.data[i]), a.shape),
      fromTypedArray(new Float64Array(dy.data.length), b.shape),
    ],
  ]);
  const report = checkGradients((t, p: { a: Tensor; b: Tensor }) => t.call(wrongMul, p.a, p.b), {
    a: tensor([1, 2], [2], "float64"),
    b: tensor([3, -4], [2], "float64"),
  });
  assert.equal(report.ok, false);
  assert.equal(report.worst?.path, "b");
});

test("the checker insists on float64 inputs", () => {
  assert.throws(() => checkGradients(sine, tensor([1, 2])), {
    name: "TypeError",
    message: /must be float64 for finite differences, got a float32 tensor of shape \[2\]/,
  });
});

test("one large unrelated output does not swamp a small gradient", () => {
  // exp at 8 and at -8: the cotangent-weighted sum is dominated by e^8, but the gradient at -8
  // (e^-8 ~ 3e-4) must still be checked to full relative accuracy.
  const expOp = unary("localExp", (x: Tensor) => {
    const y = fromTypedArray(x.data.map(Math.exp), x.shape);
    return [y, (dy) => fromTypedArray(dy.data.map((g, i) => g * y.data[i]), x.shape)];
  });
  const report = checkGradients(
    (t, x: Tensor) => t.call(expOp, x),
    tensor([8, -8, -7.5], [3], "float64"),
    {
      floor: 1e-6,
    },
  );
  assert.ok(report.ok, `max error ${report.maxError}`);
});

test("the checker samples at most maxPerLeaf elements of large leaves", () => {
  const x = fromTypedArray(new Float64Array(1000).map((_, i) => i / 1000), [1000]);
  assert.equal(checkGradients(sine, x, { maxPerLeaf: 10 }).checked, 10);
});

test("checkLayerGradients checks the input and the parameters of a layer", () => {
  // y = sin(x·w): the wrong sine shows up in both params and x.
  const layer = (op: typeof sineOp): Layer<Tensor, null> => ({
    init: () => {
      throw new Error("not used");
    },
    apply: (t, w, state, x: Tensor) => ({ y: t.call(op, t.matmul(x, w)), state }),
  });
  const w = tensor([[0.5], [0.7]], [2, 1], "float64");
  const x = tensor([[0.3, -0.2], [0.1, 0.4]], [2, 2], "float64");
  const good = checkLayerGradients(layer(sineOp), w, null, x, EVAL);
  assert.ok(good.ok && good.checked === 6, `max error ${good.maxError}`);
  const bad = checkLayerGradients(layer(wrongSineOp), w, null, x, EVAL);
  assert.equal(bad.ok, false);
});

test("a check that compares nothing is not a pass", () => {
  const report = checkGradients(sine, tensor([], [0], "float64"));
  assert.equal(report.checked, 0);
  assert.equal(report.ok, false);
  assert.throws(() => assertGradients(sine, tensor([], [0], "float64")), { name: "RangeError" });
});
