/**
 * Autoencoders on MNIST, three ways (`--mode`):
 *
 * - `plain`: 784-256-32-256-784 (ReLU; the 32-d code is linear), trained to reproduce its input;
 * - `denoising`: the same network behind a corruption layer (`--noise masking:0.5`, the
 *   default: half the pixels set to 0, or `gaussian:0.5`: noise of standard deviation 0.5),
 *   drawn from the step's key while training and off at evaluation, trained to give back the
 *   clean image;
 * - `sparse`: one wide sigmoid layer 784-400-784 whose mean activations are pulled towards
 *   `--target 0.05` by the KL penalty of `activitySparsity` (weight `--beta 1`), added to the
 *   loss as the auxiliary term `sparsity`, which the training line and `evaluate` report.
 *
 * ```sh
 * deno run --allow-read --allow-write=out --allow-ffi examples/autoencoder.ts --mode denoising
 * bun examples/autoencoder.ts --mode sparse --quick
 * ```
 *
 * The loss is the Bernoulli negative log-likelihood of the pixel intensities (`bernoulliNll`:
 * binary cross-entropy on the decoder's logits, summed over the 784 pixels, in nats per image),
 * the intensities in [0, 1] read as probabilities, as PyTorch's VAE example does. At the end it
 * prints the test reconstruction error (that loss, and the mean squared error per pixel of the
 * reconstruction σ(logits)); for `denoising` from corrupted test images (one fixed draw) as
 * well as clean ones; for `sparse` the units' mean activations. It writes an image grid to
 * `--out` (default `out/autoencoder_<mode>/`): test images, their corrupted versions
 * (denoising) and the reconstructions; for `sparse` also the 100 first units' input weights
 * as images (the features the sparse code learnt).
 *
 * Flags: `--epochs N` (default 10; `--quick`: 2 epochs on 10,000 images), `--code K` (default
 * 32), `--seed N`, `--out DIR`, and the mode's own above.
 *
 * @module
 */

import { join } from "node:path";
import { lastValueFrom, tap } from "rxjs";
import {
  activitySparsity,
  adam,
  batches,
  bernoulliNll,
  dense,
  epochSummaries,
  EVAL,
  evaluate,
  fit,
  gaussianNoise,
  initTrain,
  key,
  type Layer,
  maskingNoise,
  reluLayer,
  serial,
  sigmoidLayer,
  split,
  type Tensor,
  train,
  trainContext,
  type Tree,
  untraced,
} from "../mod.ts";
import { type Figure, imageGrid } from "../src/plot/mod.ts";
import { writeFigures } from "./_pictures.ts";
import { digitRows, mapBatches, rows } from "./_autoencoder_common.ts";
import { exampleArgs } from "./_args.ts";
import { exampleMnist } from "./_mnist.ts";

// --- Options. ---------------------------------------------------------------------------------
const args = exampleArgs(import.meta.url);
const mode = args.string("--mode", "plain");
if (mode !== "plain" && mode !== "denoising" && mode !== "sparse") {
  throw new RangeError(`${args.name}: --mode takes plain, denoising or sparse, got ${mode}`);
}
const quick = args.has("--quick");
const epochs = args.int("--epochs", quick ? 2 : 10, 1);
const codeSize = args.int("--code", 32, 1);
const seed = args.int("--seed", 0, 0);
const outDir = args.string("--out", join("out", `autoencoder_${mode}`));
const [noiseKind, noiseLevel] = args.string("--noise", "masking:0.5").split(":");
const target = Number(args.string("--target", "0.05"));
const beta = Number(args.string("--beta", "1"));

// --- Data: the images are the inputs and the targets. ------------------------------------------
const mnist = await exampleMnist({ trainRows: quick ? 10000 : undefined });
const images = mnist.train.x;
const testImages = mnist.test.x;

// --- Models: an autoencoder (encoder, decoder to logits) and what training runs. ------------
const corruption = mode !== "denoising"
  ? undefined
  : noiseKind === "gaussian"
  ? gaussianNoise(Number(noiseLevel))
  : noiseKind === "masking"
  ? maskingNoise(Number(noiseLevel))
  : undefined;
if (mode === "denoising" && corruption === undefined) {
  throw new RangeError(
    `${args.name}: --noise takes masking:RATE or gaussian:STDDEV, got ${noiseKind}`,
  );
}
const autoencoder: Layer<Tree, Tree> = mode === "sparse"
  ? serial(dense(400), sigmoidLayer(), activitySparsity({ target, weight: beta }), dense(784))
  : serial(dense(256), reluLayer(), dense(codeSize), dense(256), reluLayer(), dense(784));
// The corruption runs first while training (its noise from the step's key) and is the identity
// at evaluation; the autoencoder behind it is params[1].
const model: Layer<Tree, Tree> = corruption === undefined
  ? autoencoder
  : serial(corruption, autoencoder);
