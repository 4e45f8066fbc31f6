// @ts-nocheck: written against the old floor's API (commit 5594a93), which the driver checks
// out next to this file; the current tree's types do not describe it.
/**
 * The old floor's worker for `bench/floor_compare.ts`: one training step of the MLP
 * 784-256-128-10 as the old API wrote it (`useBackend`, `layer.apply(params, state, x, ctx)`
 * returning a `vjp`, the loss's gradient by hand, `updateAndApply`). The driver copies this
 * file and `_floor_harness.ts` into `bench/` of a checkout of the old commit and runs it there:
 *
 * ```sh
 * deno run --frozen --cached-only --allow-ffi --v8-flags=--expose-gc bench/_floor_step_old.ts --backend wasm
 * ```
 *
 * @module
 */

import {
  adam,
  backendInfo,
  dense,
  fromTypedArray,
  key,
  loadWasmKernels,
  reluLayer,
  serial,
  softmaxCrossEntropy,
  split,
  trainContext,
  updateAndApply,
  useBackend,
} from "../mod.ts";
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

const backend = argOf("backend");
const warmup = Number(argOf("warmup", "100"));
const steps = Number(argOf("steps", "300"));
// `wasm-relaxed` / `wasm-plain`: the WebAssembly module of that flavour (this floor's `wasm`
// is the relaxed one where the engine validates it).
useBackend(
  backend.startsWith("wasm-") ? loadWasmKernels({ relaxed: backend === "wasm-relaxed" }) : backend,
);

const model = serial(dense(SIZES[1]), reluLayer(), dense(SIZES[2]), reluLayer(), dense(SIZES[3]));
const optimizer = adam(LR, ADAM_OPTIONS);
// The new floor's initTrain initialises from the first half of split(key(0)): the same start.
const init = model.init(split(key(0))[0], [SIZES[0]]);
let params = init.params;
let state = init.state;
let optState = optimizer.init(params);
const batches = syntheticBatches(8).map((b) => ({
  x: fromTypedArray(b.x, [BATCH, SIZES[0]]),
  y: fromTypedArray(b.labels, [BATCH]),
}));

const result = measure(
  (i) => {
    const { x, y } = batches[i % batches.length];
    const out = model.apply(params, state, x, trainContext(key(i)));
    const [loss, dy] = softmaxCrossEntropy(out.y, y);
    const grads = out.vjp(dy).params;
    [params, optState] = updateAndApply(optimizer, grads, optState, params);
    state = out.state;
    return loss;
  },
  warmup,
  steps,
);
reportResult({ side: "old", backend, detail: backendInfo(), ...result });
// The wasm backend keeps handles open (emscripten's process hooks); the result is out.
Deno.exit(0);
