/**
 * A variational autoencoder on MNIST with the architecture of PyTorch's reference example
 * (pytorch/examples, vae/main.py): encoder 784-400 (ReLU) to 20 means and 20 log-variances,
 * decoder 20-400 (ReLU)-784 logits, a Bernoulli likelihood, batches of 128, Adam 1e-3,
 * 10 epochs.
 *
 * ```sh
 * deno run --allow-read --allow-write=out --allow-ffi examples/mnist_vae.ts          # 10 epochs
 * deno run --allow-read --allow-write=out --allow-ffi examples/mnist_vae.ts --quick  # a look
 * bun examples/mnist_vae.ts --latent 2 --epochs 20          # a 2-d code, and its picture
 * ```
 *
 * The loss is the negative ELBO in nats per image: `bernoulliNll` (binary cross-entropy on the
 * decoder's logits, summed over the 784 pixels, averaged over the batch) plus the `kl` term the
 * `reparameterize` layer adds (KL(q(z|x) ‖ N(0, I)), summed over the code, averaged over the
 * batch). As in PyTorch's example the targets are the pixel intensities in [0, 1] themselves,
 * read as Bernoulli probabilities (not binarised), so the figures compare with its printout.
 * Each epoch prints the training −ELBO (the mean over the epoch's batches, as PyTorch prints
 * it), the test −ELBO, the time and samples/s. The test −ELBO samples z as training does (one
 * draw per image from its own key: a Monte Carlo estimate of the expectation that defines the
 * ELBO, as PyTorch's example computes it; its reparameterize samples in eval mode too). At the
 * end it writes PNG (and SVG) pictures to `--out` (default `out/mnist_vae/`): samples decoded
 * from the prior, test images beside their reconstructions and, with `--latent 2`, the test
 * set's codes (means) coloured by digit and the decoded grid of the latent plane.
 *
 * Flags: `--epochs N` (default 10; `--quick`: 2 epochs on 10,000 images), `--latent K`
 * (default 20), `--seed N`, `--out DIR`. Recorded figures are in the README
 * (Autoencoders); `python3 bench/_python_vae.py --reference` runs PyTorch's example on the same
 * MNIST files for the comparison.
 *
 * @module
 */

import { join } from "node:path";
import { lastValueFrom, reduce, tap } from "rxjs";
import {
  adam,
  backward,
  batches,
  bernoulliNll,
  dense,
  epochSummaries,
  type EpochSummary,
  EVAL,
  evaluate,
  fit,
  foldIn,
  forward,
  fromTypedArray,
  type Initializer,
  initTrain,
  key,
  normal,
  reluLayer,
  reparameterize,
  serial,
  split,
  step,
  type Tensor,
  trainContext,
  uniform,
  untraced,
} from "../mod.ts";
import { heatmap, imageGrid } from "../src/plot/mod.ts";
import { writeFigures } from "./_pictures.ts";
import { digitRows, mapBatches, rows } from "./_autoencoder_common.ts";
import { exampleArgs } from "./_args.ts";
import { exampleMnist } from "./_mnist.ts";

// --- Options. ---------------------------------------------------------------------------------
const args = exampleArgs(import.meta.url);
const quick = args.has("--quick");
const epochs = args.int("--epochs", quick ? 2 : 10, 1);
const latent = args.int("--latent", 20, 1);
const seed = args.int("--seed", 0, 0);
const outDir = args.string("--out", join("out", "mnist_vae"));
const batchSize = 128;

// --- Data: intensities in [0, 1], the input and the target alike. ----------------------------
const mnist = await exampleMnist({ trainRows: quick ? 10000 : undefined });
const trainImages = mnist.train.x;
const test = mnist.test;

// --- Model: encoder, sampling layer (adds the kl term), decoder giving logits. ---------------
// Initialised as PyTorch's nn.Linear is (weights and biases uniform in ±1/sqrt(fan_in)), so
// the run is PyTorch's setup; gradstream's default, Glorot weights and zero biases, trails it
// by about a nat for the first epochs (measured: 128.0 against 126.9 after one epoch).
const torchInit: Initializer = (k, shape, o = {}) => {
  const limit = 1 / Math.sqrt(o.fanIn ?? shape[0]);
  return uniform(k, shape, { min: -limit, max: limit, dtype: o.dtype });
};
const linear = (units: number) => dense(units, { init: torchInit, biasInit: torchInit });
const encoder = serial(linear(400), reluLayer(), linear(2 * latent));
const decoder = serial(linear(400), reluLayer(), linear(784));
const model = serial(encoder, reparameterize(), decoder);
const optimizer = adam(1e-3);

const [initKey, shuffleKey, testKey, priorKey] = split(key(seed), 4);
const initial = initTrain(model, optimizer, initKey, [784]);
const t = untraced(initial.backend);
type Params = typeof initial.params;

/**
 * The test −ELBO per image with z sampled (a fresh key per epoch): reconstruction, kl and
 * their sum, averaged over the test set.
 */
function testElbo(params: Params, epoch: number) {
  let recon = 0, kl = 0;
  const n = test.x.shape[0];
  for (let start = 0, b = 0; start < n; start += batchSize, b++) {
    const x = rows(test.x, start, Math.min(n, start + batchSize));
    const ctx = trainContext(foldIn(foldIn(testKey, epoch), b));
    const out = model.apply(t, params, initial.modelState, x, ctx);
    recon += x.shape[0] * bernoulliNll(t, out.y, x).data[0];
    kl += x.shape[0] * out.aux!.kl.data[0];
  }
  return { loss: (recon + kl) / n, recon: recon / n, kl: kl / n };
}

