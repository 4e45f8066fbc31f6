/**
 * An RBF network against an MLP with the same number of parameters, on two problems.
 *
 * The RBF network is `rbf(k)` (k Gaussian units, centres placed by k-means on the training
 * inputs, widths from the mean distance between neighbouring centres) followed by a linear
 * read-out `dense(outputs)`; the MLP is `dense(k)`, tanh, `dense(outputs)`. With `d` inputs
 * both have `k·(d + 1 + outputs) + outputs` parameters: the RBF unit's centre and width take
 * the place of the tanh unit's weights and bias. Both are trained end to end (centres and
 * widths too) with Adam on the same batches, and evaluated on held-out data:
 *
 * 1. classification of three interleaved spirals (test error rate);
 * 2. fitting a bumpy function of one variable from noisy samples (test mean squared error).
 *
 * ```sh
 * deno run examples/rbf_vs_mlp.ts            # --seed N; --quick for a tenth of the epochs
 * bun examples/rbf_vs_mlp.ts
 * ```
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import {
  accuracy,
  adam,
  batches,
  type Dataset,
  dense,
  evaluate,
  fit,
  initTrain,
  type Key,
  key,
  kmeans,
  type Layer,
  type Loss,
  meanSquaredError,
  type Metric,
  normal,
  rbf,
  serial,
  softmaxCrossEntropy,
  spirals,
  split,
  tanhLayer,
  tensor,
  train,
  trainTestSplit,
  treeSize,
  uniform,
} from "../mod.ts";
import { exampleArgs } from "./_args.ts";

const args = exampleArgs(import.meta.url);
const seed = args.int("--seed", 0, 0);
const quick = args.has("--quick");
const keys = split(key(seed), 8);

/** Trains `model` with Adam on `data` and returns its test loss and (for classes) accuracy. */
async function trainAndTest(
  model: Layer,
  loss: Loss,
  data: { train: Dataset; test: Dataset },
  o: { epochs: number; learningRate: number; init: Key; shuffle: Key; classes: boolean },
) {
  const optimizer = adam(o.learningRate);
  const start = initTrain(model, optimizer, o.init, [data.train.x.shape[1]]);
  const last = await lastValueFrom(
    fit(
      start,
      batches(data.train, { batchSize: 32, shuffle: o.shuffle, epochs: o.epochs }),
      train({ model, loss, optimizer }),
    ),
  );
  const metrics: Record<string, Metric> = o.classes ? { accuracy } : {};
  const result = evaluate(model, last.state, data.test, { loss, metrics });
  return { parameters: treeSize(start.params), loss: result.loss, accuracy: result.accuracy };
}

// --- 1. Spirals: 3 classes, 900 points, a quarter held out. ---------------------------------
{
  const k = 20, classes = 3, epochs = quick ? 20 : 200;
  const data = trainTestSplit(keys[0], spirals(keys[1], 900, { classes, noise: 0.3 }), 0.25);
  const { centers } = kmeans(data.train.x, k, { key: keys[2] });
  const rbfNet = serial(rbf(k, { centers, widths: "nearest" }), dense(classes));
  const mlp = serial(dense(k), tanhLayer(), dense(classes));
  const o = { epochs, learningRate: 0.01, init: keys[3], shuffle: keys[4], classes: true };
  console.log(
    `1. spirals: ${classes} classes, ${data.train.x.shape[0]} training and ` +
      `${data.test.x.shape[0]} test points, ${epochs} epochs of Adam (batch 32)`,
  );
  for (const [name, model] of [["RBF network", rbfNet], ["MLP (tanh)", mlp]] as const) {
    const r = await trainAndTest(model as Layer, softmaxCrossEntropy, data, o);
    console.log(
      `   ${name.padEnd(12)} ${r.parameters} parameters: test error ${
        (100 * (1 - r.accuracy)).toFixed(1)
      }%, test cross-entropy ${r.loss.toFixed(3)}`,
    );
  }
}

// --- 2. A bumpy function: f(x) = sin(3x) + 0.5·exp(−8x²)·cos(12x) on [−2, 2]. -------------------
{
  const k = 16, epochs = quick ? 40 : 400;
  const f = (v: number) => Math.sin(3 * v) + 0.5 * Math.exp(-8 * v * v) * Math.cos(12 * v);
  const xs = uniform(keys[5], [256], { min: -2, max: 2, dtype: "float64" }).data;
  const noise = normal(keys[6], [256], { std: 0.05, dtype: "float64" }).data;
  const trainSet: Dataset = {
    x: tensor(Array.from(xs, (v) => [v])),
    y: tensor(Array.from(xs, (v, i) => [f(v) + noise[i]])),
  };
  // Tested on a clean grid of 401 points.
  const grid = Array.from({ length: 401 }, (_, i) => -2 + i / 100);
  const testSet: Dataset = {
    x: tensor(grid.map((v) => [v])),
    y: tensor(grid.map((v) => [f(v)])),
  };
  const data = { train: trainSet, test: testSet };
  const { centers } = kmeans(trainSet.x, k, { key: keys[7] });
  const rbfNet = serial(rbf(k, { centers, widths: "nearest" }), dense(1));
  const mlp = serial(dense(k), tanhLayer(), dense(1));
  const o = { epochs, learningRate: 0.01, init: keys[3], shuffle: keys[4], classes: false };
  console.log(
    `\n2. f(x) = sin(3x) + 0.5·exp(-8x²)·cos(12x) from 256 noisy samples (std 0.05), ` +
      `tested on 401 clean points, ${epochs} epochs`,
  );
  for (const [name, model] of [["RBF network", rbfNet], ["MLP (tanh)", mlp]] as const) {
    const r = await trainAndTest(model as Layer, meanSquaredError, data, o);
    console.log(
      `   ${name.padEnd(12)} ${r.parameters} parameters: test mean squared error ${
        r.loss.toExponential(2)
      }`,
    );
  }
}
