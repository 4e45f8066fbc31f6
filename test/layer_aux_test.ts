/**
 * Auxiliary terms of the objective (an activity penalty here): a layer returns them from
 * `apply` as named scalars computed through `t`; `serial` and `parallel` sum them by name; the
 * gradient checker differentiates them with the output.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";
import { dense } from "../src/layers/dense.ts";
import { EVAL, type Layer } from "../src/layers/layer.ts";
import { parallel } from "../src/layers/parallel.ts";
import { serial } from "../src/layers/serial.ts";
import { unary } from "../src/ops/primitive.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";

const t = untraced();
const f64 = { dtype: "float64" as const };

/** The identity that adds `weight · Σ y²` under `name`. */
function activity(weight = 0.01, name = "activity"): Layer<null, null> {
  return {
    name: "activity",
    init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
    apply: (t, _params, state, x) => {
      const y = t.mulScalar(x, 1);
      return { y, state, aux: { [name]: t.mulScalar(t.sum(t.square(y)), weight) } };
    },
  };
}

/** Σ y² by hand. */
function sumSquares(y: Tensor): number {
  let s = 0;
  for (const v of y.data) s += v * v;
  return s;
}

const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  inDim: fc.integer({ min: 1, max: 4 }),
  units: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
}).chain(({ batch, inDim, units, seed }) =>
  tensorArb([batch, inDim]).map((x) => ({ x, inDim, units, seed }))
);

test("serial() sums auxiliary terms of the same name and keeps the others", () => {
  const model = serial(
    activity(0.01),
    dense(3, f64),
    activity(0.02),
    activity(0.5, "other"),
  );
  const { params, state } = model.init(key(0), [2]);
  const x = tensor([[1, -2], [0.5, 3]], undefined, "float64");
  const { aux } = model.apply(t, params, state, x, EVAL);
  const h = dense(3).apply(t, params[1], null, x, EVAL).y;
  assert.deepEqual(Object.keys(aux!).sort(), ["activity", "other"]);
  assert.ok(
    Math.abs(aux!.activity.data[0] - (0.01 * sumSquares(x) + 0.02 * sumSquares(h))) < 1e-12,
  );
  assert.ok(Math.abs(aux!.other.data[0] - 0.5 * sumSquares(h)) < 1e-12);
});

test("parallel() sums its branches' auxiliary terms by name", () => {
  const model = parallel(activity(0.01), serial(dense(2, f64), activity(0.1)));
  const { params, state } = model.init(key(0), [2]);
  const x = tensor([[1, -2]], undefined, "float64");
  const { y, aux } = model.apply(t, params, state, x, EVAL);
  const h = dense(2).apply(t, params[1][0], null, x, EVAL).y;
  assert.deepEqual(y.shape, [1, 4]);
  assert.ok(Math.abs(aux!.activity.data[0] - (0.01 * 5 + 0.1 * sumSquares(h))) < 1e-12);
});

test("checkLayerGradients covers the auxiliary terms of serial and parallel", () => {
  fc.assert(
    fc.property(caseArb, ({ x, inDim, units, seed }) => {
      const inner = serial(dense(units, f64), activity(0.3));
      const model = serial(activity(0.2), parallel(inner, activity(0.1, "other")), dense(2, f64));
      const { params, state } = model.init(key(seed), [inDim]);
      const report = checkLayerGradients(model, params, state, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 30 },
  );
});

test("checkLayerGradients fails on a wrong gradient that only the auxiliary term sees", () => {
  // Σ y² with the derivative 2.02·y instead of 2y: the output y is right, the aux term is not.
  const wrongSumSquares = unary("wrongSumSquares", (x: Tensor) => {
    const out = new Float64Array(1);
    out[0] = sumSquares(x);
    return [
      fromTypedArray(out, []),
      (dy) => fromTypedArray(x.data.map((v) => dy.data[0] * 2.02 * v), x.shape),
    ];
  });
  const wrong: Layer<null, null> = {
    init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
    apply: (t, _p, state, x) => {
      const y = t.mulScalar(x, 1);
      return { y, state, aux: { activity: t.mulScalar(t.call(wrongSumSquares, y), 0.5) } };
    },
  };
  const x = tensor([[0.5, -1, 2]], undefined, "float64");
  const model = serial(dense(3, f64), wrong);
  const { params, state } = model.init(key(1), [3]);
  assert.equal(checkLayerGradients(model, params, state, x, EVAL).ok, false);
  assert.equal(
    checkLayerGradients(serial(dense(3, f64), activity(0.5)), params, state, x, EVAL).ok,
    true,
  );
});

test("the auxiliary term's gradient flows to the parameters through the trace", () => {
  // aux = 0.5·Σ (x·W)²: its gradient in W is xᵀ·(x·W).
  const model = serial(dense(2, { ...f64, bias: false }), activity(0.5));
  const { params, state } = model.init(key(3), [2]);
  const x = tensor([[1, 2]], undefined, "float64");
  const [value, grads] = valueAndGrad(
    (tr, p) => model.apply(tr, p, state, x, EVAL).aux!.activity,
    params,
  );
  const h = t.matmul(x, params[0].w);
  assert.ok(Math.abs(value - 0.5 * sumSquares(h)) < 1e-12);
  const expected = [1 * h.data[0], 1 * h.data[1], 2 * h.data[0], 2 * h.data[1]];
  assert.deepEqual(
    [...grads[0].w.data].map((v) => v.toFixed(12)),
    expected.map((v) => v.toFixed(12)),
  );
});

test("a combinator rejects an aux that is not a record of scalars", () => {
  const bad: Layer<null, null> = {
    init: (_key, inShape) => ({ outShape: inShape, params: null, state: null }),
    apply: (t, _p, state, x) => ({ y: t.mulScalar(x, 1), state, aux: { big: t.mulScalar(x, 1) } }),
  };
  assert.throws(() => serial(bad).apply(t, [null], [null], tensor([[1, 2]]), EVAL), {
    name: "TypeError",
    message: /serial layer 0 .*aux term "big" must be a scalar tensor/,
  });
});
