/**
 * Vanishing and exploding gradients in a deep network: 15 hidden layers of 32 units on three
 * spiral arms, with sigmoid (Xavier initialisation), tanh (Xavier), ReLU with He
 * initialisation, and ReLU with He × 1.5 (too large by a constant factor).
 *
 * Backpropagation multiplies the gradient by Wᵀ·diag(f′(z)) once per layer. σ′ is at most
 * 1/4, so through n sigmoid layers the gradient shrinks like (1/4)ⁿ times the weights' norms:
 * the first layers of a sigmoid network barely learn. tanh′(0) = 1 loses much less; ReLU with
 * He's variance 2/fan_in keeps the norm level; 1.5 × He's standard deviation multiplies the
 * signal by about 1.5 per layer, and the gradient grows as it travels back.
 *
 * Prints, on the whole training set, the norm of each layer's weight gradient ∂L/∂W and of the
 * backward signal ∂L/∂a reaching each layer's output at initialisation, the measured factor
 * per layer beside σ′'s 1/4, and the weight-gradient norms and losses as Adam trains each
 * network. Draws them: a log-scale bar chart of ∂L/∂W at initialisation, the backward signals
 * beside the (1/4)ⁿ line, ∂L/∂W per layer during training, and the loss curves.
 *
 * Why both: ∂L/∂W_l = a_{l-1}ᵀ·δ_l multiplies the forward activations by the backward signal.
 * With 1.5 × He the first grows about ×1.5 per layer forward and the second about ×1.5 per
 * layer back, so every layer's weight gradient is far too large at once, while ∂L/∂a shows the
 * growth layer by layer.
 *
 * ```sh
 * deno run -A examples/vanishing_gradients.ts [--out DIR] [--quick]
 * bun examples/vanishing_gradients.ts [--out DIR] [--quick]
 * ```
 *
 * @module
 */

import { lastValueFrom, toArray } from "rxjs";
import {
  adam,
  batches,
  computeFans,
  type Dataset,
  dense,
  type DenseParams,
  epochSummaries,
  EVAL,
  fit,
  glorotNormal,
  heNormal,
  type Initializer,
  initTrain,
  key,
  type Layer,
  normal,
  reluLayer,
  serial,
  sigmoidLayer,
  softmaxCrossEntropy,
  spirals,
  split,
  tanhLayer,
  type Tensor,
  train,
  type Tree,
  valueAndGrad,
  vjp,
} from "../mod.ts";
import { barChart, type Figure, lineChart, type Series, sheet } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir, quick } = pictureArgs(import.meta.url);
const DEPTH = 15;
const WIDTH = 32;
const EPOCHS = quick ? 8 : 30;
const CHECKPOINTS = quick ? [0, 1, 4, 8] : [0, 1, 5, 15, 30];

const heTimes = (c: number): Initializer => (k, shape, o) =>
  normal(k, shape, { std: c * Math.sqrt(2 / computeFans(shape).fanIn), dtype: o?.dtype });

const configs: { name: string; act: () => Layer<null, null>; init: Initializer; color: string }[] =
  [
    { name: "sigmoid, Xavier", act: sigmoidLayer, init: glorotNormal, color: "#e15759" },
    { name: "tanh, Xavier", act: tanhLayer, init: glorotNormal, color: "#f28e2b" },
    { name: "ReLU, He", act: reluLayer, init: heNormal, color: "#4e79a7" },
    { name: "ReLU, He × 1.5", act: reluLayer, init: heTimes(1.5), color: "#b07aa1" },
  ];

const [dataKey, initKey, shuffleKey] = split(key(11), 3);
const data: Dataset = spirals(dataKey, 600, { classes: 3, noise: 0.15 });

function deepNet(act: () => Layer<null, null>, init: Initializer) {
  const layers: Layer<Tree, Tree>[] = [];
  for (let l = 0; l < DEPTH; l++) {
    layers.push(dense(WIDTH, { init }) as Layer<Tree, Tree>, act() as Layer<Tree, Tree>);
  }
  layers.push(dense(3, { init }) as Layer<Tree, Tree>);
  return { layers, model: serial(...layers) };
}

const norm = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
};

/**
 * Backpropagation on the whole dataset, layer by layer: for each hidden layer l, the norm of
 * its weight gradient ∂L/∂W_l and of the backward signal ∂L/∂a_l reaching its output a_l.
 */
function gradientNorms(layers: Layer<Tree, Tree>[], params: Tree, state: Tree) {
  const ps = params as Tree[];
  const ss = state as Tree[];
  // One vjp per layer (its parameters and its input differentiated), so the backward signal
  // between layers can be read off as it passes: backpropagation as the lecture draws it.
  const vjps: ((dy: Tensor) => { params: Tree; x: Tensor })[] = [];
  let h = data.x;
  layers.forEach((layer, i) => {
    const [y, pullback] = vjp(
      (t, p: { params: Tree; x: Tensor }) => layer.apply(t, p.params, ss[i], p.x, EVAL).y,
      { params: ps[i], x: h },
    );
    vjps.push(pullback);
    h = y;
  });
  // The cotangent of the last layer's output: the loss's gradient with respect to it.
  let g = valueAndGrad((t, y) => softmaxCrossEntropy(t, y, data.y), h)[1];
  const weights = new Array<number>(DEPTH);
  const signal = new Array<number>(DEPTH);
  for (let i = layers.length - 1; i >= 0; i--) {
    // here g = ∂L/∂(output of layer i); layer 2l + 1 is hidden layer l's activation
    if (i % 2 === 1) signal[(i - 1) / 2] = norm(g.data);
    const pulled = vjps[i](g);
    if (i % 2 === 0 && i < 2 * DEPTH) weights[i / 2] = norm((pulled.params as DenseParams).w.data);
    g = pulled.x;
  }
  return { weights, signal };
}

