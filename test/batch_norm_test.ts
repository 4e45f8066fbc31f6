import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { batchNorm, type BatchNormParams, type BatchNormState } from "../src/layers/batch_norm.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { full, type Shape, type Tensor, tensor } from "../src/tensor.ts";
import { checkLayerGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { layerVjp } from "./_layer_fixtures.ts";

const t = untraced();

const EPS = 1e-5;

/** Batch shapes [B, ...middle, F] with B >= 2 and at most two middle axes. */
const batchShapeArb = fc.tuple(
  fc.integer({ min: 2, max: 5 }),
  shapeArb({ minRank: 0, maxRank: 2, maxDim: 3 }),
  fc.integer({ min: 1, max: 4 }),
).map(([b, middle, f]) => [b, ...middle, f]);

/** Everything a layer call needs, in float64: params, state and a batch. */
interface Case {
  params: BatchNormParams;
  state: BatchNormState;
  x: Tensor;
}

const caseArb: fc.Arbitrary<Case> = batchShapeArb.chain((shape) => {
  const f = [shape[shape.length - 1]];
  return fc.record({
    params: fc.record({ gamma: tensorArb(f), beta: tensorArb(f) }),
    state: fc.record({ mean: tensorArb(f), var: tensorArb(f, { min: 0.1, max: 3 }) }),
    x: tensorArb(shape),
  });
});

/** Per-feature mean and biased variance over all but the last axis, computed naively. */
function featureStats(x: Tensor): { mean: number[]; variance: number[] } {
  const f = x.shape[x.shape.length - 1];
  const n = x.data.length / f;
  const mean: number[] = [], variance: number[] = [];
  for (let j = 0; j < f; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += x.data[r * f + j];
    const m = s / n;
    let v = 0;
    for (let r = 0; r < n; r++) v += (x.data[r * f + j] - m) ** 2;
    mean.push(m);
    variance.push(v / n);
  }
  return { mean, variance };
}

function close(actual: number, expected: number, tol: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
}

test("batchNorm() rejects momentum outside [0, 1] and non-positive eps with RangeError", () => {
  for (const momentum of [-0.1, 1.1, NaN]) {
    assert.throws(() => batchNorm({ momentum }), { name: "RangeError", message: /momentum/ });
  }
  for (const eps of [0, -1, Infinity, NaN]) {
    assert.throws(() => batchNorm({ eps }), { name: "RangeError", message: /eps/ });
  }
});

test("batchNorm() init reports the shape apply returns, minus the batch axis", () => {
  fc.assert(
    fc.property(batchShapeArb, fc.boolean(), (shape, training) => {
      const layer = batchNorm();
      const { outShape, params, state } = layer.init(key(0), shape.slice(1));
      const x = full(shape, 1);
      const { y } = layer.apply(t, params, state, x, training ? trainContext() : EVAL);
      assert.deepEqual([...(outShape as number[])], y.shape.slice(1));
      assert.equal(y.shape[0], shape[0]);
    }),
    { numRuns: 50 },
  );
});

test("batchNorm({ dtype }) creates parameters and statistics of that dtype and trains on it", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const layer = batchNorm({ dtype });
    const { params, state } = layer.init(key(0), [3]);
    for (const t of [params.gamma, params.beta, state.mean, state.var]) {
      assert.equal(t.dtype, dtype);
    }
    const x = tensor([[1, 2, 3], [3, 6, 9]], [2, 3], dtype);
    const { y, state: next, pullback } = layerVjp(layer, params, state, x, trainContext());
    assert.equal(y.dtype, dtype);
    assert.equal(next.mean.dtype, dtype);
    assert.equal(pullback(y).params.gamma.dtype, dtype);
    // A float32 layer refuses float64 inputs, naming the parameter.
    if (dtype === "float32") {
      assert.throws(
        () => layer.apply(t, params, state, tensor([[1, 2, 3]], [1, 3], "float64"), EVAL),
        {
          name: "TypeError",
          message: /batchNorm: gamma is float32 but the input is float64/,
        },
      );
    }
  }
  assert.throws(() => batchNorm({ dtype: "int8" as "float32" }), {
    name: "TypeError",
    message: /batchNorm: dtype must be "float32" or "float64", got "int8"/,
  });
});

