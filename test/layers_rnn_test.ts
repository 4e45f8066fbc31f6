import { test } from "node:test";
import assert from "node:assert/strict";
import { rnn } from "../src/layers/rnn.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key, normal } from "../src/random.ts";
import type { Tensor } from "../src/tensor.ts";
import { checkLayerGradients } from "../src/testing/mod.ts";
import { recurrentSuite } from "./_recurrent_suite.ts";

const f64 = { dtype: "float64" as const };
const t = untraced();

recurrentSuite("rnn", rnn, (k, batch, units) => normal(key(k), [batch, units], f64));

/** h_s = act(x_s·W + h_{s-1}·U + b), written out for one row. */
function byHand(
  p: { w: Tensor; u: Tensor; b?: Tensor },
  x: Tensor,
  units: number,
  act: (v: number) => number,
): number[] {
  const [, time, features] = x.shape;
  let h = new Array<number>(units).fill(0);
  for (let s = 0; s < time; s++) {
    h = h.map((_, j) => {
      let v = p.b?.data[j] ?? 0;
      for (let f = 0; f < features; f++) v += x.data[s * features + f] * p.w.data[f * units + j];
      for (let k = 0; k < units; k++) v += h[k] * p.u.data[k * units + j];
      return act(v);
    });
  }
  return h;
}

test("rnn() is h' = tanh(x·W + h·U + b) by default", () => {
  const layer = rnn(3, { output: "last", ...f64 });
  const { params } = layer.init(key(1), [4, 2]);
  const x = normal(key(2), [1, 4, 2], f64);
  const y = layer.apply(t, params, null, x, EVAL).y as Tensor;
  byHand(params, x, 3, Math.tanh).forEach((v, j) => assert.ok(Math.abs(y.data[j] - v) < 1e-12));
});

test("rnn() applies the activation option at every step", () => {
  const layer = rnn(3, { output: "last", activation: (tt, z) => tt.relu(z), ...f64 });
  const { params } = layer.init(key(1), [4, 2]);
  const x = normal(key(3), [1, 4, 2], f64);
  const y = layer.apply(t, params, null, x, EVAL).y as Tensor;
  const relu = (v: number) => Math.max(0, v);
  byHand(params, x, 3, relu).forEach((v, j) => assert.ok(Math.abs(y.data[j] - v) < 1e-12));
  const report = checkLayerGradients(
    rnn(3, { activation: (tt, z) => tt.softplus(z), ...f64 }),
    params,
    null,
    x,
    EVAL,
  );
  assert.ok(report.ok, `max error ${report.maxError}`);
});

test("rnn() reports an activation that changes the shape, naming the layer", () => {
  const layer = rnn(3, { activation: (tt, z) => tt.sum(z), ...f64 });
  const { params } = layer.init(key(1), [4, 2]);
  assert.throws(
    () => layer.apply(t, params, null, normal(key(3), [2, 4, 2], f64), EVAL),
    (e: Error) => e instanceof TypeError && /rnn.*activation.*\[2, 3\]/.test(e.message),
  );
});
