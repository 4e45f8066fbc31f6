/**
 * Two moons: a small network learns a curved decision boundary. Shows the data helpers
 * (a seeded generator, a keyed train/test split, standardisation with training statistics)
 * and a training stream with dropout and an L2 penalty. Prints the boundary as a text map and
 * draws it as a picture too (the predicted probability of class 1 over the plane, the test
 * points on top), under `out/moons/` (`--out DIR` for another folder).
 *
 * ```sh
 * deno run examples/moons.ts        # no permission needed; add --allow-ffi for OpenBLAS
 * bun examples/moons.ts
 * ```
 *
 * @module
 */

import { filter, lastValueFrom, tap, toArray } from "rxjs";
import {
  accuracy,
  adam,
  backward,
  batches,
  dense,
  dropout,
  epochSummaries,
  evaluate,
  excludeBiases,
  featureStats,
  fit,
  formatValue,
  forward,
  fromTypedArray,
  initTrain,
  key,
  l2,
  predict,
  regularize,
  reluLayer,
  serial,
  softmaxCrossEntropy,
  split,
  standardize,
  step,
  tensor,
  trainTestSplit,
  twoMoons,
} from "../mod.ts";
import { gridOf, gridPoints, heatmap } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir } = pictureArgs(import.meta.url);

const [dataKey, splitKey, initKey, shuffleKey] = split(key(42), 4);
const epochs = 60;

// --- Data: 1000 noisy points, a quarter held out; features scaled with training statistics. --
const raw = trainTestSplit(splitKey, twoMoons(dataKey, 1000, { noise: 0.2 }), 0.25);
const stats = featureStats(raw.train.x);
const train = { x: standardize(raw.train.x, stats), y: raw.train.y };
const test = { x: standardize(raw.test.x, stats), y: raw.test.y };
console.log(`two moons: ${train.x.shape[0]} training and ${test.x.shape[0]} test points`);

// --- Model: 2 -> 32 -> 32 -> 2 logits, dropout between the hidden layers. ----------------------
const model = serial(dense(32), reluLayer(), dropout(0.1), dense(32), reluLayer(), dense(2));
const optimizer = adam(0.01);

// --- Training: batches -> forward -> backward -> regularize (L2) -> step. -------------------
const initial = initTrain(model, optimizer, initKey, [2]);
const measure = (state: Pick<typeof initial, "params" | "modelState">) =>
  evaluate(model, state, test, { loss: softmaxCrossEntropy, metrics: { accuracy } });
const history = await lastValueFrom(
  fit(
    initial,
    batches(train, { batchSize: 32, shuffle: shuffleKey, epochs }),
    forward(model),
    backward(softmaxCrossEntropy),
    regularize(l2(1e-4, excludeBiases)),
    step(optimizer),
  ).pipe(
    epochSummaries({ validate: measure, metrics: { accuracy } }),
    filter((s) => s.epoch === 0 || (s.epoch + 1) % 10 === 0),
    tap((s) =>
      console.log(
        `epoch ${String(s.epoch + 1).padStart(2)}: loss ${formatValue(s.trainLoss)}, ` +
          `accuracy ${formatValue(s.train.accuracy)}, test loss ${formatValue(s.valLoss!)}, ` +
          `test accuracy ${formatValue(s.valAccuracy!)}`,
      )
    ),
    toArray(),
  ),
);
const last = history[history.length - 1];

// --- The boundary, drawn in text: the predicted class over a grid, data points on top. -------
const [cols, rows, x0, x1, y0, y1] = [64, 20, -1.5, 2.5, -1, 1.5];
const grid: number[][] = [];
for (let r = 0; r < rows; r++) {
  for (let c = 0; c < cols; c++) {
    grid.push([x0 + ((c + 0.5) * (x1 - x0)) / cols, y1 - ((r + 0.5) * (y1 - y0)) / rows]);
  }
}
const logits = predict(model, last.state, standardize(tensor(grid), stats));
const map: string[] = grid.map((_, i) => (logits.data[2 * i] > logits.data[2 * i + 1] ? "·" : " "));
for (let i = 0; i < raw.test.y.shape[0]; i++) {
  const c = Math.floor(((raw.test.x.data[2 * i] - x0) / (x1 - x0)) * cols);
  const r = Math.floor(((y1 - raw.test.x.data[2 * i + 1]) / (y1 - y0)) * rows);
  if (c >= 0 && c < cols && r >= 0 && r < rows) map[r * cols + c] = raw.test.y.data[i] ? "o" : "x";
}
console.log("\ntest points (x: class 0, o: class 1) over the predicted class-0 region (·):");
for (let r = 0; r < rows; r++) console.log("  " + map.slice(r * cols, (r + 1) * cols).join(""));

const final = measure(last.state);
console.log(
  `\nfinal: test loss ${formatValue(final.loss)}, ` +
    `test accuracy ${(100 * final.accuracy).toFixed(1)}%`,
);

// --- The same boundary as a picture: P(class 1) over the plane, the test points on top. -----
const view = { x: [x0, x1] as const, y: [y0, y1] as const, cols: 100, rows: 62 };
const probs = predict(
  model,
  last.state,
  standardize(fromTypedArray(gridPoints(view), [100 * 62, 2]), stats),
);
const p1 = Float64Array.from(
  { length: 100 * 62 },
  (_, i) => 1 / (1 + Math.exp(probs.data[2 * i] - probs.data[2 * i + 1])),
);
const n = raw.test.y.shape[0];
await writeFigures(dir, {
  boundary: heatmap(gridOf(p1, view), {
    title: `Two moons: P(class 1), test accuracy ${(100 * final.accuracy).toFixed(1)}%`,
    domain: [0, 1],
    color: { colors: ["#f7b76c", "#ffffff", "#5fa3d6"] },
    contours: [0.5],
    points: {
      x: Array.from({ length: n }, (_, i) => raw.test.x.data[2 * i]),
      y: Array.from({ length: n }, (_, i) => raw.test.x.data[2 * i + 1]),
      label: Array.from(raw.test.y.data),
    },
    pointColors: ["#f59322", "#0877bd"],
    xLabel: "x₁",
    yLabel: "x₂",
    width: 640,
    height: 420,
  }),
});
