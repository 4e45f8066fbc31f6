// Run by test/train_cross_runtime_test.ts in a child process, once under Deno and once under
// Bun: trains small models with fixed seeds on the backend named by the first argument (ts,
// wasm or blas; default ts; the training state carries it) and prints the trained parameters as JSON, so the parent can
// compare runtimes value by value. Not a test file itself.
//
// Every backend's arithmetic is fixed to the bit: the ts gemm is JavaScript arithmetic on
// doubles, whose every rounding ECMAScript fixes; the default wasm module multiplies and adds
// in separate IEEE operations (its relaxed-SIMD FMA build, which V8 fuses and JavaScriptCore
// does not, is opt-in and not tested here); blas is the same OpenBLAS library under both
// runtimes. A backend that cannot load here prints `{ "unavailable": reason }`.
//
// - `exact`: ReLU, dropout, mean squared error and momentum SGD. Nothing here calls a
//   transcendental function (dropout masks and Glorot-uniform weights come from integer
//   Threefry bits), so both runtimes must give bitwise-identical parameters.
// - `transcendental`: tanh, sigmoid, softmax cross-entropy (exp, log) and Adam (pow), whose
//   `Math` functions ECMAScript lets each engine approximate; `seed1` is the same run with
//   another seed, which shows how far apart genuinely different runs are.
import { lastValueFrom } from "rxjs";
import {
  adam,
  type Backend,
  backend as backendNamed,
  type BackendName,
  batches,
  type Dataset,
  dense,
  dropout,
  fit,
  fromTypedArray,
  initTrain,
  key,
  type Layer,
  type Loss,
  meanSquaredError,
  momentum,
  reluLayer,
  serial,
  sigmoidLayer,
  softmaxCrossEntropy,
  split,
  tanhLayer,
  train,
  type Transform,
  type Tree,
  type TreeLeaf,
  treeLeaves,
  uniform,
} from "../mod.ts";
import process from "node:process";

let backend: Backend;
try {
  backend = backendNamed((process.argv[2] ?? "ts") as BackendName);
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
): Promise<Record<string, string>> {
  const [initKey, shuffleKey] = split(key(seed));
  const last = await lastValueFrom(
    fit(
      initTrain(model, optimizer, initKey, [2], { backend }),
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
const exactModel = () => serial(dense(8), reluLayer(), dropout(0.25), dense(2));
const smoothModel = () => serial(dense(8), tanhLayer(), dense(8), sigmoidLayer(), dense(3));

console.log(JSON.stringify({
  exact: await run(exactModel(), meanSquaredError, momentum(0.05), regression, 0),
  transcendental: await run(smoothModel(), softmaxCrossEntropy, adam(0.01), classes, 0),
  seed1: await run(smoothModel(), softmaxCrossEntropy, adam(0.01), classes, 1),
}));
