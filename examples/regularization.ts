/**
 * Regularisation side by side: L1 against L2, dropout on and off, batch norm on and off.
 *
 * The problem is made to overfit: 200 noisy two-moons points for training (2000 for testing),
 * with 18 input features of pure noise beside the two real coordinates, learned by a
 * 20-64-64-2 ReLU network with Adam. Every run starts from the same weights and sees the same
 * batches; only the regulariser changes.
 *
 * Pictures: the first layer's weights on the noise inputs after training with no penalty,
 * with L2 and with L1 (L1 drives most of them to zero, where L2 only shrinks them all), and
 * the train and test loss per epoch of each pair. Printed: the final losses and accuracies,
 * and, for the first layer, the share of weights under 0.01 in size and the mean |w|, for the
 * weights reading the two real inputs and those reading the noise (L1 shrinks the noise
 * weights twice as much as the real ones).
 *
 * ```sh
 * deno run -A examples/regularization.ts [--out DIR] [--quick]
 * bun examples/regularization.ts [--out DIR] [--quick]
 * ```
 *
 * @module
 */

import { lastValueFrom, toArray } from "rxjs";
import {
  accuracy,
  adam,
  backward,
  batches,
  batchNorm,
  type Dataset,
  dense,
  type DenseParams,
  dropout,
  epochSummaries,
  evaluate,
  excludeBiases,
  fit,
  forward,
  fromTypedArray,
  initTrain,
  key,
  l1,
  l2,
  type Layer,
  normal,
  type Penalty,
  regularize,
  reluLayer,
  serial,
  softmaxCrossEntropy,
  split,
  step,
  type Tree,
  twoMoons,
} from "../mod.ts";
import { type Figure, histogram, lineChart, sheet } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir, quick } = pictureArgs(import.meta.url);
const EPOCHS = quick ? 60 : 150;
const NOISE_FEATURES = 18;
const FEATURES = 2 + NOISE_FEATURES;

/** Two moons with NOISE_FEATURES standard-normal features appended to each point. */
function withNoise(k: ReturnType<typeof key>, n: number): Dataset {
  const [km, kn] = split(k);
  const moons = twoMoons(km, n, { noise: 0.3 });
  const z = normal(kn, [n, NOISE_FEATURES]).data;
  const x = new Float32Array(n * FEATURES);
  for (let i = 0; i < n; i++) {
    x[i * FEATURES] = moons.x.data[2 * i];
    x[i * FEATURES + 1] = moons.x.data[2 * i + 1];
    for (let j = 0; j < NOISE_FEATURES; j++) x[i * FEATURES + 2 + j] = z[i * NOISE_FEATURES + j];
  }
  return { x: fromTypedArray(x, [n, FEATURES]), y: moons.y };
}

const [trainKey, testKey, initKey, shuffleKey] = split(key(8), 4);
const trainSet = withNoise(trainKey, 200);
const testSet = withNoise(testKey, 2000);

interface Config {
  readonly name: string;
  readonly layers: () => Layer<Tree, Tree>[];
  readonly penalty?: Penalty;
}
const plain = () =>
  [dense(64), reluLayer(), dense(64), reluLayer(), dense(2)] as Layer<Tree, Tree>[];
const configs: Config[] = [
  { name: "none", layers: plain },
  { name: "L2 (λ = 1e-3)", layers: plain, penalty: l2(1e-3, excludeBiases) },
  { name: "L1 (λ = 1e-3)", layers: plain, penalty: l1(1e-3, excludeBiases) },
  {
    name: "dropout 0.5",
    layers: () =>
      [
        dense(64),
        reluLayer(),
        dropout(0.5),
        dense(64),
        reluLayer(),
        dropout(0.5),
        dense(2),
      ] as Layer<Tree, Tree>[],
  },
  {
    name: "batch norm",
    layers: () =>
      [dense(64), batchNorm(), reluLayer(), dense(64), batchNorm(), reluLayer(), dense(2)] as Layer<
        Tree,
        Tree
      >[],
  },
];

interface Run {
  readonly train: number[];
  readonly test: number[];
  readonly firstLayer: Float32Array | Float64Array;
  readonly trainAcc: number;
  readonly testAcc: number;
}

