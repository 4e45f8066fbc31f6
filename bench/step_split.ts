/**
 * Where a training step of the MLP 784-256-128-10 (ReLU, softmax cross-entropy, batch 128,
 * Adam, float32) spends its time, in a plain loop without the RxJS pipeline: milliseconds per
 * stage (median and mean over the steps), samples per second, and per step the page faults and
 * CPU time of the whole process; then the step's primitives one by one, timed through a
 * recording backend and `Ops` wrapper (`--primitives`).
 *
 * ```sh
 * deno run -A bench/step_split.ts --backend wasm      # or: bun bench/step_split.ts
 * deno run -A bench/step_split.ts --steps 500 --primitives
 * deno run -A bench/step_split.ts --backend blas --mnist --steps 1500 --warmup 500
 * deno run -A bench/step_split.ts --backend blas --optimizer momentum [--chain]
 * ```
 *
 * Stages: `forward` is the model through a trace, `loss` the loss through the same trace,
 * `pullback` the trace pulled back to the parameters, `optimiser` `updateAndApply` on an
 * untraced `Ops` of the backend. `--backend blas|wasm|ts` picks the backend (a value; default:
 * the default backend). Mean and median part where allocation is slow: fresh memory (page
 * faults) and garbage collection land on some steps only.
 *
 * `--optimizer adam|momentum|nesterov|rmsprop|sgd` (default adam, lr 1e-3; momentum, nesterov
 * and sgd 0.01, decay 0.9) picks the optimiser; `--chain` drops its declared fused step
 * (`Transform.updateParams`), so the stage runs the chain of links instead. `--mnist` feeds the
 * first 64 batches of MNIST's training images in turn instead of one batch of uniform noise:
 * always-black pixels give weights whose gradient stays zero, whose Adam moments decay into the
 * float32 subnormals (which x86 cores run slowly; the float32 Adam kernels flush them).
 *
 * @module
 */