test("batchNorm() training gradient matches central differences for gamma, beta and x", () => {
  // Central differences of the normalisation have a relative truncation error of about
  // h²/(σ² + eps); keeping each feature's batch variance >= 0.05 holds it near 1e-9. Their
  // rounding error is about ε·Σ|u·y|/h, up to ~1e-9 absolute for these batches of up to 180
  // outputs: over the default floor of 1e-3 that would graze the 1e-6 tolerance, so the floor
  // is 1e-2 (gradients below it are held to 1e-8 absolute, still far below any formula slip).
  fc.assert(
    fc.property(caseArb, ({ params, state, x }) => {
      fc.pre(featureStats(x).variance.every((v) => v >= 0.05));
      const options = { floor: 1e-2 };
      const report = checkLayerGradients(batchNorm(), params, state, x, trainContext(), options);
      assert.ok(report.ok, `max error ${report.maxError} at ${JSON.stringify(report.worst)}`);
    }),
    { numRuns: 40 },
  );
});

test("batchNorm() evaluation gradient matches central differences for gamma, beta and x", () => {
  // With running statistics fixed the output is affine in each single coordinate the checker
  // moves, so central differences have no truncation error and a larger step (1e-3) only
  // shrinks their rounding error.
  fc.assert(
    fc.property(caseArb, ({ params, state, x }) => {
      const report = checkLayerGradients(batchNorm(), params, state, x, EVAL, { step: 1e-3 });
      assert.ok(report.ok, `max error ${report.maxError} at ${JSON.stringify(report.worst)}`);
    }),
    { numRuns: 30 },
  );
});

test("batchNorm() never mutates params, state, input or cotangent", () => {
  fc.assert(
    fc.property(caseArb, fc.boolean(), ({ params, state, x }, training) => {
      const snapshot = (t: Tensor) => Array.from(t.data);
      const before = [params.gamma, params.beta, state.mean, state.var, x].map(snapshot);
      const ctx = training ? trainContext() : EVAL;
      const { pullback } = layerVjp(batchNorm(), params, state, x, ctx);
      const dy = full(x.shape, 0.5, "float64");
      pullback(dy);
      const after = [params.gamma, params.beta, state.mean, state.var, x].map(snapshot);
      assert.deepEqual(after, before);
      assert.ok(dy.data.every((v) => v === 0.5));
    }),
    { numRuns: 30 },
  );
});

test("batchNorm() training moves running statistics toward batch statistics by momentum", () => {
  fc.assert(
    fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), (c, momentum) => {
      const { state } = batchNorm({ momentum }).apply(t, c.params, c.state, c.x, trainContext());
      const { mean, variance } = featureStats(c.x);
      for (let j = 0; j < mean.length; j++) {
        const m = momentum * c.state.mean.data[j] + (1 - momentum) * mean[j];
        const v = momentum * c.state.var.data[j] + (1 - momentum) * variance[j];
        close(state.mean.data[j], m, 1e-12, `running mean ${j}`);
        close(state.var.data[j], v, 1e-12, `running variance ${j}`);
      }
    }),
    { numRuns: 50 },
  );
});

test("batchNorm() training output has zero mean and unit variance per feature (up to eps)", () => {
  // With γ = 1 and β = 0 the output of a feature with batch variance v has mean 0 and
  // variance exactly v / (v + eps), which is within 1e-3 of 1 once v >= 0.01.
  fc.assert(
    fc.property(batchShapeArb.chain((s) => tensorArb(s)), (x) => {
      const layer = batchNorm();
      const init = layer.init(key(0), x.shape.slice(1));
      const { variance: v } = featureStats(x);
      const f = v.length;
      const params = { gamma: full([f], 1, "float64"), beta: full([f], 0, "float64") };
      const { y } = layer.apply(t, params, init.state, x, trainContext());
      const { mean, variance } = featureStats(y);
      for (let j = 0; j < f; j++) {
        close(mean[j], 0, 1e-9, `mean of feature ${j}`);
        close(variance[j], v[j] / (v[j] + EPS), 1e-9, `variance of feature ${j}`);
        if (v[j] >= 0.01) close(variance[j], 1, 1e-3, `variance of feature ${j}`);
      }
    }),
    { numRuns: 50 },
  );
});

