import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dense, type DenseParams } from "../src/layers/dense.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { constantInit, type Initializer, type InitOptions } from "../src/init.ts";
import { key } from "../src/random.ts";
import { astype, isTensor, tensor } from "../src/tensor.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";
import { layerVjp } from "./_layer_fixtures.ts";

const t = untraced();

const dimArb = fc.integer({ min: 1, max: 5 });
/** A float64 dense layer with its parameters and an input batch. */
const caseArb = fc.record({
  batch: dimArb,
  inDim: dimArb,
  units: dimArb,
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
}).chain(({ batch, inDim, units, bias, seed }) =>
  tensorArb([batch, inDim]).map((x) => {
    const layer = dense(units, { bias, dtype: "float64" });
    const { params, outShape } = layer.init(key(seed), [inDim]);
    return { layer, params, outShape, x, units };
  })
);

function snapshot(p: DenseParams) {
  return [[...p.w.data], p.b === undefined ? null : [...p.b.data]];
}

test("dense() gradient matches central differences for weights, bias and input", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, x }) => {
      const report = checkLayerGradients(layer, params, null, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 60 },
  );
});

test("dense() returns the shape init reports, after the batch axis", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, outShape, x }) => {
      const { y } = layer.apply(t, params, null, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 50 },
  );
});

test("dense() never mutates its inputs, parameters or cotangent, nor aliases them", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, x, units }) => {
      const before = { x: [...x.data], p: snapshot(params) };
      const { y, pullback } = layerVjp(layer, params, null, x, EVAL);
      const dy = tensor(new Float64Array(x.shape[0] * units).fill(0.5), [x.shape[0], units]);
      const grads = pullback(dy);
      assert.deepEqual({ x: [...x.data], p: snapshot(params) }, before);
      assert.ok(dy.data.every((v) => v === 0.5));
      for (const out of [y.data, grads.x.data, grads.params.w.data]) {
        assert.ok(out !== x.data && out !== params.w.data && out !== dy.data);
      }
    }),
    { numRuns: 30 },
  );
});

test("dense() computes x·W + b and its gradients (by hand)", () => {
  // x = [[1, 2]], W = [[1, 2, 3], [4, 5, 6]], b = [0.5, 0, -1]:
  // y = [1·1 + 2·4 + 0.5, 1·2 + 2·5 + 0, 1·3 + 2·6 − 1] = [9.5, 12, 14].
  // dy = [[1, 0, 2]]: dW = xᵀ·dy = [[1, 0, 2], [2, 0, 4]], db = [1, 0, 2],
  // dx = dy·Wᵀ = [1·1 + 0·2 + 2·3, 1·4 + 0·5 + 2·6] = [7, 16].
  const layer = dense(3);
  const params = { w: tensor([[1, 2, 3], [4, 5, 6]]), b: tensor([0.5, 0, -1]) };
  const { y, pullback } = layerVjp(layer, params, null, tensor([[1, 2]]), EVAL);
  assert.deepEqual([...y.data], [9.5, 12, 14]);
  const g = pullback(tensor([[1, 0, 2]]));
  assert.deepEqual([...g.params.w.data], [1, 0, 2, 2, 0, 4]);
  assert.deepEqual([...g.params.b!.data], [1, 0, 2]);
  assert.deepEqual([...g.x.data], [7, 16]);
});

test("dense()'s input cotangent is dy·Wᵀ, a frozen tensor", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, x, units }) => {
      const [batch, inDim] = x.shape;
      const dy = tensor(new Float64Array(batch * units).map((_, i) => (i % 5) - 2), [batch, units]);
      const { x: dx, params: grads } = layerVjp(layer, params, null, x, EVAL).pullback(dy);
      assert.deepEqual(grads.w.shape, [inDim, units]);
      assert.ok(isTensor(dx) && Object.isFrozen(dx) && Object.isFrozen(dx.shape));
      assert.deepEqual([dx.dtype, dx.shape], ["float64", [batch, inDim]]);
      const first = dx.data;
      for (let i = 0; i < batch; i++) {
        for (let k = 0; k < inDim; k++) {
          let s = 0;
          for (let j = 0; j < units; j++) {
            s += dy.data[i * units + j] * params.w.data[k * units + j];
          }
          assert.ok(Math.abs(first[i * inDim + k] - s) <= 1e-12 * (1 + Math.abs(s)));
        }
      }
      assert.ok(first !== dy.data && first !== params.w.data && first !== x.data);
    }),
    { numRuns: 30 },
  );
});

test("dense() sums the bias gradient over the batch", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, x, units }) => {
      if (params.b === undefined) return;
      const batch = x.shape[0];
      const dy = tensor(new Float64Array(batch * units).map((_, i) => i % 3), [batch, units]);
      const db = layerVjp(layer, params, null, x, EVAL).pullback(dy).params.b!;
      for (let j = 0; j < units; j++) {
        let s = 0;
        for (let i = 0; i < batch; i++) s += dy.data[i * units + j];
        assert.equal(db.data[j], s);
      }
    }),
    { numRuns: 30 },
  );
});