import process from "node:process";
import { makeOps, type Ops, untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import type { Backend, BackendName } from "../src/kernels/kernels.ts";
import { backend as backendNamed, defaultBackend } from "../src/kernels/select.ts";
import { trainContext } from "../src/layers/layer.ts";
import { softmaxCrossEntropy } from "../src/losses.ts";
import { adam, momentum, nesterov, rmsprop, sgd } from "../src/optim/aliases.ts";
import type { Transform } from "../src/optim/transform.ts";
import { updateAndApply } from "../src/optim/chain.ts";
import { key, split, uniform } from "../src/random.ts";
import { fromTypedArray, full, type Tensor } from "../src/tensor.ts";
import { loadMnist } from "../src/data/mnist.ts";
import { ADAM, BATCH_SIZE, LAYER_SIZES, LEARNING_RATE } from "./_common.ts";
import { mlp } from "./_gradstream_mlp.ts";

const args = process.argv.slice(2);
const argAt = (name: string) => args.indexOf(`--${name}`);
const steps = argAt("steps") >= 0 ? Number(args[argAt("steps") + 1]) : 300;
const warmup = argAt("warmup") >= 0 ? Number(args[argAt("warmup") + 1]) : 30;
const named = argAt("backend") >= 0 ? args[argAt("backend") + 1] as BackendName : undefined;
const be: Backend = named === undefined ? defaultBackend() : backendNamed(named);

const optimizerName = argAt("optimizer") >= 0 ? args[argAt("optimizer") + 1] : "adam";
const optimizers: Record<string, () => Transform<unknown>> = {
  adam: () => adam(LEARNING_RATE, ADAM) as Transform<unknown>,
  momentum: () => momentum(0.01, { decay: 0.9 }) as Transform<unknown>,
  nesterov: () => nesterov(0.01, { decay: 0.9 }) as Transform<unknown>,
  rmsprop: () => rmsprop(LEARNING_RATE) as Transform<unknown>,
  sgd: () => sgd(0.01) as Transform<unknown>,
};
if (!Object.hasOwn(optimizers, optimizerName)) {
  throw new RangeError(
    `step_split: --optimizer ${optimizerName}; one of ${Object.keys(optimizers).join(", ")}`,
  );
}
const fused = optimizers[optimizerName]();
// --chain: the same transform without its fused step, so updateAndApply runs the chain.
const optimizer: Transform<unknown> = argAt("chain") >= 0
  ? { init: fused.init, update: fused.update }
  : fused;

const model = mlp();
const [kInit, kX, kY] = split(key(0), 3);
const init = model.init(kInit, [LAYER_SIZES[0]]);
let params = init.params;
let state = init.state;
let optState = optimizer.init(params);
const classes = LAYER_SIZES[LAYER_SIZES.length - 1];
/** The batches fed in turn: MNIST's first 64 (`--mnist`) or one of uniform noise. */
const batches: { x: Tensor; y: Tensor }[] = [];
if (argAt("mnist") >= 0) {
  const { train } = await loadMnist();
  const n = BATCH_SIZE * LAYER_SIZES[0];
  for (let b = 0; b < 64; b++) {
    batches.push({
      x: fromTypedArray(Float32Array.from(train.x.data.subarray(b * n, (b + 1) * n)), [
        BATCH_SIZE,
        LAYER_SIZES[0],
      ]),
      y: fromTypedArray(
        Float32Array.from(train.y.data.subarray(b * BATCH_SIZE, (b + 1) * BATCH_SIZE)),
        [BATCH_SIZE],
      ),
    });
  }
} else {
  batches.push({
    x: uniform(kX, [BATCH_SIZE, LAYER_SIZES[0]]),
    y: fromTypedArray(
      Float32Array.from(uniform(kY, [BATCH_SIZE]).data, (u) => Math.floor(u * classes)),
      [BATCH_SIZE],
    ),
  });
}

/** One step through `t` (an untraced `Ops` for the optimiser) and `trace`; stage times in ms. */
function oneStep(s: number, trace: Trace, t: Ops): number[] {
  const { x, y } = batches[s % batches.length];
  const t0 = performance.now();
  trace.watch(params);
  const out = model.apply(trace.ops, params, state, x, trainContext(key(s)));
  const t1 = performance.now();
  const loss = softmaxCrossEntropy(trace.ops, out.y, y);
  const t2 = performance.now();
  const grads = trace.pullback(loss, full(loss.shape, 1, loss.dtype), params);
  const t3 = performance.now();
  [params, optState] = updateAndApply(optimizer, grads, optState, params, t);
  const t4 = performance.now();
  state = out.state;
  return [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0];
}

const STAGES = ["forward", "loss", "pullback", "optimiser", "step"] as const;
const times: number[][] = STAGES.map(() => []);
const plain = untraced(be);
let usage = process.resourceUsage();
let calls = 0;
for (let s = 0; s < warmup + steps; s++) {
  if (s === warmup) usage = process.resourceUsage();
  const trace = new Trace(be);
  const split = oneStep(s, trace, plain);
  calls = trace.size;
  if (s >= warmup) split.forEach((v, i) => times[i].push(v));
}
const end = process.resourceUsage();

const median = (a: readonly number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const mean = (a: readonly number[]) => a.reduce((p, q) => p + q, 0) / a.length;
const perStep = (n: number) => (n / steps).toFixed(n / steps < 10 ? 2 : 0);
console.log(
  `${be.description}; ${optimizerName}${argAt("chain") >= 0 ? " (its chain)" : ""}; ` +
    `${batches.length > 1 ? "MNIST batches" : "uniform noise"}; ${steps} steps after ${warmup}; ` +
    `${calls} traced calls a step`,
);
console.log(`stage       median ms   mean ms`);
STAGES.forEach((stage, i) => {
  const v = times[i];
  console.log(
    `${stage.padEnd(10)} ${median(v).toFixed(3).padStart(10)} ${mean(v).toFixed(3).padStart(9)}`,
  );
});
const stepTimes = times[STAGES.length - 1];
console.log(
  `samples/s: ${(BATCH_SIZE / mean(stepTimes) * 1000).toFixed(0)} (mean step), ` +
    `${(BATCH_SIZE / median(stepTimes) * 1000).toFixed(0)} (median step)`,
);
console.log(
  `per step: ${perStep(end.minorPageFault - usage.minorPageFault)} page faults, CPU ms ` +
    `${perStep((end.userCPUTime - usage.userCPUTime) / 1000)} user + ` +
    `${perStep((end.systemCPUTime - usage.systemCPUTime) / 1000)} system (all threads)`,
);

if (argAt("primitives") >= 0) {
  // Each primitive call and each gemm of the step, timed: a backend whose gemm is timed, an
  // Ops whose calls are timed (the optimiser's), and a trace whose forward calls are timed.
  const spent = new Map<string, [calls: number, ms: number]>();
  const charge = (name: string, ms: number) => {
    const [c, total] = spent.get(name) ?? [0, 0];
    spent.set(name, [c + 1, total + ms]);
  };
  const timedBackend: Backend = {
    ...be,
    gemm: (...a) => {
      const t0 = performance.now();
      be.gemm(...a);
      charge(
        `  gemm ${a[2]}×${a[3]}×${a[4]}${a[0] ? " Aᵀ" : ""}${a[1] ? " Bᵀ" : ""}`,
        performance.now() - t0,
      );
    },
    adam: be.adam === undefined ? undefined : (...a) => {
      const t0 = performance.now();
      be.adam!(...a);
      charge(`  adam kernel`, performance.now() - t0);
    },
  };
  const timedOps = makeOps(timedBackend, false, (p, a) => {
    const t0 = performance.now();
    const out = p.run(timedBackend, ...a)[0];
    charge(`optimiser ${p.name}`, performance.now() - t0);
    return out;
  });
  const rounds = Math.min(steps, 100);
  for (let s = 0; s < rounds; s++) oneStep(s, new Trace(timedBackend), timedOps);
  console.log(`\nover ${rounds} steps (gemm and adam kernel times are inside their callers):`);
  console.log(`${"what".padEnd(34)} ${"calls/step".padStart(10)} ${"ms/step".padStart(9)}`);
  for (const [name, [c, ms]] of [...spent].sort((p, q) => q[1][1] - p[1][1])) {
    console.log(
      `${name.padEnd(34)} ${(c / rounds).toFixed(1).padStart(10)} ${
        (ms / rounds).toFixed(3).padStart(9)
      }`,
    );
  }
}
