/**
 * The initialisation playground: what the starting weights do to a deep network.
 *
 * Two networks of 8 hidden layers × 32 units, one with tanh and one with ReLU, start from five
 * initialisations: zeros, small (N(0, 0.01²)), large (N(0, 1)), Xavier (Glorot normal,
 * variance 2/(fan_in + fan_out)) and He (variance 2/fan_in). For each, the script prints the
 * spread (standard deviation) of every layer's activations on the data at initialisation and
 * draws their histograms, layer by layer; then it trains each network on two moons with Adam
 * and draws the decision boundary it reaches, printing the loss at the start and the accuracy
 * at the end.
 *
 * What to look for: zeros never break the symmetry (every unit computes the same thing, and the
 * hidden layers get no gradient at all), small weights shrink the signal towards 0 layer by
 * layer, large weights saturate tanh at ±1 and blow ReLU's activations up (and start with a
 * huge loss), Xavier keeps tanh's spread steady and He keeps ReLU's.
 *
 * ```sh
 * deno run -A examples/initialization.ts [--out DIR] [--quick]
 * bun examples/initialization.ts [--out DIR] [--quick]
 * ```
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import {
  accuracy,
  adam,
  batches,
  dense,
  EVAL,
  evaluate,
  featureStats,
  fit,
  fromTypedArray,
  glorotNormal,
  heNormal,
  type Initializer,
  initTrain,
  item,
  key,
  type Layer,
  normal,
  reluLayer,
  serial,
  softmaxCrossEntropy,
  split,
  standardize,
  tanhLayer,
  type Tensor,
  train,
  type Tree,
  twoMoons,
  untraced,
  zerosInit,
} from "../mod.ts";
import { type Figure, gridOf, gridPoints, heatmap, histogram, sheet } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir, quick } = pictureArgs(import.meta.url);
const DEPTH = 8;
const WIDTH = 32;
const EPOCHS = quick ? 15 : 40;
const SHOWN = [1, 2, 4, 6, 8]; // the layers whose histograms are drawn

const constantStd = (std: number): Initializer => (k, shape, o) =>
  normal(k, shape, { std, dtype: o?.dtype });
const inits: [string, Initializer][] = [
  ["zeros", zerosInit],
  ["small", constantStd(0.01)],
  ["large", constantStd(1)],
  ["Xavier", glorotNormal],
  ["He", heNormal],
];
const activations: [string, () => Layer<null, null>][] = [["tanh", tanhLayer], ["ReLU", reluLayer]];

const [dataKey, initKey, shuffleKey] = split(key(5), 3);
const raw = twoMoons(dataKey, 500, { noise: 0.15 });
const stats = featureStats(raw.x);
const data = { x: standardize(raw.x, stats), y: raw.y };

function network(act: () => Layer<null, null>, init: Initializer): Layer<Tree, Tree>[] {
  const layers: Layer<Tree, Tree>[] = [];
  for (let l = 0; l < DEPTH; l++) {
    layers.push(dense(WIDTH, { init }) as Layer<Tree, Tree>, act() as Layer<Tree, Tree>);
  }
  layers.push(dense(2, { init }) as Layer<Tree, Tree>);
  return layers;
}

/** The output of every layer, in order, for input x. */
function outputs(layers: Layer<Tree, Tree>[], params: Tree[], state: Tree[], x: Tensor): Tensor[] {
  const outs: Tensor[] = [];
  let h = x;
  layers.forEach((layer, i) => {
    h = layer.apply(plain, params[i], state[i], h, EVAL).y;
    outs.push(h);
  });
  return outs;
}

const std = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
  return Math.sqrt(v / a.length);
};

