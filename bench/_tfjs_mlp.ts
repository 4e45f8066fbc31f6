/**
 * The TensorFlow.js side of `bench/compare.ts`: the same MLP (784-256-128-10, ReLU, softmax
 * cross-entropy, Glorot-uniform weights, zero biases) trained with `tf.train.adam`, written
 * against tfjs-core the way its guides do (variables, `optimizer.minimize`, `tf.tidy`).
 *
 * @module
 */

import type * as TF from "@tensorflow/tfjs-core";
import { fileURLToPath } from "node:url";
import {
  ADAM,
  BATCH_SIZE,
  type BenchData,
  LAYER_SIZES,
  LEARNING_RATE,
  PeakRss,
  type RunOptions,
  type RunResult,
  StepClock,
} from "./_common.ts";

/** The TensorFlow.js backends compared. */
export type TfjsBackend = "cpu" | "wasm";

/**
 * Loads tfjs-core and one backend only, so each subprocess carries just what it runs (also
 * used by `bench/_tfjs_lstm.ts`).
 */
export async function loadTf(backend: TfjsBackend): Promise<{ tf: typeof TF; detail: string }> {
  const tf = await import("@tensorflow/tfjs-core");
  // tfjs-core's node bundle registers no gradients, and its register_all_gradients module has
  // extensionless ESM imports Deno cannot resolve; tfjs-layers' bundle registers them all (the
  // model itself is written against tfjs-core, the leanest way to train with TensorFlow.js).
  await import("@tensorflow/tfjs-layers");
  if (backend === "cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
    if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') failed");
    return { tf, detail: `tfjs ${tf.version_core} cpu (plain JS kernels)` };
  }
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  // The package reads its .wasm binaries from this folder; a plain file path works under both
  // Deno and Bun (emscripten's Node code path reads it with fs).
  const dist = new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  wasm.setWasmPaths(fileURLToPath(dist));
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const threads = wasm.getThreadsCount();
  return {
    tf,
    detail: `tfjs ${tf.version_core} wasm (${simd ? "SIMD" : "no SIMD"}, ${threads} thread${
      threads === 1 ? "" : "s"
    })`,
  };
}

/** Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), as gradstream's init. */
function glorotUniform(tf: typeof TF, fanIn: number, fanOut: number, seed: number): TF.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform([fanIn, fanOut], -limit, limit, "float32", seed) as TF.Tensor2D;
}

/** Trains the MLP on `data` with `backend` and measures samples per second after warm-up. */
export async function runTfjs(
  backend: TfjsBackend,
  data: BenchData,
  options: RunOptions,
): Promise<RunResult> {
  const peak = new PeakRss();
  const { tf, detail } = await loadTf(backend);

  const weights: TF.Variable[] = [];
  const biases: TF.Variable[] = [];
  for (let i = 0; i + 1 < LAYER_SIZES.length; i++) {
    weights.push(tf.variable(glorotUniform(tf, LAYER_SIZES[i], LAYER_SIZES[i + 1], 1 + i)));
    biases.push(tf.variable(tf.zeros([LAYER_SIZES[i + 1]])));
  }
  const variables = [...weights, ...biases];
  // gradstream's adam defaults (tfjs would otherwise take epsilon 1e-7).
  const optimizer = tf.train.adam(LEARNING_RATE, ADAM.b1, ADAM.b2, ADAM.eps);

  const predict = (x: TF.Tensor2D): TF.Tensor2D => {
    let h: TF.Tensor2D = x;
    for (let i = 0; i < weights.length; i++) {
      h = tf.add(tf.matMul(h, weights[i]), biases[i]);
      if (i + 1 < weights.length) h = tf.relu(h);
    }
    return h;
  };

  const features = LAYER_SIZES[0];
  const classes = LAYER_SIZES[LAYER_SIZES.length - 1];
  const batchesPerEpoch = Math.floor(data.n / BATCH_SIZE);
  const labels32 = Int32Array.from(data.labels);
  let batch = 0;
  const trainStep = (): number => {
    const start = (batch++ % batchesPerEpoch) * BATCH_SIZE;
    const cost: TF.Scalar = tf.tidy(() => {
      const x = tf.tensor2d(
        data.x.subarray(start * features, (start + BATCH_SIZE) * features),
        [BATCH_SIZE, features],
      );
      const y = tf.oneHot(
        tf.tensor1d(labels32.subarray(start, start + BATCH_SIZE), "int32"),
        classes,
      );
      const loss = () => tf.losses.softmaxCrossEntropy(y, predict(x)) as TF.Scalar;
      return optimizer.minimize(loss, true, variables)!; // returnCost: a scalar, never null
    });
    // Reading the loss waits for the step (both backends run synchronously anyway).
    const value = cost.dataSync()[0];
    cost.dispose();
    peak.sample();
    return value;
  };

  for (let i = 0; i < options.warmup; i++) trainStep();
  const tensorsBefore = tf.memory().numTensors;
  const clock = new StepClock();
  clock.start();
  const firstLoss = trainStep();
  clock.lap();
  let lastLoss = firstLoss;
  for (let i = 1; i < options.steps; i++) {
    lastLoss = trainStep();
    clock.lap();
  }
  if (tf.memory().numTensors !== tensorsBefore) {
    throw new Error(
      `tfjs ${backend}: tensors leaked (${tensorsBefore} -> ${tf.memory().numTensors})`,
    );
  }
  return {
    config: `tfjs-${backend}`,
    detail,
    ...clock.summary(),
    peakRssBytes: peak.bytes(),
    firstLoss,
    lastLoss,
  };
}