test("dense() initialises Glorot-uniform weights and zero bias by default, in float32", () => {
  const { params } = dense(30).init(key(1), [20]);
  const a = Math.sqrt(6 / (20 + 30));
  assert.equal(params.w.dtype, "float32");
  assert.deepEqual(params.w.shape, [20, 30]);
  assert.ok(params.w.data.every((v) => Math.abs(v) < a));
  assert.ok(params.w.data.some((v) => Math.abs(v) > a / 2));
  assert.ok(params.b!.data.every((v) => v === 0));
});

test("dense() honours init, biasInit, bias: false and dtype options", () => {
  // A recording initialiser: dense must call it with the weight shape, both fans and the dtype.
  const calls: { shape: readonly number[]; options?: InitOptions }[] = [];
  const recording: Initializer = (k, shape, options) => {
    calls.push({ shape, options });
    return constantInit(0.25)(k, shape, options);
  };
  const layer = dense(4, { init: recording, biasInit: constantInit(0.1), dtype: "float64" });
  const { params } = layer.init(key(2), [3]);
  assert.deepEqual(calls, [{ shape: [3, 4], options: { fanIn: 3, fanOut: 4, dtype: "float64" } }]);
  assert.equal(params.w.dtype, "float64");
  assert.ok(params.w.data.every((v) => v === 0.25));
  assert.deepEqual([...params.b!.data], [0.1, 0.1, 0.1, 0.1]);
  const noBias = dense(4, { bias: false }).init(key(2), [3]).params;
  assert.deepEqual(Object.keys(noBias), ["w"]);
});

test("dense() rejects bad units with RangeError", () => {
  for (const units of [0, -1, 1.5, NaN]) {
    assert.throws(() => dense(units), { name: "RangeError", message: /dense: units/ });
  }
});

test("dense() rejects non-vector examples and non-matrix batches with TypeError", () => {
  const layer = dense(2);
  assert.throws(() => layer.init(key(0), [2, 3]), {
    name: "TypeError",
    message: /examples must be vectors \[in\].*\[2,3\]/,
  });
  const { params } = layer.init(key(0), [3]);
  assert.throws(() => layer.apply(t, params, null, tensor([[[1, 2, 3]]]), EVAL), {
    name: "TypeError",
    message: /expected a batch \[batch, in\] of rank 2, got shape \[1,1,3\]/,
  });
  assert.throws(() => layer.apply(t, params, null, tensor([1, 2, 3]), EVAL), { name: "TypeError" });
});

test("dense() rejects an input whose width differs from the weights with TypeError", () => {
  const layer = dense(2);
  const { params } = layer.init(key(0), [3]);
  assert.throws(() => layer.apply(t, params, null, tensor([[1, 2]]), EVAL), {
    name: "TypeError",
    message: /the weight w has shape \[3,2\], expected \[2,2\]/,
  });
});

test("dense() rejects parameters whose dtype differs from the input's with TypeError", () => {
  const layer = dense(2);
  const { params } = layer.init(key(0), [3]);
  const x64 = tensor([[1, 2, 3]], undefined, "float64");
  assert.throws(() => layer.apply(t, params, null, x64, EVAL), {
    name: "TypeError",
    message: /the weight w is float32 but the input is float64/,
  });
  const mixed = { w: astype(params.w, "float64"), b: params.b };
  assert.throws(() => layer.apply(t, mixed, null, x64, EVAL), {
    name: "TypeError",
    message: /the bias b is float32/,
  });
});

test("dense() rejects parameters that disagree with the bias option with TypeError", () => {
  const { params } = dense(2).init(key(0), [3]);
  assert.throws(() => dense(2, { bias: false }).apply(t, params, null, tensor([[1, 2, 3]]), EVAL), {
    name: "TypeError",
    message: /bias: false but the parameters have a bias/,
  });
});

test("dense()'s pullback rejects a cotangent of the wrong shape with TypeError", () => {
  const layer = dense(2);
  const { params } = layer.init(key(0), [3]);
  const { pullback } = layerVjp(layer, params, null, tensor([[1, 2, 3]]), EVAL);
  assert.throws(() => pullback(tensor([[1, 2, 3]])), {
    name: "TypeError",
    message: /cotangent .*shape \[1,3\] for a tensor of shape \[1,2\]/,
  });
});

test("dense() init rejects a tree of example shapes with a TypeError naming it", () => {
  assert.throws(() => dense(2).init(key(0), [[3], [4]]), {
    name: "TypeError",
    message: /^dense init: takes one tensor per example.*\[\[3\],\[4\]\]/,
  });
  assert.throws(() => dense(2).init(key(0), { a: [3] }), {
    name: "TypeError",
    message: /^dense init: .*\{a:\[3\]\}/,
  });
});

test("dense() records one primitive call, the fused linear", () => {
  const layer = dense(2, { dtype: "float64" });
  const { params } = layer.init(key(0), [3]);
  const tr = new Trace();
  layer.apply(tr.ops, tr.watch(params), null, tensor([[1, 2, 3]], undefined, "float64"), EVAL);
  assert.equal(tr.size, 1);
});
