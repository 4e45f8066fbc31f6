/**
 * The TensorFlow.js side of `bench/lstm_compare.ts`: the LSTM of the comparison written with
 * tfjs-layers the way its guides do, `tf.sequential([tf.layers.lstm(...), tf.layers.dense(...)])`,
 * compiled with `tf.train.adam` and a softmax cross-entropy on the logits, and trained with
 * `model.trainOnBatch`. The recurrent activation is the logistic sigmoid (tfjs-layers' default
 * is Keras 2's hard sigmoid), as in PyTorch's, JAX's and gradstream's LSTM; the recurrent weights
 * start Glorot-uniform instead of orthogonal (see below).
 *
 * @module
 */

import type * as TF from "@tensorflow/tfjs-core";
import { loadTf, type TfjsBackend } from "./_tfjs_mlp.ts";
import {
  ADAM,
  BATCH_SIZE,
  type BenchData,
  LEARNING_RATE,
  PeakRss,
  type RunOptions,
  type RunResult,
  StepClock,
} from "./_common.ts";
import { CLASSES, FEATURES, HIDDEN, TIME_STEPS } from "./_lstm_shape.ts";

/** Trains the LSTM on `data` with `backend` and measures samples per second after warm-up. */
export async function runTfjsLstm(
  backend: TfjsBackend,
  data: BenchData,
  options: RunOptions,
): Promise<RunResult> {
  const peak = new PeakRss();
  const { tf, detail } = await loadTf(backend);
  const tfl = await import("@tensorflow/tfjs-layers");

  const model = tfl.sequential({
    layers: [
      tfl.layers.lstm({
        units: HIDDEN,
        inputShape: [TIME_STEPS, FEATURES],
        recurrentActivation: "sigmoid",
        // The default orthogonal initialiser calls a chained tensor method (`rMat.flatten()`)
        // that the node bundle of tfjs-core, as loaded here, does not install; the initial
        // values do not change the speed.
        recurrentInitializer: "glorotUniform",
        returnSequences: false, // the last hidden state only
      }),
      tfl.layers.dense({ units: CLASSES }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE, ADAM.b1, ADAM.b2, ADAM.eps),
    loss: (yTrue: TF.Tensor, logits: TF.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, logits),
  });

  const batchesPerEpoch = Math.floor(data.n / BATCH_SIZE);
  const pixels = TIME_STEPS * FEATURES;
  const labels32 = Int32Array.from(data.labels);
  let batch = 0;
  const trainStep = async (): Promise<number> => {
    const start = (batch++ % batchesPerEpoch) * BATCH_SIZE;
    const [x, y] = tf.tidy(() => [
      tf.tensor3d(
        data.x.subarray(start * pixels, (start + BATCH_SIZE) * pixels),
        [BATCH_SIZE, TIME_STEPS, FEATURES],
      ),
      tf.oneHot(tf.tensor1d(labels32.subarray(start, start + BATCH_SIZE), "int32"), CLASSES),
    ]);
    // trainOnBatch resolves once the step's loss is read back: the step has finished.
    const loss = await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    peak.sample();
    return Array.isArray(loss) ? loss[0] : loss;
  };

  for (let i = 0; i < options.warmup; i++) await trainStep();
  const tensorsBefore = tf.memory().numTensors;
  const clock = new StepClock();
  clock.start();
  const firstLoss = await trainStep();
  clock.lap();
  let lastLoss = firstLoss;
  for (let i = 1; i < options.steps; i++) {
    lastLoss = await trainStep();
    clock.lap();
  }
  if (tf.memory().numTensors !== tensorsBefore) {
    throw new Error(
      `tfjs ${backend}: tensors leaked (${tensorsBefore} -> ${tf.memory().numTensors})`,
    );
  }
  return {
    config: `tfjs-${backend}`,
    detail: `${detail}, tf.layers.lstm`,
    ...clock.summary(),
    peakRssBytes: peak.bytes(),
    firstLoss,
    lastLoss,
  };
}
