/**
 * Five optimisers on one problem: SGD, momentum, Nesterov, RMSprop and Adam train the same
 * network from the same initial weights on the same shuffled batches (one seed), so the only
 * difference between the columns is the update rule. Prints the training loss per epoch side
 * by side, then each optimiser's test accuracy, and draws the losses as one chart (log scale)
 * under `out/optimizers/` (`--out DIR` for another folder).
 *
 * ```sh
 * deno run examples/optimizers.ts   # no permission needed; add --allow-ffi for OpenBLAS
 * bun examples/optimizers.ts
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
  dense,
  epochSummaries,
  evaluate,
  fit,
  forward,
  initTrain,
  key,
  momentum,
  nesterov,
  reluLayer,
  rmsprop,
  serial,
  sgd,
  softmaxCrossEntropy,
  spirals,
  split,
  step,
  trainTestSplit,
  type Transform,
} from "../mod.ts";
import { lineChart } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir } = pictureArgs(import.meta.url);

const [dataKey, splitKey, initKey, shuffleKey] = split(key(7), 4);
const epochs = 25;

// --- The problem: three interleaved spiral arms, a fifth held out for testing. ----------------
const { train, test } = trainTestSplit(
  splitKey,
  spirals(dataKey, 750, { classes: 3, noise: 0.2 }),
  0.2,
);
const model = serial(dense(64), reluLayer(), dense(64), reluLayer(), dense(3));

// --- The contenders, each with a learning rate in its usual range. -----------------------------
const optimizers: Record<string, Transform<unknown>> = {
  "sgd 0.1": sgd(0.1),
  "momentum 0.05": momentum(0.05, { decay: 0.9 }),
  "nesterov 0.05": nesterov(0.05, { decay: 0.9 }),
  "rmsprop 0.005": rmsprop(0.005),
  "adam 0.01": adam(0.01),
};

/** Trains with one optimiser; returns the mean training loss of each epoch and the test accuracy. */
async function run(optimizer: Transform<unknown>) {
  const initial = initTrain(model, optimizer, initKey, [2]); // same key: same initial weights
  const history = await lastValueFrom(
    fit(
      initial,
      batches(train, { batchSize: 32, shuffle: shuffleKey, epochs }), // same batches
      forward(model),
      backward(softmaxCrossEntropy),
      step(optimizer),
    ).pipe(epochSummaries(), toArray()),
  );
  const last = history[history.length - 1].state;
  return {
    losses: history.map((s) => s.trainLoss),
    testAccuracy: evaluate(model, last, test, { metrics: { accuracy } }).accuracy,
  };
}

// --- Run them one after another, then print the table. ---------------------------------------
const names = Object.keys(optimizers);
const results: Awaited<ReturnType<typeof run>>[] = [];
const started = performance.now();
for (const name of names) {
  const result = await run(optimizers[name]);
  console.log(`${name}: final loss ${result.losses[epochs - 1].toFixed(4)}`);
  results.push(result);
}

const width = Math.max(...names.map((n) => n.length)) + 2;
const cell = (s: string) => s.padStart(width);
console.log(`\ntraining loss per epoch (${train.x.shape[0]} points, batches of 32)\n`);
console.log("epoch" + names.map(cell).join(""));
for (let e = 0; e < epochs; e++) {
  const row = results.map((r) => cell(r.losses[e].toFixed(4))).join("");
  console.log(String(e + 1).padStart(5) + row);
}
const accuracies = results.map((r) => cell(`${(100 * r.testAccuracy).toFixed(1)}%`)).join("");
console.log(`\n test${accuracies}   (test accuracy, ${test.x.shape[0]} points)`);
console.log(`\n${names.length} runs in ${((performance.now() - started) / 1000).toFixed(1)}s`);

await writeFigures(dir, {
  loss: lineChart(
    names.map((name, i) => ({
      name: `${name} (test ${(100 * results[i].testAccuracy).toFixed(1)}%)`,
      x: results[i].losses.map((_, e) => e + 1),
      y: results[i].losses,
      dots: true,
    })),
    {
      title: `Five optimisers, same network, weights and batches (${
        train.x.shape[0]
      } spiral points)`,
      xLabel: "epoch",
      yLabel: "training loss",
      logY: true,
      width: 760,
      height: 400,
    },
  ),
});
