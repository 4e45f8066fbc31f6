import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromTypedArray, type Tensor, tensor } from "../mod.ts";
import { assertGradients, checkGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";

/** f(x) = sin(x) elementwise, with a correct and a deliberately wrong pullback. */
function sine(x: Tensor): [Tensor, (dy: Tensor) => Tensor] {
  return [
    fromTypedArray(x.data.map(Math.sin), x.shape),
    (dy) => fromTypedArray(dy.data.map((g, i) => g * Math.cos(x.data[i])), x.shape),
  ];
}
function wrongSine(x: Tensor): [Tensor, (dy: Tensor) => Tensor] {
  return [
    fromTypedArray(x.data.map(Math.sin), x.shape),
    (dy) => fromTypedArray(dy.data.map((g, i) => g * 1.001 * Math.cos(x.data[i])), x.shape),
  ];
}

test("the checker accepts a correct VJP on drawn shapes and values", () => {
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

test("the checker rejects a VJP that is off by 0.1% and says where", () => {
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

test("the checker walks trees and reports the leaf path", () => {
  // f({a, b}) = a * b (elementwise); the pullback wrongly forgets b's cotangent.
  type In = { a: Tensor; b: Tensor };
  const f = (p: In): [Tensor, (dy: Tensor) => In] => [
    fromTypedArray(p.a.data.map((v, i) => v * p.b.data[i]), p.a.shape),
    (dy) => ({
      a: fromTypedArray(dy.data.map((g, i) => g * p.b.data[i]), p.a.shape),
      b: fromTypedArray(new Float64Array(dy.data.length), p.b.shape),
    }),
  ];
  const report = checkGradients(f, {
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
  const expOp = (x: Tensor): [Tensor, (dy: Tensor) => Tensor] => {
    const y = fromTypedArray(x.data.map(Math.exp), x.shape);
    return [y, (dy) => fromTypedArray(dy.data.map((g, i) => g * y.data[i]), x.shape)];
  };
  const report = checkGradients(expOp, tensor([8, -8, -7.5], [3], "float64"), { floor: 1e-6 });
  assert.ok(report.ok, `max error ${report.maxError}`);
});

test("the checker samples at most maxPerLeaf elements of large leaves", () => {
  const x = fromTypedArray(new Float64Array(1000).map((_, i) => i / 1000), [1000]);
  assert.equal(checkGradients(sine, x, { maxPerLeaf: 10 }).checked, 10);
});
