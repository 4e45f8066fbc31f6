import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  binaryCrossEntropyWithLogits,
  huber,
  type Loss,
  meanAbsoluteError,
  meanSquaredError,
  softmaxCrossEntropy,
  softmaxCrossEntropyOneHot,
} from "../src/losses.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";
import {
  batchShapeArb,
  labelledArb,
  logitsShapeArb,
  offsetPairArb,
  pairArb,
  t,
  value,
  withGrad,
} from "./_losses_helpers.ts";

const GRADIENT_CASES: [string, fc.Arbitrary<readonly [Tensor, Tensor, Loss]>][] = [
  ["meanSquaredError", pairArb.map(([p, t]) => [p, t, meanSquaredError] as const)],
  // |p − t| is kept 0.01 from the kink at 0 so differences never straddle it.
  ["meanAbsoluteError", offsetPairArb([0]).map(([p, t]) => [p, t, meanAbsoluteError] as const)],
  ["huber", offsetPairArb([-0.7, 0.7]).map(([p, t]) => [p, t, huber(0.7)] as const)],
  [
    "binaryCrossEntropyWithLogits",
    batchShapeArb.chain((s) => fc.tuple(tensorArb(s), tensorArb(s, { min: 0, max: 1 })))
      .map(([z, t]) => [z, t, binaryCrossEntropyWithLogits] as const),
  ],
  ["softmaxCrossEntropy", labelledArb.map(([z, l]) => [z, l, softmaxCrossEntropy] as const)],
  [
    "softmaxCrossEntropyOneHot",
    logitsShapeArb.chain(([b, c]) =>
      fc.tuple(tensorArb([b, c], { min: -5, max: 5 }), tensorArb([b, c], { min: 0, max: 1 }))
    ).map(([z, t]) => [z, t, softmaxCrossEntropyOneHot] as const),
  ],
];

for (const [name, arb] of GRADIENT_CASES) {
  test(`${name}() gradient matches central differences`, () => {
    fc.assert(
      fc.property(arb, ([p, y, loss]) => {
        assertGradients((t, p: Tensor) => loss(t, p, y), p);
      }),
      { numRuns: 40 },
    );
  });

  test(`${name}() never mutates its inputs`, () => {
    fc.assert(
      fc.property(arb, ([p, y, loss]) => {
        const before = [[...p.data], [...y.data]];
        const [, grad] = withGrad(loss, p, y);
        assert.deepEqual([[...p.data], [...y.data]], before);
        assert.notEqual(grad.data, p.data);
      }),
      { numRuns: 20 },
    );
  });

  test(`${name}() is a finite scalar of the prediction's dtype, its gradient of its shape`, () => {
    fc.assert(
      fc.property(arb, ([p, y, loss]) => {
        const p32 = fromTypedArray(Float32Array.from(p.data), p.shape);
        const out = loss(t, p32, y);
        assert.equal(out.data.length, 1);
        assert.equal(out.dtype, "float32");
        assert.ok(Number.isFinite(out.data[0]));
        const [, grad] = withGrad(loss, p32, y);
        assert.equal(grad.dtype, "float32");
        assert.deepEqual(grad.shape, p.shape);
      }),
      { numRuns: 20 },
    );
  });
}

test("a loss runs untraced and traced to the same value", () => {
  fc.assert(
    fc.property(labelledArb, ([z, l]) => {
      assert.equal(withGrad(softmaxCrossEntropy, z, l)[0], value(softmaxCrossEntropy, z, l));
    }),
    { numRuns: 20 },
  );
});
