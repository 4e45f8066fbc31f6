/**
 * `deno bench -A bench/train_step_bench.ts`: one training step of the MLP 784-256-128-10
 * (ReLU, softmax cross-entropy, batch 128, Adam, float32) on every backend that loads here,
 * whole and in parts, so a regression shows and the part that caused it too. Each backend is
 * a value handed to the trace and the optimiser (`new Trace(backend)`, `untraced(backend)`).
 * For the side-by-side with other libraries, run `bench/compare.ts`; for the old floor
 * against the new, `bench/floor_compare.ts`.
 *
 * @module
 */

import { untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import type { Backend, BackendName } from "../src/kernels/kernels.ts";
import { probeBackend } from "../src/kernels/select.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { adam } from "../src/optim/aliases.ts";
import { applyUpdates, updateAndApply } from "../src/optim/chain.ts";
import { key, split, uniform } from "../src/random.ts";
import { fromTypedArray, full } from "../src/tensor.ts";
import type { Tree } from "../src/tree.ts";
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

/** The gradients of one step: the model and loss through a trace, pulled back to the params. */
function gradients(backend: Backend): Tree {
  const trace = new Trace(backend);
  trace.watch(params);
  const out = model.apply(trace.ops, params, state, x, ctx);
  const loss = softmaxCrossEntropy(trace.ops, out.y, y);
  return trace.pullback(loss, full(loss.shape, 1, loss.dtype), params);
}

for (const name of ["blas", "wasm", "ts"] as const satisfies readonly BackendName[]) {
  const probe = probeBackend(name);
  if (!probe.ok) {
    console.error(`(${name} skipped: ${probe.reason})`);
    continue;
  }
  const backend = probe.kernels;
  const t = untraced(backend);
  const group = `MLP 784-256-128-10 batch ${BATCH_SIZE}, ${backend.description}`;
  // Fixed gradients for the optimiser-only benchmarks, from one real backward pass.
  const grads = gradients(backend);

  Deno.bench({
    name: `${name}: train step (forward, loss, pullback, updateAndApply(adam))`,
    group,
    baseline: true,
    fn: () => {
      updateAndApply(optimizer, gradients(backend), optState, params, t);
    },
  });
  Deno.bench({
    name: `${name}: forward (eval, untraced)`,
    group,
    fn: () => {
      model.apply(t, params, state, x, EVAL);
    },
  });
  Deno.bench({
    name: `${name}: forward + loss + pullback`,
    group,
    fn: () => {
      gradients(backend);
    },
  });
  Deno.bench({
    name: `${name}: updateAndApply(adam) (Adam, learning rate, add)`,
    group,
    fn: () => {
      const [updates] = optimizer.update(grads, optState, params, t);
      applyUpdates(params, updates, t);
    },
  });
}
