import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { dense } from "../src/layers/dense.ts";
import { EVAL } from "../src/layers/layer.ts";
import { flatten, reshapeLayer } from "../src/layers/reshape.ts";
import { serial } from "../src/layers/serial.ts";
import { key } from "../src/random.ts";
import { sizeOf, tensor } from "../src/tensor.ts";
import { checkLayerGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";

const t = untraced();
/** An example shape of rank 0..3 and a batch of such examples. */
const batchArb = fc.tuple(
  shapeArb({ minRank: 0, maxRank: 3, maxDim: 4 }),
  fc.integer({ min: 1, max: 3 }),
)
  .chain(([inShape, n]) =>
    fc.record({ inShape: fc.constant(inShape), x: tensorArb([n, ...inShape]) })
  );

test("flatten() init reports the shape apply returns, [prod(rest)]", () => {
  fc.assert(
    fc.property(batchArb, ({ inShape, x }) => {
      const layer = flatten();
      const { outShape } = layer.init(key(0), inShape);
      assert.deepEqual(outShape, [sizeOf(inShape)]);
      const { y } = layer.apply(t, null, null, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
      assert.deepEqual([...y.data], [...x.data]);
    }),
    { numRuns: 50 },
  );
});

test("reshapeLayer(shape) init reports the shape apply returns, -1 inferred", () => {
  fc.assert(
    fc.property(batchArb, fc.boolean(), ({ inShape, x }, infer) => {
      const size = sizeOf(inShape);
      const target = infer ? [-1, 1] : [1, size];
      const layer = reshapeLayer(target);
      const { outShape } = layer.init(key(0), inShape);
      assert.deepEqual(outShape, infer ? [size, 1] : [1, size]);
      const { y } = layer.apply(t, null, null, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 50 },
  );
});

test("flatten() and reshapeLayer() gradients match central differences", () => {
  fc.assert(
    fc.property(batchArb, ({ x }) => {
      for (const layer of [flatten(), reshapeLayer([-1])]) {
        const report = checkLayerGradients(layer, null, null, x, EVAL);
        assert.ok(report.ok, `max error ${report.maxError}`);
      }
    }),
    { numRuns: 30 },
  );
});

test("flatten() feeds an image batch to dense, with gradients through both", () => {
  const model = serial(flatten(), dense(2, { dtype: "float64" }));
  const { outShape, params, state } = model.init(key(0), [2, 3, 1]);
  assert.deepEqual(outShape, [2]);
  const x = tensor(Array.from({ length: 12 }, (_, i) => i / 10), [2, 2, 3, 1], "float64");
  const report = checkLayerGradients(model, params, state, x, EVAL);
  assert.ok(report.ok, `max error ${report.maxError}`);
});

test("flatten() and reshapeLayer() never write into their input", () => {
  fc.assert(
    fc.property(batchArb, ({ x }) => {
      const before = snapshot(x);
      flatten().apply(t, null, null, x, EVAL);
      reshapeLayer([-1]).apply(t, null, null, x, EVAL);
      assert.deepEqual(snapshot(x), before);
    }),
    { numRuns: 20 },
  );
});

test("reshapeLayer() rejects a shape of another size, naming itself", () => {
  assert.throws(() => reshapeLayer([5]).init(key(0), [2, 3]), {
    name: "TypeError",
    message:
      /^Cannot reshapeLayer: examples of shape \[2,3\] have 6 elements, but the shape \[5\] holds 5/,
  });
  assert.throws(() => reshapeLayer([-1, 4]).init(key(0), [2, 3]), {
    name: "TypeError",
    message: /do not fit the shape \[-1,4\]/,
  });
  assert.throws(() => reshapeLayer([3, 2]).apply(t, null, null, tensor([[1, 2, 3, 4]]), EVAL), {
    name: "TypeError",
    message: /^Cannot reshapeLayer: examples of shape \[4\]/,
  });
});

test("reshapeLayer() rejects a malformed shape and flatten() any argument, with TypeError", () => {
  for (const shape of [[-1, -1], [1.5], [-2], "3"]) {
    assert.throws(() => reshapeLayer(shape as number[]), {
      name: "TypeError",
      message: /^reshapeLayer: shape/,
    });
  }
  assert.throws(() => (flatten as (n: number) => unknown)(2), {
    name: "TypeError",
    message: /^flatten: takes no arguments/,
  });
});

test("flatten() and reshapeLayer() init reject a tree of shapes, naming themselves", () => {
  assert.throws(() => flatten().init(key(0), [[2], [3]]), {
    name: "TypeError",
    message: /^flatten init: takes one tensor/,
  });
  assert.throws(() => reshapeLayer([-1]).init(key(0), { a: [2] }), {
    name: "TypeError",
    message: /^reshapeLayer init: takes one tensor/,
  });
});
