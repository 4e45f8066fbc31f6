import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  activation,
  eluLayer,
  geluLayer,
  geluTanhLayer,
  leakyReluLayer,
  logSoftmaxLayer,
  reluLayer,
  sigmoidLayer,
  softmaxLayer,
  softplusLayer,
  swishLayer,
  tanhLayer,
} from "../src/layers/activations.ts";
import { EVAL, type Layer, trainContext } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key } from "../src/random.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import {
  checkLayerGradients,
  shapeArb,
  tensorArb,
  type TensorArbOptions,
} from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";
import { layerVjp } from "./_layer_fixtures.ts";

const t = untraced();

// The piecewise activations keep drawn values 0.01 away from their kink at 0 (`avoid`), so no
// central difference straddles it.
const KINK: TensorArbOptions = { min: -6, max: 6, avoid: [0], margin: 0.01 };
const SMOOTH: TensorArbOptions = { min: -6, max: 6 };
const LAYERS: [string, () => Layer<null, null>, TensorArbOptions][] = [
  ["sigmoidLayer()", sigmoidLayer, SMOOTH],
  ["tanhLayer()", tanhLayer, SMOOTH],
  ["reluLayer()", reluLayer, KINK],
  ["leakyReluLayer(0.2)", () => leakyReluLayer(0.2), KINK],
  ["eluLayer(0.5)", () => eluLayer(0.5), KINK],
  ["geluLayer()", geluLayer, SMOOTH],
  ["geluTanhLayer()", geluTanhLayer, SMOOTH],
  ["softplusLayer()", softplusLayer, SMOOTH],
  ["swishLayer(1.5)", () => swishLayer(1.5), SMOOTH],
  ["softmaxLayer()", () => softmaxLayer(), SMOOTH],
  ["softmaxLayer(0)", () => softmaxLayer(0), SMOOTH],
  ["logSoftmaxLayer()", () => logSoftmaxLayer(), SMOOTH],
  ["logSoftmaxLayer(-2)", () => logSoftmaxLayer(-2), SMOOTH],
];
const RUNS = { numRuns: 25 };

/** An example shape of rank 2..3 (so every axis option above exists) and a batch of 1..3. */
const batchOf = (domain: TensorArbOptions) =>
  fc.tuple(shapeArb({ minRank: 2, maxRank: 3, maxDim: 3 }), fc.integer({ min: 1, max: 3 }))
    .chain(([inShape, n]) =>
      fc.record({ inShape: fc.constant(inShape), x: tensorArb([n, ...inShape], domain) })
    );

for (const [name, make, domain] of LAYERS) {
  test(`${name} gradient matches central differences`, () => {
    fc.assert(
      fc.property(batchOf(domain), ({ inShape, x }) => {
        const layer = make();
        const { params, state } = layer.init(key(0), inShape);
        const report = checkLayerGradients(layer, params, state, x, EVAL);
        assert.ok(report.ok, `max error ${report.maxError} at ${JSON.stringify(report.worst)}`);
      }),
      RUNS,
    );
  });

  test(`${name} init reports the shape apply returns, minus the batch axis`, () => {
    fc.assert(
      fc.property(batchOf(domain), ({ inShape, x }) => {
        const layer = make();
        const { outShape, params, state } = layer.init(key(1), inShape);
        const { y } = layer.apply(t, params, state, x, trainContext(key(2)));
        assert.deepEqual(y.shape.slice(1), [...(outShape as number[])]);
        assert.equal(y.shape[0], x.shape[0]);
      }),
      RUNS,
    );
  });

  test(`${name} never mutates or aliases its input`, () => {
    fc.assert(
      fc.property(batchOf({ ...domain, dtype: "float32" }), ({ inShape, x }) => {
        const layer = make();
        const { params, state } = layer.init(key(0), inShape);
        const before = snapshot(x);
        const { y, pullback } = layerVjp(layer, params, state, x, EVAL);
        const grads = pullback(y);
        assert.equal(grads.params, null);
        assert.deepEqual(snapshot(x), before);
        assert.notEqual(y.data.buffer, x.data.buffer);
      }),
      RUNS,
    );
  });
}

