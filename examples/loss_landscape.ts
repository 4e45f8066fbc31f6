/**
 * The loss landscape around a trained minimum, after Li et al., "Visualizing the Loss
 * Landscape of Neural Nets" (NeurIPS 2018), for a plain deep network and the same depth with
 * skip connections.
 *
 * Both networks have 12 hidden dense layers of 32 ReLU units on three spiral arms; the residual
 * one groups them in six blocks x ↦ relu(x + W₂·relu(W₁x)). After training each with Adam,
 * the script draws two random directions δ and η in parameter space, normalised filter by
 * filter as the paper prescribes (each unit's incoming weights in the direction get the norm
 * of that unit's trained weights, so the picture does not depend on the scale of the weights),
 * with biases left fixed (their directions are zero; there is no batch norm here). It then
 * evaluates the training loss L(θ* + αδ + βη) over a 41 × 41 grid of α, β ∈ [-1, 1] and draws
 * it as contours, printing the loss at the minimum and its average on circles of radius 0.25,
 * 0.5 and 1 around it (how fast it rises), and the share of the grid below twice the minimum.
 *
 * ```sh
 * deno run -A examples/loss_landscape.ts [--out DIR] [--quick]
 * bun examples/loss_landscape.ts [--out DIR] [--quick]
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
  excludeBiases,
  fit,
  fromTypedArray,
  initTrain,
  item,
  type Key,
  key,
  type Layer,
  normal,
  reluLayer,
  residual,
  serial,
  softmaxCrossEntropy,
  spirals,
  split,
  type Tensor,
  train,
  type Tree,
  treeFlatten,
  treeLeaves,
  untraced,
} from "../mod.ts";
import { contourPlot, type Figure, gridOf, gridPoints, sheet } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir, quick } = pictureArgs(import.meta.url);
const WIDTH = 32;
const BLOCKS = 6; // 12 hidden dense layers in both networks
const EPOCHS = quick ? 25 : 60;
const CELLS = quick ? 25 : 41;

const [dataKey, initKey, shuffleKey, directionKey] = split(key(2018), 4);
const data = spirals(dataKey, 600, { classes: 3, noise: 0.15 });

const plain = () => {
  const layers: Layer<Tree, Tree>[] = [];
  for (let l = 0; l < 2 * BLOCKS; l++) {
    layers.push(dense(WIDTH) as Layer<Tree, Tree>, reluLayer() as Layer<Tree, Tree>);
  }
  return serial(...layers, dense(3) as Layer<Tree, Tree>);
};
const withSkips = () => {
  // A first layer to WIDTH units, then blocks whose inner layers sum to 12 dense layers: the
  // projection and the last block's second layer trade places with the plain net's ends.
  const layers: Layer<Tree, Tree>[] = [
    dense(WIDTH) as Layer<Tree, Tree>,
    reluLayer() as Layer<Tree, Tree>,
  ];
  for (let b = 0; b < BLOCKS; b++) {
    layers.push(
      residual(serial(dense(WIDTH), reluLayer(), dense(WIDTH))) as Layer<Tree, Tree>,
      reluLayer() as Layer<Tree, Tree>,
    );
  }
  return serial(...layers, dense(3) as Layer<Tree, Tree>);
};

/**
 * A random direction with the structure of `params`, normalised per filter (Li et al. §4):
 * for a weight matrix [in, out], each column (one unit's incoming weights) gets the norm of
 * the same column of the trained weights; biases get zero.
 */
function filterNormalisedDirection(k: Key, params: Tree): Tensor[] {
  const leaves = treeLeaves(params);
  const keys = split(k, leaves.length);
  return leaves.map(({ path, value }, i) => {
    const d = new Float64Array(value.data.length);
    if (!excludeBiases(path, value)) return fromTypedArray(d, value.shape);
    const z = normal(keys[i], value.shape, { dtype: "float64" }).data;
    const [rows, cols] = [value.shape[0], value.shape[1]];
    for (let c = 0; c < cols; c++) {
      let dn = 0;
      let wn = 0;
      for (let r = 0; r < rows; r++) {
        dn += z[r * cols + c] ** 2;
        wn += value.data[r * cols + c] ** 2;
      }
      const s = Math.sqrt(wn) / Math.sqrt(dn);
      for (let r = 0; r < rows; r++) d[r * cols + c] = z[r * cols + c] * s;
    }
    return fromTypedArray(d, value.shape);
  });
}

