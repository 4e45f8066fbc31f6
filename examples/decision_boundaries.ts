/**
 * Decision boundaries in the manner of the TensorFlow Playground: four 2-D datasets (circle,
 * xor, gauss and a spiral of 1.75 turns as the Playground draws it; the library's `spirals`
 * turns less than once), each learned by four networks (no hidden layer, tanh 4-4, ReLU 8-8,
 * tanh 8-8-8), all trained by the same stream of mini-batches (20 points) with Adam (η = 0.01).
 *
 * Pictures: an overview sheet (one row per dataset, one column per network: the predicted
 * probability of the blue class over the plane, with the test points on top and the 0.5
 * boundary in black) and, for each dataset, the best network's output beside a small heatmap
 * for every hidden neuron: the pieces the output is assembled from. The table printed beside
 * gives the train and test accuracy of each pair.
 *
 * ```sh
 * deno run -A examples/decision_boundaries.ts [--out DIR] [--quick]
 * bun examples/decision_boundaries.ts [--out DIR] [--quick]
 * ```
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import {
  accuracy,
  adam,
  batches,
  circles,
  type Dataset,
  dense,
  EVAL,
  evaluate,
  fit,
  fromTypedArray,
  initTrain,
  type Key,
  key,
  type Layer,
  normal,
  reluLayer,
  serial,
  softmaxCrossEntropy,
  split,
  tanhLayer,
  type Tensor,
  train,
  trainTestSplit,
  type Tree,
  uniform,
  untraced,
} from "../mod.ts";
import { type Figure, gridOf, gridPoints, heatmap, sheet } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir, quick } = pictureArgs(import.meta.url);
const N = 400; // points per dataset, half for training (as the Playground's default ratio)
const VIEW = { x: [-1.4, 1.4] as const, y: [-1.4, 1.4] as const };

// --- The datasets: circle and spiral from the library, xor and gauss written here. ----------
function xor(k: Key, n: number): Dataset {
  const [kp, kz] = split(k);
  const p = uniform(kp, [n, 2], { min: -1, max: 1, dtype: "float64" }).data;
  const z = normal(kz, [n, 2], { std: 0.05, dtype: "float64" }).data;
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // keep a margin around the axes, as the Playground does
    const px = p[2 * i] + Math.sign(p[2 * i]) * 0.1;
    const py = p[2 * i + 1] + Math.sign(p[2 * i + 1]) * 0.1;
    x[2 * i] = px + z[2 * i];
    x[2 * i + 1] = py + z[2 * i + 1];
    y[i] = px * py > 0 ? 1 : 0;
  }
  return { x: fromTypedArray(x, [n, 2]), y: fromTypedArray(y, [n]) };
}

function gauss(k: Key, n: number): Dataset {
  const z = normal(k, [n, 2], { std: 0.3, dtype: "float64" }).data;
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i & 1;
    const centre = c ? 0.5 : -0.5;
    x[2 * i] = centre + z[2 * i];
    x[2 * i + 1] = centre + z[2 * i + 1];
    y[i] = c;
  }
  return { x: fromTypedArray(x, [n, 2]), y: fromTypedArray(y, [n]) };
}

/** Two interleaved arms of 1.75 turns each, radius up to 1.2, as in the Playground. */
function spiral(k: Key, n: number): Dataset {
  const z = normal(k, [n, 2], { std: 0.04, dtype: "float64" }).data;
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i & 1;
    const t = Math.floor(i / 2) / (n / 2);
    const angle = 1.75 * 2 * Math.PI * t + c * Math.PI;
    x[2 * i] = 1.2 * t * Math.sin(angle) + z[2 * i];
    x[2 * i + 1] = 1.2 * t * Math.cos(angle) + z[2 * i + 1];
    y[i] = c;
  }
  return { x: fromTypedArray(x, [n, 2]), y: fromTypedArray(y, [n]) };
}

const [dataKey, splitKey, initKey, shuffleKey] = split(key(2016), 4);
const [k1, k2, k3, k4] = split(dataKey, 4);
// Epochs per dataset: the spiral takes longer to learn than the other three.
const [short, long] = quick ? [40, 100] : [100, 300];
const datasets: [string, Dataset, number][] = [
  ["circle", circles(k1, N, { noise: 0.08, factor: 0.5 }), short],
  ["xor", xor(k2, N), short],
  ["gauss", gauss(k3, N), short],
  ["spiral", spiral(k4, N), long],
];

// --- The networks: a list of layers each, so the hidden activations can be read off. --------
const networks: [string, () => Layer<Tree, Tree>[]][] = [
  ["no hidden layer", () => [dense(2)]],
  ["tanh 4-4", () => [dense(4), tanhLayer(), dense(4), tanhLayer(), dense(2)]],
  ["ReLU 8-8", () => [dense(8), reluLayer(), dense(8), reluLayer(), dense(2)]],
  [
    "tanh 8-8-8",
    () => [dense(8), tanhLayer(), dense(8), tanhLayer(), dense(8), tanhLayer(), dense(2)],
  ],
] as [string, () => Layer<Tree, Tree>[]][];

// Forward code outside training runs on untraced primitives (nothing is recorded).
const plain = untraced();
const GRID = { ...VIEW, cols: 90 };
const gridX = fromTypedArray(gridPoints(GRID), [GRID.cols * GRID.cols, 2]);

