// Run by test/train_cross_runtime_test.ts in a child process, once under Deno and once under
// Bun: trains small models with fixed seeds on the backend named by the first argument (ts,
// wasm or blas; default ts), given to initTrain as a value, and prints the trained parameters
// as JSON, so the parent can compare runtimes value by value. Not a test file itself.
//
// Every backend's arithmetic is fixed to the bit: the ts gemm is JavaScript arithmetic on
// doubles, whose every rounding ECMAScript fixes; the default wasm module multiplies and adds
// in separate IEEE operations (its relaxed-SIMD FMA build, which V8 fuses and JavaScriptCore
// does not, is opt-in and not tested here); blas is the same OpenBLAS library under both
// runtimes. A backend that cannot load here prints `{ "unavailable": reason }`.
//
// - `exact`: ReLU, dropout, mean squared error and momentum SGD. Nothing here calls a
//   transcendental function (dropout masks and Glorot-uniform weights come from integer
//   Threefry bits), so both runtimes must give bitwise-identical parameters. `exactRms` and
//   `exactSgd` are the same model under rmsprop (square root and division, which IEEE rounds
//   exactly) and plain sgd, through their declared fused steps: bitwise-identical too.
// - `recurrent`: an LSTM (`lstmSequence`; its float32 gates take σ and tanh from rational
//   arithmetic, in TypeScript or in the WebAssembly kernels, never from `Math`), Glorot-uniform
//   kernels, mean squared error and momentum SGD: bitwise-identical parameters too.
// - `transcendental`: tanh, sigmoid, softmax cross-entropy (exp, log) and Adam (pow), whose
//   `Math` functions ECMAScript lets each engine approximate; `seed1` is the same run with
//   another seed, which shows how far apart genuinely different runs are.
import { lastValueFrom } from "rxjs";
import process from "node:process";
import type { Dataset } from "../src/data/dataset.ts";
import type { Backend, BackendName } from "../src/kernels/kernels.ts";
import { backend } from "../src/kernels/select.ts";
import { reluLayer, sigmoidLayer, tanhLayer } from "../src/layers/activations.ts";
import { dense } from "../src/layers/dense.ts";
import { dropout } from "../src/layers/dropout.ts";
import { lstm } from "../src/layers/lstm.ts";
import { glorotUniform } from "../src/init.ts";
import type { Layer } from "../src/layers/layer.ts";
import { serial } from "../src/layers/serial.ts";
import { type Loss, meanSquaredError, softmaxCrossEntropy } from "../src/losses.ts";
import { adam, momentum, rmsprop, sgd } from "../src/optim/aliases.ts";
import type { Transform } from "../src/optim/transform.ts";
import { key, split, uniform } from "../src/random.ts";
import { fromTypedArray } from "../src/tensor.ts";
import { batches } from "../src/train/batches.ts";
import { fit } from "../src/train/fit.ts";
import { initTrain } from "../src/train/state.ts";
import { train } from "../src/train/train.ts";
import { type Tree, type TreeLeaf, treeLeaves } from "../src/tree.ts";

let onBackend: Backend;
try {
  onBackend = backend((process.argv[2] ?? "ts") as BackendName);
} catch (error) {
  console.log(JSON.stringify({ unavailable: (error as Error).message }));
  process.exit(0);
}

/** 48 points in [-1, 1)², with a regression target and a three-class label, from a key. */
function data(seed: number): { regression: Dataset; classes: Dataset } {
  const n = 48;
  const x = uniform(key(seed), [n, 2], { min: -1, max: 1 });
  const target = new Float32Array(2 * n), label = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = x.data[2 * i], b = x.data[2 * i + 1];
    target[2 * i] = a * b + 0.5 * a;
    target[2 * i + 1] = b - a * a;
    label[i] = a + b > 0.5 ? 2 : a - b > 0 ? 1 : 0;
  }
  return {
    regression: { x, y: fromTypedArray(target, [n, 2]) },
    classes: { x, y: fromTypedArray(label, [n]) },
  };
}

/** Trains for 10 epochs of 4 batches; each parameter leaf by path, as {@linkcode hex}. */
async function run<P extends Tree, S extends Tree>(
  model: Layer<P, S>,
  loss: Loss,
  optimizer: Transform<unknown>,
  dataset: Dataset,
  seed: number,
  inShape: number[] = [2],
): Promise<Record<string, string>> {
  const [initKey, shuffleKey] = split(key(seed));
  const last = await lastValueFrom(
    fit(
      initTrain(model, optimizer, initKey, inShape, { backend: onBackend }),
      batches(dataset, { batchSize: 12, shuffle: shuffleKey, epochs: 10 }),
      train({ model, loss, optimizer }),
    ),
  );
  return Object.fromEntries(treeLeaves(last.state.params).map((l) => [l.path.join("."), hex(l)]));
}

/**
 * The leaf's bytes in hexadecimal (little-endian float32, as typed arrays store them here):
 * exact, where JSON numbers would turn -0 into 0 and NaN into null.
 */
function hex(leaf: TreeLeaf): string {
  const { buffer, byteOffset, byteLength } = leaf.value.data;
  return Array.from(
    new Uint8Array(buffer, byteOffset, byteLength),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

const { regression, classes } = data(100);
// The regression's points as 16 sequences of 3 steps, the targets of each sequence's last step.
const sequences: Dataset = {
  x: fromTypedArray(regression.x.data.slice(), [16, 3, 2]),
  y: fromTypedArray(regression.y.data.filter((_, i) => Math.floor(i / 2) % 3 === 2), [16, 2]),
};
const recurrentModel = () =>
  serial(lstm(5, { output: "last", recurrentInit: glorotUniform }), dense(2));
const exactModel = () => serial(dense(8), reluLayer(), dropout(0.25), dense(2));
const smoothModel = () => serial(dense(8), tanhLayer(), dense(8), sigmoidLayer(), dense(3));

console.log(JSON.stringify({
  exact: await run(exactModel(), meanSquaredError, momentum(0.05), regression, 0),
  exactRms: await run(exactModel(), meanSquaredError, rmsprop(0.01), regression, 0),
  exactSgd: await run(exactModel(), meanSquaredError, sgd(0.05), regression, 0),
  recurrent: await run(recurrentModel(), meanSquaredError, momentum(0.05), sequences, 0, [3, 2]),
  transcendental: await run(smoothModel(), softmaxCrossEntropy, adam(0.01), classes, 0),
  seed1: await run(smoothModel(), softmaxCrossEntropy, adam(0.01), classes, 1),
}));