test("a layer's output equals its op on the whole batch", () => {
  fc.assert(
    fc.property(batchOf(KINK), ({ x }) => {
      const run = (layer: Layer<null, null>) => layer.apply(t, null, null, x, EVAL).y.data;
      assert.deepEqual(run(reluLayer()), t.relu(x).data);
      assert.deepEqual(run(leakyReluLayer(0.3)), t.leakyRelu(x, 0.3).data);
      // Example axis 0 is axis 1 of the batch; -1 is the last either way.
      assert.deepEqual(run(softmaxLayer(0)), t.softmax(x, 1).data);
      assert.deepEqual(run(logSoftmaxLayer(-1)), t.logSoftmax(x, -1).data);
      assert.deepEqual(run(geluLayer()), t.gelu(x).data);
      assert.deepEqual(run(swishLayer(0.7)), t.swish(x, 0.7).data);
    }),
    RUNS,
  );
});

test("softmaxLayer() rows of a batch each sum to 1", () => {
  const x = tensor([[1, 2, 3], [1000, -1000, 0]], [2, 3], "float64");
  const { y } = softmaxLayer().apply(t, null, null, x, EVAL);
  const rows = t.sum(y, { axis: 1 });
  assert.ok(rows.data.every((s) => Math.abs(s - 1) < 1e-15));
});

test("activation() wraps any shape-preserving function over t, and rejects one that changes the shape", () => {
  const double = activation((t, x) => t.mulScalar(x, 2), "double");
  const { y, pullback } = layerVjp(double, null, null, tensor([[1, 2]]), EVAL);
  assert.deepEqual(Array.from(y.data), [2, 4]);
  assert.deepEqual(Array.from(pullback(tensor([[1, 1]])).x.data), [2, 2]);
  assert.throws(
    () => activation((t, x) => t.sum(x), "total").apply(t, null, null, tensor([[1, 2]]), EVAL),
    {
      name: "TypeError",
      message: "total: the activation changed the shape from [1,2] to []; " +
        "activation layers must preserve it",
    },
  );
  const notATensor = activation(() => 3 as unknown as Tensor, "three");
  assert.throws(() => notATensor.apply(t, null, null, tensor([[1]]), EVAL), {
    name: "TypeError",
    message: /^three: the activation must return a tensor, got 3/,
  });
});

test("activation layers init reject a tree of example shapes with a TypeError naming them", () => {
  assert.throws(() => reluLayer().init(key(0), [[2], [3]]), {
    name: "TypeError",
    message: /^reluLayer init: takes one tensor per example/,
  });
  assert.throws(() => softmaxLayer().init(key(0), { a: [2] }), {
    name: "TypeError",
    message: /^softmaxLayer init: takes one tensor per example/,
  });
});

test("leakyReluLayer, eluLayer and swishLayer reject bad parameters with a RangeError", () => {
  assert.throws(() => leakyReluLayer(-1), {
    name: "RangeError",
    message: "Cannot leakyReluLayer: alpha must be a finite non-negative number, got -1",
  });
  assert.throws(() => eluLayer(NaN), { name: "RangeError" });
  assert.throws(() => swishLayer(Infinity), { name: "RangeError" });
});

test("softmaxLayer() rejects an axis outside the example with a RangeError", () => {
  assert.throws(() => softmaxLayer(1).init(key(0), [3]), {
    name: "RangeError",
    message: /Cannot softmaxLayer: axis 1 is out of range for shape \[3\]/,
  });
  // At apply the axis is checked against the example, so -2 cannot reach the batch axis.
  assert.throws(() => logSoftmaxLayer(-2).apply(t, null, null, tensor([[1, 2]]), EVAL), {
    name: "RangeError",
  });
});

test("activation layers reject input without a batch axis with a TypeError", () => {
  const scalarInput = tensor(new Float32Array([1]), []);
  assert.throws(() => reluLayer().apply(t, null, null, scalarInput, EVAL), {
    name: "TypeError",
    message: "Cannot reluLayer: expected a batch [batch, ...inShape] of rank >= 1, got shape []",
  });
});
