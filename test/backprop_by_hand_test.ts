/**
 * Backpropagation through a two-layer sigmoid network, worked out by hand with the lecture's
 * delta rule, against `serial(dense, sigmoid, dense, sigmoid)`.
 *
 * The network (2 inputs, 2 hidden sigmoid units, 1 sigmoid output, squared error):
 *
 *   x = (x₁, x₂) = (0.05, 0.10), target t = 0.01
 *   hidden:  net_hⱼ = x₁·w₁ⱼ + x₂·w₂ⱼ + b₁,  hⱼ = σ(net_hⱼ)
 *            w₁₁ = 0.15, w₂₁ = 0.20 (into h₁);  w₁₂ = 0.25, w₂₂ = 0.30 (into h₂);  b₁ = 0.35
 *   output:  net_o = h₁·v₁ + h₂·v₂ + b₂,  o = σ(net_o);  v₁ = 0.40, v₂ = 0.45, b₂ = 0.60
 *   error:   E = ½(t − o)²
 *
 * In gradstream's layout a dense weight is [in, units], so W₁ = [[w₁₁, w₁₂], [w₂₁, w₂₂]] =
 * [[0.15, 0.25], [0.20, 0.30]] (row i: the weights leaving input i), and W₂ = [[0.40], [0.45]].
 *
 * Forward pass (σ(z) = 1/(1 + e⁻ᶻ)):
 *   net_h₁ = 0.05·0.15 + 0.10·0.20 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775
 *   net_h₂ = 0.05·0.25 + 0.10·0.30 + 0.35 = 0.0125 + 0.03 + 0.35 = 0.3925
 *   h₁ = σ(0.3775) = 1/(1 + 0.685573...) = 0.593269992
 *   h₂ = σ(0.3925) = 1/(1 + 0.675366...) = 0.596884378
 *   net_o = 0.593269992·0.40 + 0.596884378·0.45 + 0.60
 *         = 0.237307997 + 0.268597970 + 0.60 = 1.105905967
 *   o = σ(1.105905967) = 1/(1 + 0.330911...) = 0.751365070
 *   E = ½(0.01 − 0.751365070)² = ½·0.549622167 = 0.274811083
 *
 * Backward pass, delta rule: the delta of a unit is dE/d(net) of that unit.
 *   Output: δ_o = (o − t)·o(1 − o) = 0.741365070 · 0.751365070 · 0.248634930
 *               = 0.741365070 · 0.186815601 = 0.138498562
 *     dE/dv₁ = δ_o·h₁ = 0.138498562 · 0.593269992 = 0.082167041
 *     dE/dv₂ = δ_o·h₂ = 0.138498562 · 0.596884378 = 0.082667628
 *     dE/db₂ = δ_o = 0.138498562
 *   Hidden: δ_hⱼ = δ_o·vⱼ·hⱼ(1 − hⱼ)
 *     h₁(1 − h₁) = 0.593269992 · 0.406730008 = 0.241300709
 *     h₂(1 − h₂) = 0.596884378 · 0.403115622 = 0.240613417
 *     δ_h₁ = 0.138498562 · 0.40 · 0.241300709 = 0.013367920
 *     δ_h₂ = 0.138498562 · 0.45 · 0.240613417 = 0.014996075
 *     dE/dwᵢⱼ = δ_hⱼ·xᵢ:
 *       dE/dw₁₁ = 0.013367920 · 0.05 = 0.000668396    dE/dw₁₂ = 0.014996075 · 0.05 = 0.000749804
 *       dE/dw₂₁ = 0.013367920 · 0.10 = 0.001336792    dE/dw₂₂ = 0.014996075 · 0.10 = 0.001499608
 *     dE/db₁ (one bias per hidden unit) = (δ_h₁, δ_h₂) = (0.013367920, 0.014996075)
 *   Input: dE/dxᵢ = Σⱼ δ_hⱼ·wᵢⱼ
 *     dE/dx₁ = 0.013367920·0.15 + 0.014996075·0.25 = 0.002005188 + 0.003749019 = 0.005754207
 *     dE/dx₂ = 0.013367920·0.20 + 0.014996075·0.30 = 0.002673584 + 0.004498823 = 0.007172407
 *
 * The gradients come from `vjp` composing the primitives' pullbacks (linear, and the test's
 * sigmoid primitive); nothing in the model is differentiated by hand but this comment.
 *
 * The hand values carry nine decimals, so they are compared with an absolute tolerance of
 * 2e-9 (rounding of the last printed digit, plus float64 noise far below it).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { dense } from "../src/layers/dense.ts";
import { serial } from "../src/layers/serial.ts";
import { sigmoidLayer } from "../src/layers/activations.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { treeMap } from "../src/tree.ts";
import { layerVjp, localSigmoid } from "./_layer_fixtures.ts";

const TOL = 2e-9;
const f64 = (v: Parameters<typeof tensor>[0]) => tensor(v, undefined, "float64");

const model = serial(dense(2), localSigmoid(), dense(1), localSigmoid());
const params = [
  { w: f64([[0.15, 0.25], [0.20, 0.30]]), b: f64([0.35, 0.35]) },
  null,
  { w: f64([[0.40], [0.45]]), b: f64([0.60]) },
  null,
] as const;
const state = [null, null, null, null] as const;
const x = f64([[0.05, 0.10]]);
const t = 0.01;
const ops = untraced();

function close(actual: ArrayLike<number>, expected: number[], what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= TOL,
      `${what}[${i}]: got ${actual[i]}, by hand ${expected[i]}`,
    );
  }
}

/** Runs the network and pulls back the lecture's dE/do = o − t. */
function backprop() {
  const { y, pullback } = layerVjp(model, params, state, x, EVAL);
  const o = y.data[0];
  return { o, E: 0.5 * (t - o) ** 2, grads: pullback(f64([[o - t]])) };
}