test("batchNorm() evaluation normalises with the running statistics and keeps the state", () => {
  fc.assert(
    fc.property(caseArb, ({ params, state, x }) => {
      const { y, state: next } = batchNorm().apply(t, params, state, x, EVAL);
      assert.equal(next, state);
      const f = params.gamma.data.length;
      for (let i = 0; i < x.data.length; i++) {
        const j = i % f;
        const expected = params.gamma.data[j] * (x.data[i] - state.mean.data[j]) /
            Math.sqrt(state.var.data[j] + EPS) + params.beta.data[j];
        close(y.data[i], expected, 1e-12 * (1 + Math.abs(expected)), `element ${i}`);
      }
    }),
    { numRuns: 50 },
  );
});

test("batchNorm() evaluation treats each example independently of the rest of the batch", () => {
  fc.assert(
    fc.property(caseArb, ({ params, state, x }) => {
      const layer = batchNorm();
      const whole = layer.apply(t, params, state, x, EVAL).y;
      const per = x.data.length / x.shape[0];
      const first = tensor(x.data.slice(0, per), [1, ...x.shape.slice(1)]);
      const alone = layer.apply(t, params, state, first, EVAL).y;
      assert.deepEqual(Array.from(alone.data), Array.from(whole.data.slice(0, per)));
    }),
    { numRuns: 30 },
  );
});

test("batchNorm() works in float32 with the parameters init returns", () => {
  const layer = batchNorm();
  const { params, state } = layer.init(key(0), [2]);
  const { y, state: next } = layer.apply(
    t,
    params,
    state,
    tensor([[1, 4], [3, 8]]),
    trainContext(),
  );
  assert.equal(y.dtype, "float32");
  assert.deepEqual(Array.from(y.data).map((v) => Math.round(v * 1e4) / 1e4), [-1, -1, 1, 1]);
  // Running mean of feature 1: 0.9 · 0 + 0.1 · 6 = 0.6; running variance: 0.9 · 1 + 0.1 · 4.
  close(next.mean.data[1], 0.6, 1e-6, "running mean");
  close(next.var.data[1], 1.3, 1e-6, "running variance");
});

test("batchNorm() rejects inputs whose feature axis disagrees with its parameters", () => {
  const layer = batchNorm();
  const { params, state } = layer.init(key(0), [3]);
  assert.throws(() => layer.apply(t, params, state, full([2, 4], 1), trainContext()), {
    name: "TypeError",
    message: /Cannot batchNorm: gamma has shape \[3\], expected \[4\]/,
  });
  assert.throws(() => layer.apply(t, params, state, full([3], 1), trainContext()), {
    name: "TypeError",
    message: /rank >= 2, got shape \[3\]/,
  });
  assert.throws(() => layer.apply(t, params, state, full([2, 3], 1, "float64"), trainContext()), {
    name: "TypeError",
    message: /gamma is float32 but the input is float64/,
  });
  assert.throws(() => layer.init(key(0), [] as Shape), { name: "TypeError", message: /feature/ });
});

test("batchNorm() is forward code over primitives: nothing but recorded pullbacks", () => {
  // The trace records each primitive call; a hand-written VJP would record none.
  const layer = batchNorm({ dtype: "float64" });
  const { params, state } = layer.init(key(0), [3]);
  const tr = new Trace();
  const x = tr.watch(tensor([[1, 2, 3], [3, 6, 10]], [2, 3], "float64"));
  layer.apply(tr.ops, tr.watch(params), state, x, trainContext());
  assert.ok(tr.size >= 8, `${tr.size} primitive calls recorded`);
});

test("batchNorm() init rejects a tree of example shapes with a TypeError naming it", () => {
  assert.throws(() => batchNorm().init(key(0), { a: [3] }), {
    name: "TypeError",
    message: /^batchNorm init: takes one tensor per example/,
  });
});