// Forward code outside training runs on untraced primitives (nothing is recorded).
const plain = untraced();
const xs = Array.from({ length: 500 }, (_, i) => data.x.data[2 * i]);
const ys = Array.from({ length: 500 }, (_, i) => data.x.data[2 * i + 1]);
const view = {
  x: [Math.min(...xs) - 0.3, Math.max(...xs) + 0.3] as const,
  y: [Math.min(...ys) - 0.3, Math.max(...ys) + 0.3] as const,
  cols: 60,
};
const grid = fromTypedArray(gridPoints(view), [view.cols * view.cols, 2]);

const figures: Record<string, Figure> = {};
const boundaries: Figure[] = [];
const started = performance.now();
for (const [actName, act] of activations) {
  const panels: Figure[] = [];
  console.log(`\n${actName}: activation std per layer at initialisation (layers 1..${DEPTH})`);
  for (const [initName, init] of inits) {
    const layers = network(act, init);
    const model = serial(...layers);
    const optimizer = adam(0.005);
    const start = initTrain(model, optimizer, initKey, [2]);
    const outs = outputs(layers, start.params as Tree[], start.modelState as Tree[], data.x);
    const hidden = Array.from({ length: DEPTH }, (_, l) => outs[2 * l + 1].data);
    console.log(
      `  ${initName.padEnd(7)} ${hidden.map((h) => std(h).toExponential(1).padStart(8)).join("")}`,
    );
    panels.push(
      histogram(
        SHOWN.map((l) => ({
          name: `layer ${l}`,
          values: hidden[l - 1],
          color: actName === "tanh" ? "#f28e2b" : "#4e79a7",
        })),
        {
          title: `${actName}, ${initName}`,
          layout: "rows",
          measure: "fraction",
          bins: 30,
          xLabel: "activation",
          width: 300,
          height: 420,
          xDomain: actName === "tanh" ? [-1, 1] : undefined,
          margins: { left: 44 },
        },
      ),
    );
    // Train it, then draw where it ended.
    const startLoss = item(softmaxCrossEntropy(plain, outs[outs.length - 1], data.y));
    const last = await lastValueFrom(
      fit(
        start,
        batches(data, { batchSize: 50, shuffle: shuffleKey, epochs: EPOCHS }),
        train({ model, loss: softmaxCrossEntropy, optimizer }),
      ),
    );
    const acc = evaluate(model, last.state, data, { metrics: { accuracy } }).accuracy;
    console.log(
      `  ${"".padEnd(7)} loss at start ${
        startLoss.toExponential(2)
      }, training accuracy after ${EPOCHS} epochs ${(100 * acc).toFixed(1)}%`,
    );
    const logits = outputs(
      layers,
      last.state.params as Tree[],
      last.state.modelState as Tree[],
      grid,
    ).at(-1)!;
    const p = Float64Array.from(
      { length: grid.shape[0] },
      (_, i) => 1 / (1 + Math.exp(logits.data[2 * i] - logits.data[2 * i + 1])),
    );
    boundaries.push(
      heatmap(gridOf(p, view), {
        title: `${actName}, ${initName}: ${(100 * acc).toFixed(0)}%`,
        width: 230,
        height: 200,
        axes: false,
        domain: [0, 1],
        color: { colors: ["#f7b76c", "#ffffff", "#5fa3d6"] },
        contours: [0.5],
        points: { x: xs, y: ys, label: Array.from(data.y.data) },
        pointColors: ["#f59322", "#0877bd"],
        pointRadius: 1.8,
      }),
    );
  }
  figures[`histograms_${actName.toLowerCase()}`] = sheet(panels, {
    title:
      `Activations per layer at initialisation, ${DEPTH} × ${WIDTH} ${actName} network (fraction per bin)`,
  });
}
figures.boundaries = sheet(boundaries, {
  columns: inits.length,
  title: `Where training (Adam, ${EPOCHS} epochs) ends from each initialisation`,
});
console.log(
  `\n${inits.length * activations.length} networks in ${
    ((performance.now() - started) / 1000).toFixed(1)
  }s`,
);

await writeFigures(dir, figures);
