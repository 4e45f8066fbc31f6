/**
 * The new floor's worker for `bench/floor_compare.ts`: one training step of the MLP
 * 784-256-128-10 written against the new API. The backend is a value (`backend(name)`) that
 * the training state carries; the step runs the model and the loss as forward code through a
 * {@linkcode Trace}, pulls the loss back to the parameters and hands the gradients to the
 * optimiser on an untraced `Ops` of the same backend. It also reports how many primitive
 * calls the trace recorded per step (`Trace.size`).
 *
 * ```sh
 * deno run --frozen --cached-only --allow-ffi --v8-flags=--expose-gc bench/_floor_step_new.ts --backend wasm
 * ```
 *
 * @module
 */

import process from "node:process";
import { untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { backend as backendNamed } from "../src/kernels/select.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import type { BackendName } from "../src/kernels/kernels.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { dense } from "../src/layers/dense.ts";
import { trainContext } from "../src/layers/layer.ts";
import { serial } from "../src/layers/serial.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { adam } from "../src/optim/aliases.ts";
import { updateAndApply } from "../src/optim/chain.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, full } from "../src/tensor.ts";
import { initTrain } from "../src/train/state.ts";
import {
  ADAM_OPTIONS,
  argOf,
  BATCH,
  LR,
  measure,
  reportResult,
  SIZES,
  syntheticBatches,
} from "./_floor_harness.ts";

const name = argOf("backend");
const warmup = Number(argOf("warmup", "100"));
const steps = Number(argOf("steps", "300"));
// Throws, saying why, if this backend cannot run here. `wasm-relaxed` / `wasm-plain`: the
// WebAssembly module of that flavour (this floor's `wasm` is the plain one).
const be = name.startsWith("wasm-")
  ? loadWasmKernels({ relaxed: name === "wasm-relaxed" })
  : backendNamed(name as BackendName);

const model = serial(dense(SIZES[1]), reluLayer(), dense(SIZES[2]), reluLayer(), dense(SIZES[3]));
const optimizer = adam(LR, ADAM_OPTIONS);
const init = initTrain(model, optimizer, key(0), [SIZES[0]], { backend: be });
let { params, modelState, optState } = init;
const t = untraced(init.backend);
const batches = syntheticBatches(8).map((b) => ({
  x: fromTypedArray(b.x, [BATCH, SIZES[0]]),
  y: fromTypedArray(b.labels, [BATCH]),
}));

let calls = 0;
const result = measure(
  (i) => {
    const { x, y } = batches[i % batches.length];
    const trace = new Trace(init.backend);
    trace.watch(params);
    const out = model.apply(trace.ops, params, modelState, x, trainContext(key(i)));
    const loss = softmaxCrossEntropy(trace.ops, out.y, y);
    const grads = trace.pullback(loss, full(loss.shape, 1, loss.dtype), params);
    [params, optState] = updateAndApply(optimizer, grads, optState, params, t);
    modelState = out.state;
    calls = trace.size;
    return loss.data[0];
  },
  warmup,
  steps,
);
reportResult({
  side: "new",
  backend: name,
  detail: init.backend.description,
  primitiveCalls: calls,
  ...result,
});
// The wasm backend keeps handles open (emscripten's process hooks); the result is out.
process.exit(0);