const figures: Figure[] = [];
const started = performance.now();
console.log(
  "network      train acc  loss at θ*  mean loss at r=0.25   r=0.5   r=1.0  grid < 2×min",
);
for (const [name, build] of [["plain", plain], ["residual", withSkips]] as const) {
  const model = build();
  const optimizer = adam(2e-3);
  const last = await lastValueFrom(
    fit(
      initTrain(model, optimizer, initKey, [2]),
      batches(data, { batchSize: 32, shuffle: shuffleKey, epochs: EPOCHS }),
      train({ model, loss: softmaxCrossEntropy, optimizer }),
    ),
  );
  const { params, modelState } = last.state;
  const acc = evaluate(model, last.state, data, { metrics: { accuracy } }).accuracy;
  const [leaves, unflatten] = treeFlatten(params);
  const [k1, k2] = split(directionKey);
  const delta = filterNormalisedDirection(k1, params);
  const eta = filterNormalisedDirection(k2, params);
  const plain = untraced(); // forward only: nothing to differentiate here
  const lossAt = (a: number, b: number) => {
    const moved = unflatten(leaves.map((w, i) => {
      const out = new Float32Array(w.data.length);
      for (let j = 0; j < out.length; j++) {
        out[j] = w.data[j] + a * delta[i].data[j] + b * eta[i].data[j];
      }
      return fromTypedArray(out, w.shape);
    }));
    const { y } = model.apply(plain, moved as never, modelState as never, data.x, EVAL);
    return item(softmaxCrossEntropy(plain, y, data.y));
  };
  const spec = { x: [-1, 1] as const, y: [-1, 1] as const, cols: CELLS };
  const pts = gridPoints(spec);
  const values = Float64Array.from(
    { length: CELLS * CELLS },
    (_, i) => lossAt(pts[2 * i], pts[2 * i + 1]),
  );
  const centre = lossAt(0, 0);
  const ring = (r: number) => {
    let s = 0;
    for (let t = 0; t < 32; t++) {
      s += lossAt(r * Math.cos((2 * Math.PI * t) / 32), r * Math.sin((2 * Math.PI * t) / 32));
    }
    return s / 32;
  };
  const min = Math.min(centre, ...values);
  const flat = values.filter((v) => v < 2 * min).length / values.length;
  console.log(
    `${name.padEnd(13)}${(100 * acc).toFixed(1).padStart(8)}%${centre.toFixed(4).padStart(12)}` +
      `${ring(0.25).toFixed(3).padStart(21)}${ring(0.5).toFixed(3).padStart(8)}${
        ring(1).toFixed(3).padStart(8)
      }` +
      `${(100 * flat).toFixed(1).padStart(13)}%`,
  );
  figures.push(
    contourPlot(gridOf(values, spec), {
      title: `${name}: training loss around θ* (train accuracy ${(100 * acc).toFixed(0)}%)`,
      logScale: true,
      thresholds: [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].filter((t) => t > min),
      points: { x: [0], y: [0] },
      xLabel: "α (direction δ)",
      yLabel: "β (direction η)",
      width: 480,
      height: 440,
    }),
  );
}
console.log(
  `\n2 networks trained and ${2 * CELLS * CELLS} losses evaluated in ${
    ((performance.now() - started) / 1000).toFixed(1)
  }s`,
);

await writeFigures(dir, {
  landscapes: sheet(figures, {
    title: "Filter-normalised loss landscapes (Li et al. 2018), 12 hidden layers",
  }),
});
