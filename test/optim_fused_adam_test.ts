import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { adam } from "../src/optim/aliases.ts";
import { applyUpdates, updateAndApply } from "../src/optim/chain.ts";
import { warmupCosine } from "../src/optim/join_schedules.ts";
import type { Schedule, Transform } from "../src/optim/transform.ts";
import type { DType, Tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import type { Tree } from "../src/tree.ts";
import { load, probed, skipReason } from "./_backends.ts";

// adam's declared fused step (Transform.updateParams) against its own chain: update, then
// applyUpdates, step after step, on every backend that loads here.

const BACKENDS: [string, Backend | string][] = [
  ["ts", load(probed("ts"))],
  ["wasm", load(probed("wasm"))],
  ["blas", load(probed("blas"))],
];

const paramsArb = (dtype: DType) =>
  fc.record({
    w: tensorArb([3, 5], { dtype, min: -1, max: 1 }),
    b: tensorArb([5], { dtype, min: -1, max: 1 }),
  });

/** The unfused reference: the same transform without its fused form. */
function unfused<S>(opt: Transform<S>): Transform<S> {
  return { init: opt.init, update: opt.update };
}

function run<S>(
  opt: Transform<S>,
  params: Tree,
  grads: readonly Tree[],
  backend: Backend,
): [Tree, S] {
  const t = untraced(backend);
  let state = opt.init(params);
  for (const g of grads) [params, state] = updateAndApply(opt, g, state, params, t);
  return [params, state];
}

function leaves(tree: Tree): Float64Array[] {
  const out: Float64Array[] = [];
  const walk = (x: unknown): void => {
    if (x === null) return;
    if (Array.isArray(x)) return x.forEach(walk);
    const o = x as Tensor;
    if (o.data !== undefined && o.shape !== undefined) out.push(Float64Array.from(o.data));
    else for (const k of Object.keys(x as object).sort()) walk((x as Record<string, unknown>)[k]);
  };
  walk(tree);
  return out;
}

const schedules: [string, number | Schedule][] = [
  ["a constant rate", 0.01],
  ["a schedule", warmupCosine({ peak: 0.05, warmupSteps: 2, decaySteps: 6 })],
];

for (const [name, b] of BACKENDS) {
  const skip = skipReason(name, b);
  for (const [what, lr] of schedules) {
    test(
      `adam's fused step equals update then applyUpdates bitwise in float64 (${name}, ${what})`,
      {
        skip,
      },
      () => {
        const be = b as Backend;
        fc.assert(
          fc.property(
            paramsArb("float64"),
            fc.array(paramsArb("float64"), { minLength: 1, maxLength: 4 }),
            (p, gs) => {
              const opt = adam(lr);
              assert.equal(typeof opt.updateParams, "function");
              const fused = run(opt, p, gs, be);
              const plain = run(unfused(opt), p, gs, be);
              assert.deepEqual(leaves(fused[0]), leaves(plain[0]));
              assert.deepEqual(leaves(fused[1] as Tree), leaves(plain[1] as Tree));
            },
          ),
          { numRuns: 25 },
        );
      },
    );
  }
  test(`adam's fused step equals update then applyUpdates to float32 rounding (${name})`, {
    skip,
  }, () => {
    const be = b as Backend;
    fc.assert(
      fc.property(
        paramsArb("float32"),
        fc.array(paramsArb("float32"), { minLength: 1, maxLength: 4 }),
        (p, gs) => {
          const opt = adam(0.01);
          const fused = leaves(run(opt, p, gs, be)[0]);
          const plain = leaves(run(unfused(opt), p, gs, be)[0]);
          fused.forEach((f, l) =>
            f.forEach((v, i) =>
              assert.ok(Math.abs(v - plain[l][i]) <= 1e-6 * Math.max(1, Math.abs(v)))
            )
          );
        },
      ),
      { numRuns: 25 },
    );
  });
}

test("adam's fused step makes fresh parameters and leaves its inputs unwritten", () => {
  const opt = adam(0.1);
  const p = { w: tensorSample() };
  const g = { w: tensorSample() };
  const before = [Float64Array.from(p.w.data), Float64Array.from(g.w.data)];
  const s0 = opt.init(p);
  const [next] = opt.updateParams!(g, s0, p);
  assert.notEqual((next as typeof p).w.data, p.w.data);
  assert.deepEqual([Float64Array.from(p.w.data), Float64Array.from(g.w.data)], before);
});

test("adam's fused step reports malformed input through the chain, naming adam", () => {
  const opt = adam(0.1);
  const p = { w: tensorSample() };
  const s0 = opt.init(p);
  assert.throws(
    () => opt.updateParams!({ v: tensorSample() }, s0, p),
    (e: unknown) => e instanceof TypeError && e.message.startsWith("adam"),
  );
  assert.throws(
    () => opt.updateParams!(p, [null, null] as never, p),
    (e: unknown) => e instanceof TypeError && e.message.startsWith("adam"),
  );
  // A schedule that returns a negative rate is the chain's RangeError.
  const bad = adam(() => -1);
  assert.throws(() => bad.updateParams!(p, bad.init(p), p), RangeError);
});

test("a fused step and its chain agree with applyUpdates where the params' dtype differs", () => {
  // float64 gradients for float32 params: the fast path declines, the chain casts.
  const opt = adam(0.1);
  const p32 = { w: tensorSample("float32") };
  const s0 = opt.init({ w: tensorSample() });
  const [fused] = opt.updateParams!({ w: tensorSample() }, s0, p32);
  const [updates] = opt.update({ w: tensorSample() }, s0, p32);
  assert.deepEqual(leaves(fused), leaves(applyUpdates(p32, updates)));
  assert.equal((fused as typeof p32).w.dtype, "float32");
});

function tensorSample(dtype: DType = "float64"): Tensor {
  return fc.sample(tensorArb([2, 3], { dtype, min: -1, max: 1 }), { numRuns: 1, seed: 7 })[0];
}

test("the step stage takes adam's fused step and gives what update then applyUpdates give", async () => {
  const { lastValueFrom, of } = await import("rxjs");
  const { step } = await import("../src/train/stages.ts");
  const { backend } = await import("../src/kernels/select.ts");
  const { key } = await import("../src/random.ts");
  const opt = adam(0.05);
  let calls = 0;
  const counted: Transform<ReturnType<typeof opt.init>> = {
    ...opt,
    updateParams: (g, s, p, t) => (calls++, opt.updateParams!(g, s, p, t)),
  };
  const p = { w: tensorSample() };
  const g = { w: tensorSample() };
  const state = {
    params: p,
    modelState: null,
    optState: opt.init(p),
    backend: backend("ts"),
    step: 0,
    epoch: 0,
    key: key(0),
  };
  const batch = { x: p.w, y: p.w, epoch: 0, index: 0, size: 2 };
  const fused = await lastValueFrom(of({ state, batch, grads: g }).pipe(step(counted)));
  const plain = await lastValueFrom(of({ state, batch, grads: g }).pipe(step(unfused(opt))));
  assert.equal(calls, 1);
  assert.deepEqual(leaves(fused.state.params), leaves(plain.state.params));
  assert.deepEqual(leaves(fused.state.optState as Tree), leaves(plain.state.optState as Tree));
});

test("every backend's adamApply kernel equals adamTs then p + out·scale (float64 bitwise)", async () => {
  const { adamApplyTs, adamTs } = await import("../src/kernels/adam_ts.ts");
  const n = 37; // past the SIMD widths, with a remainder
  const arr = (seed: number) =>
    Float64Array.from({ length: n }, (_, i) => Math.sin(seed + 1.7 * i));
  const [p, g, m0] = [arr(1), arr(2), arr(3)];
  const v0 = arr(4).map(Math.abs);
  const s = { b1: 0.9, b2: 0.999, c1: 1 / (1 - 0.9 ** 3), c2: 1 / (1 - 0.999 ** 3), eps: 1e-8 };
  const [rm, rv, ru] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  adamTs(g, m0, v0, rm, rv, ru, s);
  const expected = ru.map((u, i) => p[i] + u * -0.01);
  const kernels = [["ts reference", adamApplyTs]] as [string, typeof adamApplyTs][];
  for (const [name, b] of BACKENDS) {
    if (typeof b !== "string" && b.adamApply !== undefined) kernels.push([name, b.adamApply]);
  }
  assert.ok(kernels.length >= 2, "the wasm backend has an adamApply kernel");
  for (const [name, k] of kernels) {
    const [m1, v1, out] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    k(p, g, m0, v0, m1, v1, out, s, -0.01);
    assert.deepEqual([...out], [...expected], name);
    assert.deepEqual([...m1], [...rm], name);
    assert.deepEqual([...v1], [...rv], name);
  }
});
