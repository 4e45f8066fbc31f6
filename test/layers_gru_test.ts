import { test } from "node:test";
import assert from "node:assert/strict";
import { gru } from "../src/layers/gru.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key, normal } from "../src/random.ts";
import type { Tensor } from "../src/tensor.ts";
import { recurrentSuite } from "./_recurrent_suite.ts";

const f64 = { dtype: "float64" as const };
const t = untraced();

recurrentSuite("gru", gru, (k, batch, units) => normal(key(k), [batch, units], f64));

test("gru() one step equals the reset_after gate equations written out", () => {
  const layer = gru(2, { output: "last", ...f64 });
  const { params } = layer.init(key(4), [1, 3]);
  // Non-zero biases, so the input and recurrent biases are told apart.
  const p = { ...params, b: normal(key(8), [6], f64), rb: normal(key(9), [6], f64) };
  const x = normal(key(5), [1, 1, 3], f64), h0 = normal(key(6), [1, 2], f64);
  const y = layer.apply(t, p, null, { inputs: x, state: h0 }, EVAL).y as Tensor;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  for (let j = 0; j < 2; j++) {
    const zx = (g: number) => {
      let v = p.b.data[g * 2 + j];
      for (let f = 0; f < 3; f++) v += x.data[f] * p.w.data[f * 6 + g * 2 + j];
      return v;
    };
    const zh = (g: number) => {
      let v = p.rb.data[g * 2 + j];
      for (let k = 0; k < 2; k++) v += h0.data[k] * p.u.data[k * 6 + g * 2 + j];
      return v;
    };
    const r = sig(zx(0) + zh(0)), u = sig(zx(1) + zh(1));
    const n = Math.tanh(zx(2) + r * zh(2));
    const h = (1 - u) * n + u * h0.data[j];
    assert.ok(Math.abs(y.data[j] - h) < 1e-12, `${y.data[j]} vs ${h}`);
  }
});

test("gru() has an input and a recurrent bias [3·units] unless useBias is false", () => {
  const withBias = gru(3).init(key(0), [4, 2]).params;
  assert.deepEqual(Object.keys(withBias).sort(), ["b", "rb", "u", "w"]);
  assert.deepEqual(withBias.rb!.shape, [9]);
  assert.deepEqual(Object.keys(gru(3, { useBias: false }).init(key(0), [4, 2]).params).sort(), [
    "u",
    "w",
  ]);
});