const layerAxis = Array.from({ length: DEPTH }, (_, l) => l + 1);
const atInit: number[][] = [];
const signalAtInit: number[][] = [];
const duringTraining: Figure[] = [];
const losses: Series[] = [];
const started = performance.now();
console.log(`weight-gradient norm per layer at initialisation (layer 1 = next to the input)`);
for (const c of configs) {
  const { layers, model } = deepNet(c.act, c.init);
  const optimizer = adam(1e-3);
  const initial = initTrain(model, optimizer, initKey, [2]);
  const norms = gradientNorms(layers, initial.params, initial.modelState);
  const init = norms.weights;
  atInit.push(init);
  signalAtInit.push(norms.signal);
  console.log(`  ${c.name.padEnd(16)} ${init.map((v) => v.toExponential(1)).join(" ")}`);
  const history = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 32, shuffle: shuffleKey, epochs: EPOCHS }),
      train({ model, loss: softmaxCrossEntropy, optimizer }),
    ).pipe(epochSummaries(), toArray()),
  );
  const series: Series[] = [{ name: "init", x: layerAxis, y: init, dots: true }];
  for (const e of CHECKPOINTS.slice(1)) {
    const s = history[e - 1].state;
    series.push({
      name: `epoch ${e}`,
      x: layerAxis,
      y: gradientNorms(layers, s.params, s.modelState).weights,
      dots: true,
    });
  }
  duringTraining.push(
    lineChart(series, {
      title: c.name,
      xLabel: "layer",
      yLabel: "‖∂L/∂W‖",
      logY: true,
      width: 420,
      height: 300,
      yDomain: [1e-12, 1e2],
    }),
  );
  losses.push({
    name: c.name,
    x: history.map((s) => s.epoch + 1),
    y: history.map((s) => s.trainLoss),
    color: c.color,
  });
  console.log(
    `  ${"".padEnd(16)} training loss: epoch 1 ${
      history[0].trainLoss.toFixed(3)
    }, epoch ${EPOCHS} ` +
      `${history[EPOCHS - 1].trainLoss.toFixed(3)}`,
  );
}

// The backward signal's change per layer, as a geometric mean over the 15 layers.
const perLayer = (n: number[]) => (n[0] / n[DEPTH - 1]) ** (1 / (DEPTH - 1));
console.log(`\n‖∂L/∂a_l‖ at init, factor per layer going back (geometric mean, layer 15 → 1):`);
configs.forEach((c, i) => {
  const n = signalAtInit[i];
  console.log(
    `  ${c.name.padEnd(16)} ${perLayer(n).toFixed(3)}   (layer 15 ${
      n[DEPTH - 1].toExponential(2)
    }, ` +
      `layer 1 ${n[0].toExponential(2)})`,
  );
});
console.log(`  sigmoid's bound from σ′ ≤ 1/4 alone (unit-norm weights): 0.250 per layer`);
const sigmoidSignal = signalAtInit[0];
const bound = layerAxis.map((l) => sigmoidSignal[DEPTH - 1] * 0.25 ** (DEPTH - l));
console.log(
  `\n${configs.length} networks trained for ${EPOCHS} epochs in ${
    ((performance.now() - started) / 1000).toFixed(1)
  }s`,
);

await writeFigures(dir, {
  init_bars: barChart(
    configs.flatMap((c, i) =>
      layerAxis.map((l) => ({ label: String(l), value: atInit[i][l - 1], group: c.name }))
    ),
    {
      title: `Weight-gradient norm per layer at initialisation (${DEPTH} × ${WIDTH}, spirals)`,
      xLabel: "layer (1 = next to the input)",
      yLabel: "‖∂L/∂W‖",
      logY: true,
      width: 900,
      height: 380,
      colors: configs.map((c) => c.color),
    },
  ),
  sigmoid_bound: lineChart(
    [
      ...configs.map((c, i) => ({
        name: c.name,
        x: layerAxis,
        y: signalAtInit[i],
        color: c.color,
        dots: true,
      })),
      { name: "(1/4)ⁿ from layer 15", x: layerAxis, y: bound, color: "black", dashed: true },
    ],
    {
      title: "The backward signal ‖∂L/∂a‖ per layer at initialisation; σ′ ≤ 1/4 gives (1/4)ⁿ",
      xLabel: "layer (1 = next to the input)",
      yLabel: "‖∂L/∂a‖",
      logY: true,
      width: 760,
      height: 400,
    },
  ),
  during_training: sheet(duringTraining, {
    columns: 2,
    title: "Gradient norm per layer as Adam trains",
  }),
  loss: lineChart(losses, {
    title: "Training loss (Adam, η = 1e-3)",
    xLabel: "epoch",
    yLabel: "cross-entropy",
    width: 640,
    height: 360,
  }),
});