// --- Training: forward, backward (bernoulliNll + kl), step. -----------------------------------
console.log(
  `VAE 784-400-${latent}(x2)-400-784, ${initial.backend.description}; ` +
    `−ELBO in nats per image (lower is better)`,
);
const history = await lastValueFrom(
  fit(
    initial,
    batches({ x: trainImages, y: trainImages }, { batchSize, shuffle: shuffleKey, epochs }),
    forward(model),
    backward(bernoulliNll),
    step(optimizer),
  ).pipe(
    epochSummaries({ validate: (s) => testElbo(s.params, s.epoch) }),
    tap((s) => {
      const train = s.trainLoss + s.train.kl;
      console.log(
        `epoch ${s.epoch + 1}/${epochs}: train −ELBO ${train.toFixed(2)}, test −ELBO ${
          s.val!.loss.toFixed(2)
        } (reconstruction ${s.val!.recon.toFixed(2)} + kl ${s.val!.kl.toFixed(2)}), ` +
          `${s.seconds.toFixed(1)}s, ${Math.round(s.samplesPerSec)} samples/s`,
      );
    }),
    reduce(
      (run, s) => ({ last: s, seconds: run.seconds + s.seconds, samples: run.samples + s.samples }),
      {
        last: undefined as EpochSummary<Params, typeof initial.modelState> | undefined,
        seconds: 0,
        samples: 0,
      },
    ),
  ),
);
if (history.last === undefined) throw new Error("mnist_vae: the run ended before its first epoch");
const { params, modelState } = history.last.state;
console.log(
  `\nfinal test −ELBO ${history.last.val!.loss.toFixed(2)} nats per image after ${epochs} ` +
    `epoch${epochs === 1 ? "" : "s"}; ${
      Math.round(history.samples / history.seconds)
    } samples/s over the run`,
);
// evaluate() runs in eval mode, where reparameterize gives the mean: the reconstruction of
// z = μ (not an ELBO term) and the kl it reports beside the loss.
const atMean = evaluate(model, history.last.state, { x: test.x, y: test.x }, {
  loss: bernoulliNll,
});
console.log(
  `evaluate() (eval mode, z = mean): reconstruction ${atMean.loss.toFixed(2)}, kl ${
    atMean.kl.toFixed(2)
  }`,
);

// --- Pictures. ---------------------------------------------------------------------------------
const decode = (z: Tensor) => t.sigmoid(decoder.apply(t, params[2], modelState[2], z, EVAL).y);
const fromPrior = decode(normal(priorKey, [64, latent]));
const samples = imageGrid(
  Array.from({ length: 64 }, (_, i) => ({
    data: fromPrior.data.subarray(i * 784, (i + 1) * 784),
    width: 28,
    height: 28,
  })),
  { columns: 8, pixelSize: 2, title: "samples from the prior N(0, I)" },
);
const originals = rows(test.x, 0, 32);
const reconstructed = t.sigmoid(model.apply(t, params, modelState, originals, EVAL).y);
const figures: Record<string, ReturnType<typeof imageGrid>> = {
  samples,
  reconstructions: digitRows(
    { test: originals, recon: reconstructed },
    8,
    4,
    "test images and their reconstructions (z = mean)",
  ),
};
if (latent === 2) {
  // The codes (means) of the test set, coloured by digit, over a blank background.
  const encoded = mapBatches(
    test.x,
    1000,
    (x) => encoder.apply(t, params[0], modelState[0], x, EVAL).y,
  );
  // Each row of the encoder's output is (μ1, μ2, log σ1², log σ2²): the code is its first two.
  const xs = Array.from({ length: encoded.shape[0] }, (_, i) => encoded.data[4 * i]);
  const ys = Array.from({ length: encoded.shape[0] }, (_, i) => encoded.data[4 * i + 1]);
  const lim = Math.ceil(Math.max(...xs.map(Math.abs), ...ys.map(Math.abs)));
  figures.latent_space = heatmap(
    { values: [0, 0, 0, 0], cols: 2, rows: 2, x: [-lim, lim], y: [-lim, lim] },
    {
      color: { colors: ["white", "white"] },
      points: { x: xs, y: ys, label: Array.from(test.y.data) },
      pointRadius: 1.5,
      title: "test codes by digit: 0 blue, 1 orange, 2 red, 3 teal, 4 green, 5 yellow, " +
        "6 purple, 7 pink, 8 brown, 9 grey",
      xLabel: "z1",
      yLabel: "z2",
      width: 720,
      height: 640,
    },
  );
  // The latent plane decoded on a 15 x 15 grid over [-3, 3]².
  const side = 15, grid = new Float32Array(side * side * 2);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      grid[2 * (r * side + c)] = -3 + (6 * c) / (side - 1);
      grid[2 * (r * side + c) + 1] = 3 - (6 * r) / (side - 1);
    }
  }
  const decoded = decode(fromTypedArray(grid, [side * side, 2]));
  figures.latent_manifold = imageGrid(
    Array.from({ length: side * side }, (_, i) => ({
      data: decoded.data.subarray(i * 784, (i + 1) * 784),
      width: 28,
      height: 28,
    })),
    { columns: side, pixelSize: 1, title: "the decoder over z in [-3, 3]²" },
  );
}
await writeFigures(outDir, figures);
