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
import { leakyRelu, logSoftmax, relu, softmax, sum } from "../src/ops/mod.ts";
import { key } from "../src/random.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import {
  checkLayerGradients,
  shapeArb,
  tensorArb,
  type TensorArbOptions,
} from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";

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
  test(`${name} VJP matches central differences`, () => {
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
        const { y } = layer.apply(params, state, x, trainContext(key(2)));
        assert.deepEqual(y.shape.slice(1), [...outShape]);
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
        const { y, vjp } = layer.apply(params, state, x, EVAL);
        const grads = vjp(y);
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
      const run = (layer: Layer<null, null>) => layer.apply(null, null, x, EVAL).y.data;
      assert.deepEqual(run(reluLayer()), relu(x)[0].data);
      assert.deepEqual(run(leakyReluLayer(0.3)), leakyRelu(x, 0.3)[0].data);
      // Example axis 0 is axis 1 of the batch; -1 is the last either way.
      assert.deepEqual(run(softmaxLayer(0)), softmax(x, 1)[0].data);
      assert.deepEqual(run(logSoftmaxLayer(-1)), logSoftmax(x, -1)[0].data);
    }),
    RUNS,
  );
});

test("softmaxLayer() rows of a batch each sum to 1", () => {
  const x = tensor([[1, 2, 3], [1000, -1000, 0]], [2, 3], "float64");
  const { y } = softmaxLayer().apply(null, null, x, EVAL);
  const [rows] = sum(y, { axis: 1 });
  assert.ok(rows.data.every((s) => Math.abs(s - 1) < 1e-15));
});

test("activation() wraps any shape-preserving op, and rejects one that changes the shape", () => {
  const double = (t: Tensor): [Tensor, (dy: Tensor) => Tensor] => [
    tensor(t.data.map((v) => 2 * v), [...t.shape]),
    (dy) => tensor(dy.data.map((g) => 2 * g), [...dy.shape]),
  ];
  const { y, vjp } = activation(double).apply(null, null, tensor([[1, 2]]), EVAL);
  assert.deepEqual(Array.from(y.data), [2, 4]);
  assert.deepEqual(Array.from(vjp(tensor([[1, 1]])).x.data), [2, 2]);
  const total = (t: Tensor) => sum(t);
  assert.throws(() => activation(total, "total").apply(null, null, tensor([[1, 2]]), EVAL), {
    name: "TypeError",
    message: "total: the activation changed the shape from [1,2] to []; " +
      "activation layers must preserve it",
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
  assert.throws(() => logSoftmaxLayer(-2).apply(null, null, tensor([[1, 2]]), EVAL), {
    name: "RangeError",
  });
});

test("activation layers reject input without a batch axis with a TypeError", () => {
  const scalarInput = tensor(new Float32Array([1]), []);
  assert.throws(() => reluLayer().apply(null, null, scalarInput, EVAL), {
    name: "TypeError",
    message: "Cannot reluLayer: expected a batch [batch, ...inShape] of rank >= 1, got shape []",
  });
});