test("the forward pass gives the hand-computed output and error", () => {
  // The hidden activations are the output of the first two layers.
  const hidden = serial(dense(2), localSigmoid()).apply(
    ops,
    [params[0], null],
    [null, null],
    x,
    EVAL,
  );
  close(hidden.y.data, [0.593269992, 0.596884378], "h");
  const { o, E } = backprop();
  close([o], [0.751365070], "o");
  close([E], [0.274811083], "E");
});

test("the output layer's gradients are δ_o·h (delta rule)", () => {
  const { grads } = backprop();
  close(grads.params[2]!.w.data, [0.082167041, 0.082667628], "dE/dv");
  close(grads.params[2]!.b!.data, [0.138498562], "dE/db₂");
});

test("the hidden layer's gradients are δ_h·x with δ_h = δ_o·v·h(1 − h)", () => {
  const { grads } = backprop();
  // Row-major [in, units]: (w₁₁, w₁₂, w₂₁, w₂₂).
  close(grads.params[0]!.w.data, [0.000668396, 0.000749804, 0.001336792, 0.001499608], "dE/dW₁");
  close(grads.params[0]!.b!.data, [0.013367920, 0.014996075], "dE/db₁");
});

test("the input gradient is Σⱼ δ_hⱼ·wᵢⱼ", () => {
  close(backprop().grads.x.data, [0.005754207, 0.007172407], "dE/dx");
});

test("one gradient-descent step with η = 0.5 moves every weight as computed by hand", () => {
  // v₁⁺ = 0.40 − 0.5·0.082167041 = 0.358916480;  w₁₁⁺ = 0.15 − 0.5·0.000668396 = 0.149665802.
  const { grads, E } = backprop();
  const stepped = treeMap(
    (p, g) => {
      const data = new Float64Array(p.data.length);
      for (let i = 0; i < data.length; i++) data[i] = p.data[i] - 0.5 * g.data[i];
      return tensor(data, p.shape);
    },
    params,
    grads.params,
  );
  close(stepped[2]!.w.data, [0.358916480, 0.408666186], "v⁺");
  close([stepped[0]!.w.data[0]], [0.149665802], "w₁₁⁺");
  const after = model.apply(ops, stepped, state, x, EVAL).y.data[0];
  assert.ok(0.5 * (t - after) ** 2 < E, "the error falls after the step");
});

test("a mean squared error on this network is 2E, so its gradients are twice the lecture's", () => {
  // With one output, (1/N)Σ(o − t)² = (o − t)² = 2·½(t − o)², and its gradient 2(o − t).
  // Written over the primitives, as the library's meanSquaredError is.
  const target = f64([[t]]);
  const mse = (y: Tensor) => ops.mean(ops.square(ops.sub(y, target)));
  const [loss, grads] = valueAndGrad(
    (tr, p) => tr.mean(tr.square(tr.sub(model.apply(tr, p, state, x, EVAL).y, target))),
    params,
  );
  close([loss], [2 * 0.274811083], "MSE");
  close([mse(model.apply(ops, params, state, x, EVAL).y).data[0]], [2 * 0.274811083], "MSE");
  close(grads[2]!.w.data, [2 * 0.082167041, 2 * 0.082667628], "dMSE/dv");
});

test("the library's sigmoidLayer gives the same hand-computed gradients", () => {
  const library = serial(dense(2), sigmoidLayer(), dense(1), sigmoidLayer());
  const { y, pullback } = layerVjp(library, params, state, x, EVAL);
  const o = y.data[0];
  close([o], [0.751365070], "o");
  const grads = pullback(f64([[o - t]]));
  close(grads.params[2]!.w.data, [0.082167041, 0.082667628], "dE/dv");
  close(grads.params[0]!.w.data, [0.000668396, 0.000749804, 0.001336792, 0.001499608], "dE/dW₁");
  close(grads.x.data, [0.005754207, 0.007172407], "dE/dx");
});
