/**
 * The universal approximation theorem, seen on a screen.
 *
 * The theorem (Cybenko 1989 for sigmoids; Hornik 1991 for any bounded non-constant
 * activation; Leshno et al. 1993 for any non-polynomial one) says that a network with ONE
 * hidden layer,
 *
 *     f(x) = Σⱼ vⱼ · tanh(wⱼ·x + bⱼ) + c,
 *
 * can approximate any continuous function on a closed interval as closely as you like, given
 * enough hidden units. Each unit contributes one smooth step, bending at x = −bⱼ/wⱼ; enough
 * steps, scaled by vⱼ and added up, trace any curve.
 *
 * The theorem promises that good weights exist. It does not say how many units you need, nor
 * that gradient descent will find the weights. This script shows both halves of that story on
 * g(x) = sin(3x) over [-π, π] (three full waves): it fits networks of 2, 8 and 32 hidden units
 * by plain full-batch gradient descent, printing the loss as it falls and, at the end, the worst
 * error anywhere on the interval. Two units cannot follow six bumps; eight follow some of them
 * (from this start, in this many steps); thirty-two trace the whole curve closely. More units
 * both enlarge what the network can represent and give gradient descent more ways to get there.
 *
 * It draws the three fits over the target (`fits.svg`/`.png`) and the loss per step of each
 * width on a log scale (`loss.svg`/`.png`), under `out/universal_approximation/` unless
 * `--out DIR` says otherwise.
 *
 * Run it with `deno run -A examples/universal_approximation.ts` or
 * `bun examples/universal_approximation.ts`. It takes a few seconds.
 *
 * @module
 */

import {
  dense,
  EVAL,
  fromTypedArray,
  type Initializer,
  key,
  meanSquaredError,
  normal,
  serial,
  tanhLayer,
  type Tensor,
  treeMap,
  uniform,
  untraced,
  valueAndGrad,
  zerosInit,
} from "../mod.ts";
import { lineChart, type Series } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir } = pictureArgs(import.meta.url);

// --- 1. The data: 128 points of g(x) = sin(3x) on [-π, π], as a batch of 1-vectors. --------

const N = 128;
const xs = new Float32Array(N);
const ys = new Float32Array(N);
for (let i = 0; i < N; i++) {
  xs[i] = -Math.PI + (2 * Math.PI * i) / (N - 1);
  ys[i] = Math.sin(3 * xs[i]);
}
const x = fromTypedArray(xs, [N, 1]); // shape [batch, features] = [128, 1]
const target = fromTypedArray(ys, [N, 1]);

// --- 2. Where the hidden units start. ------------------------------------------------------
// Slopes wⱼ ~ N(0, 3²) make each tanh step about as sharp as a bump of sin(3x), and offsets
// bⱼ ~ U(-3π, 3π) put its bend −bⱼ/wⱼ somewhere across [-π, π]. The output weights start at
// zero, so every network begins as f(x) = 0 and first learns how to mix its random steps.

const slopes: Initializer = (k, shape, options) =>
  normal(k, shape, { std: 3, dtype: options?.dtype });
const offsets: Initializer = (k, shape, options) =>
  uniform(k, shape, { min: -3 * Math.PI, max: 3 * Math.PI, dtype: options?.dtype });

// --- 3. Gradient descent, written out: every parameter moves against its gradient. ---------

const STEPS = 8000;
const ETA = 0.05; // the learning rate η

/** One step of w ← w − η·∂L/∂w, for one parameter tensor. */
function descend(w: Tensor, grad: Tensor): Tensor {
  const next = new Float32Array(w.data.length);
  for (let i = 0; i < next.length; i++) next[i] = w.data[i] - ETA * grad.data[i];
  return fromTypedArray(next, w.shape);
}

// --- 4. Fit one network per width and report. ----------------------------------------------

const fits: Series[] = [];
const curves: Series[] = [];
for (const width of [2, 8, 32]) {
  // x ↦ tanh(x·W₁ + b₁) ↦ ·W₂ + b₂: one hidden layer of `width` tanh units, a linear output.
  const model = serial(
    dense(width, { init: slopes, biasInit: offsets }),
    tanhLayer(),
    dense(1, { init: zerosInit }),
  );
  const start = model.init(key(42), [1]);
  const state = start.state; // [null, null, null]: none of these layers keeps state
  let params = start.params; // [{ w, b }, null, { w, b }]

  const losses: string[] = [];
  const steps: number[] = [];
  const curve: number[] = [];
  for (let step = 0; step <= STEPS; step++) {
    // Forward and backward in one call: the loss of the predictions, and its gradient with
    // respect to every parameter, composed from the primitives' pullbacks by the trace.
    const [loss, grads] = valueAndGrad(
      (t, p) => meanSquaredError(t, model.apply(t, p, state, x, EVAL).y, target),
      params,
    );
    if (step % 2000 === 0) losses.push(loss.toFixed(4));
    if (step < 100 || step % 20 === 0) {
      steps.push(step + 1); // step + 1: a log axis has no 0
      curve.push(loss);
    }
    if (step === STEPS) break;
    // Then step every leaf against its gradient.
    params = treeMap(descend, params, grads);
  }

  // The worst error over the whole grid: how far the curve strays from sin(3x) anywhere.
  const { y } = model.apply(untraced(), params, state, x, EVAL);
  let maxError = 0;
  for (let i = 0; i < N; i++) maxError = Math.max(maxError, Math.abs(y.data[i] - ys[i]));

  console.log(`${String(width).padStart(2)} hidden units`);
  console.log(`   loss every 2000 steps: ${losses.join(" → ")}`);
  console.log(`   max |f(x) − sin(3x)| = ${maxError.toFixed(3)}`);
  const label = `${width} units (max error ${maxError.toFixed(2)})`;
  fits.push({ name: label, x: xs, y: y.data });
  curves.push({ name: `${width} units`, x: steps, y: curve });
}

// --- 5. The pictures: each fit over the target, and the losses as they fell. ---------------

await writeFigures(dir, {
  fits: lineChart([{ name: "sin(3x)", x: xs, y: ys, color: "black", dashed: true }, ...fits], {
    title: "One hidden tanh layer fitting sin(3x)",
    xLabel: "x",
    yLabel: "f(x)",
    width: 760,
    height: 400,
    xDomain: [-Math.PI, Math.PI],
  }),
  loss: lineChart(curves, {
    title: "Mean squared error during gradient descent",
    xLabel: "step",
    yLabel: "loss",
    logX: true,
    logY: true,
    width: 640,
    height: 380,
  }),
});
