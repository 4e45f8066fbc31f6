/**
 * Where a training step of the MLP 784-256-128-10 (ReLU, softmax cross-entropy, batch 128,
 * Adam, float32) spends its time, in a plain loop without the RxJS pipeline: milliseconds per
 * stage (median and mean over the steps), samples per second, and per step the page faults and
 * CPU time of the whole process.
 *
 * ```sh
 * deno run -A bench/step_split.ts              # or: bun bench/step_split.ts
 * deno run -A bench/step_split.ts --steps 500 --general
 * ```
 *
 * `--general` runs the optimiser as `update` then `applyUpdates` (two passes over the
 * parameters) instead of `updateAndApply`, as `step()` did before the fused path. The backend
 * is the one `GRADSTREAM_BACKEND` selects. Mean and median part where allocation is slow:
 * fresh memory (page faults) and garbage collection land on some steps only.
 *
 * @module
 */

import process from "node:process";
import { backendInfo } from "../src/kernels/select.ts";
import { trainContext } from "../src/layers/layer.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { adam } from "../src/optim/aliases.ts";
import { applyUpdates, updateAndApply } from "../src/optim/chain.ts";
import { key, split, uniform } from "../src/random.ts";
import { fromTypedArray } from "../src/tensor.ts";
import { ADAM, BATCH_SIZE, LAYER_SIZES, LEARNING_RATE } from "./_common.ts";
import { mlp } from "./_gradstream_mlp.ts";

const args = process.argv.slice(2);
const argAt = (name: string) => args.indexOf(`--${name}`);
const steps = argAt("steps") >= 0 ? Number(args[argAt("steps") + 1]) : 300;
const warmup = argAt("warmup") >= 0 ? Number(args[argAt("warmup") + 1]) : 30;
const general = argAt("general") >= 0;

const model = mlp();
const optimizer = adam(LEARNING_RATE, ADAM);
const [kInit, kX, kY] = split(key(0), 3);
const init = model.init(kInit, [LAYER_SIZES[0]]);
let params = init.params;
let state = init.state;
let optState = optimizer.init(params);
const x = uniform(kX, [BATCH_SIZE, LAYER_SIZES[0]]);
const classes = LAYER_SIZES[LAYER_SIZES.length - 1];
const y = fromTypedArray(
  Float32Array.from(uniform(kY, [BATCH_SIZE]).data, (u) => Math.floor(u * classes)),
  [BATCH_SIZE],
);

const STAGES = ["forward", "loss", "VJP", "optimiser", "step"] as const;
const times: Record<typeof STAGES[number], number[]> = {
  forward: [],
  loss: [],
  VJP: [],
  optimiser: [],
  step: [],
};
let usage = process.resourceUsage();
for (let s = 0; s < warmup + steps; s++) {
  if (s === warmup) usage = process.resourceUsage();
  const ctx = trainContext(key(s));
  const t0 = performance.now();
  const out = model.apply(params, state, x, ctx);
  const t1 = performance.now();
  const [, dy] = softmaxCrossEntropy(out.y, y);
  const t2 = performance.now();
  const grads = out.vjp(dy).params;
  const t3 = performance.now();
  if (general) {
    const [updates, next] = optimizer.update(grads, optState, params);
    [params, optState] = [applyUpdates(params, updates), next];
  } else {
    [params, optState] = updateAndApply(optimizer, grads, optState, params);
  }
  const t4 = performance.now();
  state = out.state;
  if (s >= warmup) {
    times.forward.push(t1 - t0);
    times.loss.push(t2 - t1);
    times.VJP.push(t3 - t2);
    times.optimiser.push(t4 - t3);
    times.step.push(t4 - t0);
  }
}
const end = process.resourceUsage();

const median = (a: readonly number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const mean = (a: readonly number[]) => a.reduce((p, q) => p + q, 0) / a.length;
const perStep = (n: number) => (n / steps).toFixed(n / steps < 10 ? 2 : 0);
console.log(
  `${backendInfo()}; optimiser: ${general ? "update, then applyUpdates" : "updateAndApply"}; ` +
    `${steps} steps after ${warmup}`,
);
console.log(`stage       median ms   mean ms`);
for (const stage of STAGES) {
  const v = times[stage];
  console.log(
    `${stage.padEnd(10)} ${median(v).toFixed(3).padStart(10)} ${mean(v).toFixed(3).padStart(9)}`,
  );
}
console.log(
  `samples/s: ${(BATCH_SIZE / mean(times.step) * 1000).toFixed(0)} (mean step), ` +
    `${(BATCH_SIZE / median(times.step) * 1000).toFixed(0)} (median step)`,
);
console.log(
  `per step: ${perStep(end.minorPageFault - usage.minorPageFault)} page faults, CPU ms ` +
    `${perStep((end.userCPUTime - usage.userCPUTime) / 1000)} user + ` +
    `${perStep((end.systemCPUTime - usage.systemCPUTime) / 1000)} system (all threads)`,
);
