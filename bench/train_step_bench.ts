/**
 * `deno bench -A bench/train_step_bench.ts`: one training step of the MLP 784-256-128-10
 * (ReLU, softmax cross-entropy, batch 128, Adam, float32) on gradstream's current backend
 * (`GRADSTREAM_BACKEND=blas|wasm|ts` picks one), whole and in parts, so a regression shows
 * and the part that caused it too. For the side-by-side with TensorFlow.js, run
 * `bench/compare.ts`.
 *
 * @module
 */

import { backendInfo } from "../src/kernels/select.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { adam } from "../src/optim/aliases.ts";
import { applyUpdates, updateAndApply } from "../src/optim/chain.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { key, split, uniform } from "../src/random.ts";
import { fromTypedArray } from "../src/tensor.ts";
import { ADAM, BATCH_SIZE, LAYER_SIZES, LEARNING_RATE } from "./_common.ts";
import { mlp } from "./_gradstream_mlp.ts";

const model = mlp();
const optimizer = adam(LEARNING_RATE, ADAM);
const [kInit, kX, kY] = split(key(0), 3);
const { params, state } = model.init(kInit, [LAYER_SIZES[0]]);
const optState = optimizer.init(params);
// Random inputs and labels: a step's cost does not depend on the values.
const x = uniform(kX, [BATCH_SIZE, LAYER_SIZES[0]]);
const classes = LAYER_SIZES[LAYER_SIZES.length - 1];
const y = fromTypedArray(
  Float32Array.from(uniform(kY, [BATCH_SIZE]).data, (u) => Math.floor(u * classes)),
  [BATCH_SIZE],
);
const ctx = trainContext(key(1));
// Fixed gradients for the optimiser-only benchmark, from one real backward pass.
const out = model.apply(params, state, x, ctx);
const grads = out.vjp(softmaxCrossEntropy(out.y, y)[1]).params;

const group = `MLP 784-256-128-10 batch ${BATCH_SIZE}, ${backendInfo()}`;

Deno.bench({
  name: "train step (forward, loss, VJP, updateAndApply(adam)), as step() runs it",
  group,
  baseline: true,
  fn: () => {
    const fwd = model.apply(params, state, x, ctx);
    const [, dy] = softmaxCrossEntropy(fwd.y, y);
    const g = fwd.vjp(dy).params;
    updateAndApply(optimizer, g, optState, params);
  },
});

Deno.bench({
  name: "forward (eval)",
  group,
  fn: () => {
    model.apply(params, state, x, EVAL);
  },
});

Deno.bench({
  name: "forward + loss + VJP",
  group,
  fn: () => {
    const fwd = model.apply(params, state, x, ctx);
    fwd.vjp(softmaxCrossEntropy(fwd.y, y)[1]);
  },
});

Deno.bench({
  name: "Adam update, then applyUpdates (the general path)",
  group,
  fn: () => {
    const [updates] = optimizer.update(grads, optState, params);
    applyUpdates(params, updates);
  },
});

Deno.bench({
  name: "Adam updateAndApply (one pass per leaf writes params and moments)",
  group,
  fn: () => {
    updateAndApply(optimizer, grads, optState, params);
  },
});
