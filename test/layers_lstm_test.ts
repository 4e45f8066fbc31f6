import { test } from "node:test";
import assert from "node:assert/strict";
import { lstm } from "../src/layers/lstm.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key, normal } from "../src/random.ts";
import { fromTypedArray, type Tensor, zeros } from "../src/tensor.ts";
import { recurrentSuite } from "./_recurrent_suite.ts";

const f64 = { dtype: "float64" as const };
const t = untraced();

recurrentSuite("lstm", lstm, (k, batch, units) => ({
  h: normal(key(k), [batch, units], f64),
  c: normal(key(k + 100), [batch, units], f64),
}));

test("lstm() starts the forget block of the bias at forgetBias and the rest at zero", () => {
  for (const forgetBias of [1, 0, 2.5]) {
    const { params } = lstm(3, { forgetBias }).init(key(0), [4, 2]);
    const b = [...(params.b as Tensor).data];
    assert.deepEqual(b, [0, 0, 0, forgetBias, forgetBias, forgetBias, 0, 0, 0, 0, 0, 0]);
  }
});

test("lstm() without bias has only the kernels w [features, 4·units] and u [units, 4·units]", () => {
  const { params } = lstm(3, { useBias: false }).init(key(0), [4, 2]);
  assert.deepEqual(Object.keys(params).sort(), ["u", "w"]);
  assert.deepEqual(params.w.shape, [2, 12]);
  assert.deepEqual(params.u.shape, [3, 12]);
});

test("lstm() one step equals the gate equations written out", () => {
  const layer = lstm(2, { output: "both", ...f64 });
  const { params } = layer.init(key(4), [1, 3]);
  const x = normal(key(5), [1, 1, 3], f64);
  const h0 = normal(key(6), [1, 2], f64), c0 = normal(key(7), [1, 2], f64);
  const { y } = layer.apply(t, params, null, { inputs: x, state: { h: h0, c: c0 } }, EVAL);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  for (let j = 0; j < 2; j++) {
    const z = (gate: number) => {
      let v = params.b!.data[gate * 2 + j];
      for (let f = 0; f < 3; f++) v += x.data[f] * params.w.data[f * 8 + gate * 2 + j];
      for (let k = 0; k < 2; k++) v += h0.data[k] * params.u.data[k * 8 + gate * 2 + j];
      return v;
    };
    const c = sig(z(1)) * c0.data[j] + sig(z(0)) * Math.tanh(z(2));
    const h = sig(z(3)) * Math.tanh(c);
    assert.ok(Math.abs(y.state.c.data[j] - c) < 1e-12);
    assert.ok(Math.abs(y.state.h.data[j] - h) < 1e-12);
    assert.ok(Math.abs(y.outputs.data[j] - h) < 1e-12);
  }
});

test("a stateful layer starts from the input's state when one is given, not the carried one", () => {
  const layer = lstm(3, { stateful: true, output: "last", dtype: "float64" });
  const { params, state } = layer.init(key(0), [4, 2]);
  const x = fromTypedArray(Float64Array.from({ length: 16 }, (_, i) => Math.sin(i)), [2, 4, 2]);
  const carried = layer.apply(t, params, state, x, trainContext()).state;
  const given = { h: zeros([2, 3], "float64"), c: zeros([2, 3], "float64") };
  const a = layer.apply(t, params, carried, { inputs: x, state: given }, trainContext())
    .y as Tensor;
  const b = lstm(3, { output: "last", dtype: "float64" }).apply(t, params, null, x, EVAL)
    .y as Tensor;
  assert.deepEqual([...a.data], [...b.data]);
});