/** Runs the grid through the layers one by one: every layer's output. */
function activations(layers: Layer<Tree, Tree>[], params: Tree[], state: Tree[]) {
  const outs: Tensor[] = [];
  let h = gridX;
  layers.forEach((layer, i) => {
    h = layer.apply(plain, params[i], state[i], h, EVAL).y;
    outs.push(h);
  });
  return outs;
}

/** P(class 1) from two logits per row. */
function probability(logits: Tensor): Float64Array {
  const n = logits.shape[0];
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = 1 / (1 + Math.exp(logits.data[2 * i] - logits.data[2 * i + 1]));
  }
  return p;
}

/** Column j of a [n, units] tensor. */
const column = (t: Tensor, j: number) =>
  Float64Array.from({ length: t.shape[0] }, (_, i) => t.data[i * t.shape[1] + j]);

const ORANGE = "#f59322";
const BLUE = "#0877bd";
const pale = { colors: ["#f7b76c", "#ffffff", "#5fa3d6"] } as const;
const points = (d: Dataset) => ({
  x: Array.from({ length: d.y.shape[0] }, (_, i) => d.x.data[2 * i]),
  y: Array.from({ length: d.y.shape[0] }, (_, i) => d.x.data[2 * i + 1]),
  label: Array.from(d.y.data),
});

const overview: Figure[] = [];
const detail: Record<string, Figure> = {};
console.log(`${"dataset".padEnd(8)}${"network".padEnd(18)}train acc  test acc`);
const started = performance.now();
for (const [dsName, data, epochs] of datasets) {
  const { train: trainSet, test } = trainTestSplit(splitKey, data, 0.5);
  let best: {
    acc: number;
    name: string;
    layers: Layer<Tree, Tree>[];
    params: Tree[];
    state: Tree[];
  } | undefined;
  for (const [netName, build] of networks) {
    const layers = build();
    const model = serial(...layers);
    const optimizer = adam(0.01);
    const last = await lastValueFrom(
      fit(
        initTrain(model, optimizer, initKey, [2]),
        batches(trainSet, { batchSize: 20, shuffle: shuffleKey, epochs }),
        train({ model, loss: softmaxCrossEntropy, optimizer }),
      ),
    );
    const trainAcc = evaluate(model, last.state, trainSet, { metrics: { accuracy } }).accuracy;
    const testAcc = evaluate(model, last.state, test, { metrics: { accuracy } }).accuracy;
    console.log(
      `${dsName.padEnd(8)}${netName.padEnd(18)}${(100 * trainAcc).toFixed(1).padStart(8)}%${
        (100 * testAcc).toFixed(1).padStart(9)
      }%`,
    );
    const params = last.state.params as Tree[];
    const state = last.state.modelState as Tree[];
    const outs = activations(layers, params, state);
    overview.push(
      heatmap(gridOf(probability(outs[outs.length - 1]), GRID), {
        title: `${dsName}, ${netName}: test ${(100 * testAcc).toFixed(0)}%`,
        width: 260,
        height: 250,
        axes: false,
        domain: [0, 1],
        color: pale,
        contours: [0.5],
        points: points(test),
        pointColors: [ORANGE, BLUE],
        pointRadius: 2.5,
      }),
    );
    if (best === undefined || testAcc > best.acc + 1e-9) {
      best = { acc: testAcc, name: netName, layers, params, state };
    }
  }
  // The best network's neurons: after each activation layer, one small heatmap per unit.
  const outs = activations(best!.layers, best!.params, best!.state);
  const rows: Figure[] = [];
  best!.layers.forEach((_, i) => {
    // Activation layers are the ones without parameters.
    if (i === best!.layers.length - 1 || best!.params[i] !== null) return;
    const h = outs[i];
    const relu = best!.name.startsWith("ReLU");
    const units = Array.from({ length: h.shape[1] }, (_, j) => {
      const v = column(h, j);
      const hi = relu ? Math.max(1e-6, ...v) : 1;
      return heatmap(gridOf(v, GRID), {
        title: `layer ${(i + 1) / 2} unit ${j + 1}`,
        width: 110,
        height: 116,
        axes: false,
        domain: [relu ? -hi : -1, hi],
        color: pale,
      });
    });
    rows.push(sheet(units, { gap: 4 }));
  });
  const output = heatmap(gridOf(probability(outs[outs.length - 1]), GRID), {
    title: `output (test ${(100 * best!.acc).toFixed(0)}%)`,
    width: 320,
    height: 310,
    axes: false,
    domain: [0, 1],
    color: pale,
    contours: [0.5],
    points: points(data),
    pointColors: [ORANGE, BLUE],
    pointRadius: 2.5,
  });
  detail[`${dsName}_neurons`] = sheet(
    rows.length > 0 ? [sheet(rows, { columns: 1, gap: 6 }), output] : [output],
    { title: `${dsName}: ${best!.name}, every hidden unit and the output`, gap: 16 },
  );
}
console.log(
  `\n${datasets.length * networks.length} networks trained in ${
    ((performance.now() - started) / 1000).toFixed(1)
  }s`,
);

await writeFigures(dir, {
  overview: sheet(overview, {
    columns: networks.length,
    title: "Decision boundaries: P(blue) over the plane, test points on top",
  }),
  ...detail,
});