async function run(c: Config): Promise<Run> {
  const model = serial(...c.layers());
  const optimizer = adam(1e-3);
  const measure = (s: { params: Tree; modelState: Tree }) =>
    evaluate(model, s as never, testSet, { loss: softmaxCrossEntropy, metrics: { accuracy } });
  const stages = [
    forward(model),
    backward(softmaxCrossEntropy),
    ...(c.penalty ? [regularize(c.penalty)] : []),
    step(optimizer),
  ];
  const history = await lastValueFrom(
    fit(
      initTrain(model, optimizer, initKey, [FEATURES]),
      batches(trainSet, { batchSize: 20, shuffle: shuffleKey, epochs: EPOCHS }),
      ...stages,
    ).pipe(epochSummaries({ validate: measure }), toArray()),
  );
  const last = history[history.length - 1].state;
  // The training loss each epoch, measured at the epoch's end in evaluation mode (no dropout).
  return {
    train: history.map((s) =>
      evaluate(model, s.state, trainSet, { loss: softmaxCrossEntropy }).loss
    ),
    test: history.map((s) => s.valLoss!),
    firstLayer: ((last.params as Tree[])[0] as DenseParams).w.data,
    trainAcc: evaluate(model, last, trainSet, { metrics: { accuracy } }).accuracy,
    testAcc: evaluate(model, last, testSet, { metrics: { accuracy } }).accuracy,
  };
}

const started = performance.now();
const runs = new Map<string, Run>();
console.log(`${"regulariser".padEnd(16)}train loss  test loss  train acc  test acc`);
for (const c of configs) {
  const r = await run(c);
  runs.set(c.name, r);
  console.log(
    `${c.name.padEnd(16)}${r.train[EPOCHS - 1].toFixed(4).padStart(10)}${
      r.test[EPOCHS - 1].toFixed(4).padStart(11)
    }` +
      `${(100 * r.trainAcc).toFixed(1).padStart(10)}%${(100 * r.testAcc).toFixed(1).padStart(9)}%`,
  );
}

// First-layer weights: w has shape [FEATURES, 64]; rows 0 and 1 read the real coordinates.
const split2 = (w: ArrayLike<number>) => {
  const real: number[] = [];
  const noise: number[] = [];
  for (let i = 0; i < FEATURES; i++) {
    for (let j = 0; j < 64; j++) (i < 2 ? real : noise).push(w[i * 64 + j]);
  }
  return { real, noise };
};
const small = (a: number[]) => a.filter((v) => Math.abs(v) < 0.01).length / a.length;
const meanAbs = (a: number[]) => a.reduce((s, v) => s + Math.abs(v), 0) / a.length;
console.log(
  `\nfirst-layer weights: share with |w| < 0.01 and mean |w| (real inputs | noise inputs):`,
);
const weightSets = ["none", "L2 (λ = 1e-3)", "L1 (λ = 1e-3)"].map((name, i) => {
  const { real, noise } = split2(runs.get(name)!.firstLayer);
  const share = (a: number[]) => `${(100 * small(a)).toFixed(1)}%`.padStart(6);
  console.log(
    `  ${name.padEnd(16)}${share(real)} | ${share(noise)}` +
      `   mean |w| ${meanAbs(real).toFixed(3)} | ${meanAbs(noise).toFixed(3)}`,
  );
  return {
    name: `${name}: noise inputs`,
    values: noise,
    color: ["#9c755f", "#4e79a7", "#e15759"][i],
  };
});
console.log(
  `\n${configs.length} runs of ${EPOCHS} epochs in ${
    ((performance.now() - started) / 1000).toFixed(1)
  }s`,
);

const curves = (names: string[], title: string): Figure =>
  lineChart(
    names.flatMap((name, i) => {
      const r = runs.get(name)!;
      const color = ["#4e79a7", "#e15759", "#59a14f"][i];
      const x = r.train.map((_, e) => e + 1);
      return [
        { name: `${name}, train`, x, y: r.train, color, dashed: true },
        { name: `${name}, test`, x, y: r.test, color },
      ];
    }),
    { title, xLabel: "epoch", yLabel: "cross-entropy", logY: true, width: 520, height: 330 },
  );

await writeFigures(dir, {
  weights: histogram(weightSets, {
    title: "First-layer weights reading the 18 noise inputs",
    layout: "rows",
    bins: 60,
    xLabel: "weight",
    measure: "fraction",
    width: 720,
    height: 380,
  }),
  curves: sheet(
    [
      curves(["none", "L2 (λ = 1e-3)", "L1 (λ = 1e-3)"], "Weight penalties"),
      curves(["none", "dropout 0.5"], "Dropout"),
      curves(["none", "batch norm"], "Batch norm"),
    ],
    {
      columns: 3,
      title: "Train (dashed) and test (solid) loss, 200 training points, 18 noise inputs",
    },
  ),
});