const optimizer = adam(1e-3);
const [initKey, shuffleKey, noiseKey] = split(key(seed), 3);
const initial = initTrain(model, optimizer, initKey, [784]);
const t = untraced(initial.backend);
const aeOf = (p: Tree) => (corruption === undefined ? p : (p as Tree[])[1]);
const aeState = (s: Tree) => (corruption === undefined ? s : (s as Tree[])[1]);

// --- Training: the library's train() stage (forward, backward, step) per batch. ---------------
console.log(`autoencoder (${mode}), ${initial.backend.description}`);
const last = await lastValueFrom(
  fit(
    initial,
    batches({ x: images, y: images }, { batchSize: 128, shuffle: shuffleKey, epochs }),
    train({ model, loss: bernoulliNll, optimizer }),
  ).pipe(
    epochSummaries(),
    tap((s) => {
      const terms = mode === "sparse" ? ` + sparsity ${s.train.sparsity.toFixed(2)}` : "";
      console.log(
        `epoch ${s.epoch + 1}/${epochs}: train loss ${
          s.trainLoss.toFixed(2)
        } nats/image${terms}, ` +
          `${s.seconds.toFixed(1)}s, ${Math.round(s.samplesPerSec)} samples/s`,
      );
    }),
  ),
);

if (last === undefined) throw new Error("autoencoder: the run ended before its first epoch");
const { params, modelState } = last.state;

// --- Test reconstruction error: the loss (nats per image) and the squared error per pixel. ---
const reconstruct = (x: Tensor) =>
  t.sigmoid(autoencoder.apply(t, aeOf(params), aeState(modelState), x, EVAL).y);
function report(name: string, inputs: Tensor): Tensor {
  const r = evaluate(autoencoder, { params: aeOf(params), modelState: aeState(modelState) }, {
    x: inputs,
    y: testImages,
  }, { loss: bernoulliNll, backend: initial.backend });
  const out = mapBatches(inputs, 1000, reconstruct);
  let se = 0;
  for (let i = 0; i < out.data.length; i++) se += (out.data[i] - testImages.data[i]) ** 2;
  const terms = r.sparsity === undefined ? "" : `, sparsity term ${r.sparsity.toFixed(3)}`;
  console.log(
    `test reconstruction from ${name}: ${r.loss.toFixed(2)} nats per image, mean squared ` +
      `error ${(se / out.data.length).toFixed(5)} per pixel${terms}`,
  );
  return out;
}
const clean = report("clean images", testImages);
const figures: Record<string, Figure> = {};
const shown = 24;
if (corruption !== undefined) {
  // One fixed corruption of the test set: the corruption layer in training mode, its own key.
  const noisy = corruption.apply(t, null, null, testImages, trainContext(noiseKey)).y;
  const denoised = report(`corrupted images (${noiseKind} ${noiseLevel})`, noisy);
  figures.reconstructions = digitRows(
    {
      test: rows(testImages, 0, shown),
      noisy: rows(noisy, 0, shown),
      output: rows(denoised, 0, shown),
    },
    8,
    3,
    `denoising autoencoder (${noiseKind} ${noiseLevel}): test, corrupted, reconstructed`,
  );
} else {
  figures.reconstructions = digitRows(
    { test: rows(testImages, 0, shown), output: rows(clean, 0, shown) },
    8,
    3,
    `${mode} autoencoder (${mode === "sparse" ? "400 sparse units" : `code ${codeSize}`}): ` +
      `test images and reconstructions`,
  );
}
if (mode === "sparse") {
  // The hidden units' mean activations over the test set, and their input weights as images.
  const ae = aeOf(params) as Tree[];
  const hidden = mapBatches(
    testImages,
    1000,
    (x) => t.sigmoid(t.linear(x, (ae[0] as { w: Tensor }).w, (ae[0] as { b: Tensor }).b)),
  );
  const units = 400, n = testImages.shape[0];
  const means = new Float64Array(units);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < units; j++) means[j] += hidden.data[i * units + j] / n;
  }
  const average = means.reduce((a, b) => a + b, 0) / units;
  const quiet = means.filter((m) => m < 2 * target).length;
  console.log(
    `hidden units: mean activation ${average.toFixed(4)} (target ${target}); ` +
      `${quiet} of ${units} units average below ${2 * target}`,
  );
  const w = (ae[0] as { w: Tensor }).w;
  figures.features = imageGrid(
    Array.from({ length: 100 }, (_, j) => {
      const col = new Float64Array(784);
      for (let p = 0; p < 784; p++) col[p] = w.data[p * units + j];
      let lo = Infinity, hi = -Infinity;
      for (const v of col) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      return { data: col.map((v) => (v - lo) / (hi - lo || 1)), width: 28, height: 28 };
    }),
    { columns: 10, pixelSize: 2, title: "input weights of the first 100 sparse units" },
  );
}
await writeFigures(outDir, figures);
