/**
 * Where a training step of the VAE of `bench/vae_compare.ts` (784-400-(20+20), reparameterised,
 * 20-400-784, Bernoulli likelihood, KL aux, batch 128, Adam 1e-3, float32) spends its time, in
 * a plain loop without the RxJS pipeline: milliseconds per stage (wall and CPU), the process's
 * CPU time per step, then every primitive's forward call and pullback and every gemm, timed one by one
 * (`--primitives`).
 *
 * ```sh
 * OPENBLAS_NUM_THREADS=1 deno run -A bench/vae_step_split.ts --backend blas --primitives
 * OPENBLAS_NUM_THREADS=1 bun bench/vae_step_split.ts --backend wasm --steps 300
 * ```
 *
 * The CPU time per step is the steadier figure on a shared machine: wall times include the
 * time other processes held the core. Stages: `forward` is the model through a trace, `loss`
 * the Bernoulli NLL plus the KL term, `pullback` the trace pulled back to the parameters,
 * `optimiser` Adam's fused `updateParams`. Data: the first 8192 MNIST training images, cycled.
 *
 * @module
 */

import process from "node:process";
import { makeOps, type Ops, untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { loadMnist } from "../src/data/mnist.ts";
import type { Backend, BackendName } from "../src/kernels/kernels.ts";
import { backend as backendNamed, defaultBackend } from "../src/kernels/select.ts";
import { dense } from "../src/layers/dense.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { trainContext } from "../src/layers/layer.ts";
import { reparameterize } from "../src/layers/reparameterize.ts";
import { serial } from "../src/layers/serial.ts";
import { bernoulliNll } from "../src/losses.ts";
import { adam } from "../src/optim/aliases.ts";
import { updateAndApply } from "../src/optim/chain.ts";
import type { Primitive } from "../src/ops/primitive.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, full, type Tensor } from "../src/tensor.ts";
import { BATCH_SIZE } from "./_common.ts";

const args = process.argv.slice(2);
const argAt = (name: string) => args.indexOf(`--${name}`);
const steps = argAt("steps") >= 0 ? Number(args[argAt("steps") + 1]) : 300;
const warmup = argAt("warmup") >= 0 ? Number(args[argAt("warmup") + 1]) : 100;
const named = argAt("backend") >= 0 ? args[argAt("backend") + 1] as BackendName : undefined;
const be: Backend = named === undefined ? defaultBackend() : backendNamed(named);

const model = serial(
  serial(dense(400), reluLayer(), dense(40)),
  reparameterize(),
  serial(dense(400), reluLayer(), dense(784)),
);
const optimizer = adam(1e-3);
const init = model.init(key(0), [784]);
let params = init.params;
let optState = optimizer.init(params);
const { train } = await loadMnist();
const n = 8192 / BATCH_SIZE;
const batches = Array.from(
  { length: n },
  (_, i) =>
    fromTypedArray(
      train.x.data.slice(i * BATCH_SIZE * 784, (i + 1) * BATCH_SIZE * 784),
      [BATCH_SIZE, 784],
    ),
);

/** The process's CPU milliseconds (wall times on a shared machine include others' turns). */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One step through `ops` (a trace's, or a timing wrapper of it) and `t` (the optimiser's). */
function oneStep(s: number, trace: Trace, ops: Ops, t: Ops, clock = cpuNow): number[] {
  const x = batches[s % n];
  const t0 = clock();
  trace.watch(params);
  const out = model.apply(ops, params, init.state, x, trainContext(key(s)));
  const t1 = clock();
  let loss = bernoulliNll(ops, out.y, x);
  for (const term of Object.values(out.aux ?? {})) loss = ops.add(loss, term);
  const t2 = clock();
  const grads = trace.pullback(loss, full(loss.shape, 1, loss.dtype), params);
  const t3 = clock();
  [params, optState] = updateAndApply(optimizer, grads, optState, params, t);
  const t4 = clock();
  return [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0];
}

const STAGES = ["forward", "loss", "pullback", "optimiser", "step"] as const;
const times: number[][] = STAGES.map(() => []);
const cpuTimes: number[][] = STAGES.map(() => []);
const plain = untraced(be);
let usage = process.resourceUsage();
for (let s = 0; s < warmup + steps; s++) {
  if (s === warmup) usage = process.resourceUsage();
  const trace = new Trace(be);
  // Odd steps on the wall clock, even ones on the CPU clock (each call of which is a system call).
  const wall = s % 2 === 1;
  const split = oneStep(s, trace, trace.ops, plain, wall ? () => performance.now() : cpuNow);
  if (s >= warmup) split.forEach((v, i) => (wall ? times : cpuTimes)[i].push(v));
}
const end = process.resourceUsage();

const median = (a: readonly number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const perStep = (us: number) => (us / 1000 / steps).toFixed(2);
console.log(`${be.description}; ${steps} steps after ${warmup}`);
console.log(`stage       median ms  median CPU ms`);
STAGES.forEach((stage, i) => {
  console.log(
    `${stage.padEnd(10)} ${median(times[i]).toFixed(3).padStart(10)} ${
      median(cpuTimes[i]).toFixed(3).padStart(14)
    }`,
  );
});
const cpuMs = (end.userCPUTime - usage.userCPUTime + end.systemCPUTime - usage.systemCPUTime) /
  1000 / steps;
console.log(
  `samples/s: ${(BATCH_SIZE / median(times[4]) * 1000).toFixed(0)} (median step), ` +
    `${(BATCH_SIZE / cpuMs * 1000).toFixed(0)} per CPU-second; CPU ms per step ` +
    `${perStep(end.userCPUTime - usage.userCPUTime)} user + ` +
    `${perStep(end.systemCPUTime - usage.systemCPUTime)} system, ` +
    `${((end.minorPageFault - usage.minorPageFault) / steps).toFixed(0)} page faults`,
);

if (argAt("primitives") >= 0) {
  // Per step and name: the sum of its calls' CPU times (the process's: wall times on a shared
  // machine include other processes' turns); the table shows the median over the steps.
  const now = cpuNow;
  const spent = new Map<string, number[]>();
  let stepNo = 0;
  const charge = (name: string, ms: number) => {
    const row = spent.get(name) ?? [];
    row[stepNo] = (row[stepNo] ?? 0) + ms;
    spent.set(name, row);
  };
  const timedBackend: Backend = {
    ...be,
    gemm: (...a) => {
      const t0 = now();
      be.gemm(...a);
      charge(
        `  gemm ${a[2]}×${a[3]}×${a[4]}${a[0] ? " Aᵀ" : ""}${a[1] ? " Bᵀ" : ""}`,
        now() - t0,
      );
    },
  };
  const timed = new Map<Primitive<readonly unknown[]>, Primitive<readonly unknown[]>>();
  for (const p of Object.values(PRIMITIVES) as Primitive<readonly unknown[]>[]) {
    timed.set(p, {
      ...p,
      run: (b, ...a) => {
        const t0 = now();
        const [y, pb] = p.run(b, ...a);
        charge(p.name, now() - t0);
        return [
          y,
          pb && ((dy: Tensor, needs: readonly boolean[]) => {
            const t1 = now();
            const r = pb(dy, needs);
            charge(`${p.name} pullback`, now() - t1);
            return r;
          }),
        ];
      },
    } as Primitive<readonly unknown[]>);
  }
  const rounds = Math.min(steps, 100);
  for (; stepNo < rounds; stepNo++) {
    const trace = new Trace(timedBackend);
    const ops = makeOps(timedBackend, true, (p, a) => trace.ops.call(timed.get(p) ?? p, ...a));
    const opt = makeOps(timedBackend, false, (p, a) => {
      const t0 = now();
      const y = p.run(timedBackend, ...a)[0];
      charge(`optimiser ${p.name}`, now() - t0);
      return y;
    });
    oneStep(stepNo, trace, ops, opt);
  }
  console.log(`\nmedian CPU ms over ${rounds} steps (gemm times are inside their callers' too):`);
  console.log(`${"what".padEnd(34)} ${"ms/step".padStart(9)}`);
  const rows = [...spent].map(([name, v]) => [name, median(v.map((x) => x ?? 0))] as const);
  for (const [name, ms] of rows.sort((p, q) => q[1] - p[1])) {
    console.log(`${name.padEnd(34)} ${ms.toFixed(3).padStart(9)}`);
  }
}
