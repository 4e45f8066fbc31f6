import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  addDecayedWeights,
  clipByGlobalNorm,
  clipByValue,
  excludeBiases,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  traceMomentum,
  type Transform,
} from "../src/optim/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { adamTs } from "../src/kernels/adam_ts.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { backend } from "../src/kernels/select.ts";
import { type Tensor, tensor, zeros } from "../src/tensor.ts";
import { type Tree, treeLeaves } from "../src/tree.ts";
import { tensorArb } from "../src/testing/mod.ts";

const t64 = (xs: number[]) => tensor(xs, [xs.length], "float64");
const values = (t: Tree) => [...(t as Tensor).data];
function close(actual: number[], expected: number[], tol = 1e-12) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `element ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}
/** Runs a link over several gradients, returning each step's updates. */
function run<S>(link: Transform<S>, params: Tree, grads: Tree[]): number[][] {
  let state = link.init(params);
  return grads.map((g) => {
    const [u, next] = link.update(g, state, params);
    state = next;
    return values(u);
  });
}

test("scale(c) multiplies every element by c", () => {
  close(run(scale(-2.5), t64([0, 0]), [t64([1, -4])])[0], [-2.5, 10]);
});

test("scaleByLearningRate evaluates its schedule at the step count in its state", () => {
  const seen: number[] = [];
  const link = scaleByLearningRate((step) => {
    seen.push(step);
    return 0.5 ** step;
  });
  const steps = run(link, t64([0]), [t64([2]), t64([2]), t64([2])]);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(steps, [[-2], [-1], [-0.5]]);
});

test("traceMomentum accumulates v ← μv + g (classical)", () => {
  // μ = 0.5; g = 1, 2, 4: v = 1; 0.5 + 2 = 2.5; 1.25 + 4 = 5.25.
  const steps = run(traceMomentum({ decay: 0.5 }), t64([0]), [t64([1]), t64([2]), t64([4])]);
  assert.deepEqual(steps, [[1], [2.5], [5.25]]);
});

test("traceMomentum with nesterov outputs g + μv with the new v", () => {
  // μ = 0.5; g = 1, 2: v = 1, u = 1 + 0.5 = 1.5; v = 2.5, u = 2 + 1.25 = 3.25.
  const steps = run(traceMomentum({ decay: 0.5, nesterov: true }), t64([0]), [t64([1]), t64([2])]);
  assert.deepEqual(steps, [[1.5], [3.25]]);
});

test("scaleByRms divides by √ν + ε with ν ← ρν + (1 − ρ)g²", () => {
  // ρ = 0.5, ε = 1e-8; g = 2: ν = 0.5·4 = 2, u = 2 / (√2 + ε).
  // g = −1: ν = 0.5·2 + 0.5·1 = 1.5, u = −1 / (√1.5 + ε).
  const steps = run(scaleByRms({ decay: 0.5 }), t64([0]), [t64([2]), t64([-1])]);
  close(steps[0], [2 / (Math.SQRT2 + 1e-8)]);
  close(steps[1], [-1 / (Math.sqrt(1.5) + 1e-8)]);
});

test("scaleByAdam's first steps match the bias-corrected moments by hand", () => {
  // β₁ = 0.9, β₂ = 0.999, ε = 1e-8 on a 2-element parameter.
  // Step 1, g = (1, −2): m = 0.1g = (0.1, −0.2); v = 0.001g² = (0.001, 0.004);
  //   m̂ = m / 0.1 = g; v̂ = v / 0.001 = g²; u = g / (|g| + ε) ≈ (1, −1).
  // Step 2, g = (3, 0): m = 0.9m + 0.1g = (0.39, −0.18); v = 0.999v + 0.001g² = (0.009999, 0.003996);
  //   m̂ = m / (1 − 0.81) = m / 0.19; v̂ = v / (1 − 0.998001) = v / 0.001999.
  const steps = run(scaleByAdam(), t64([0, 0]), [t64([1, -2]), t64([3, 0])]);
  close(steps[0], [1 / (1 + 1e-8), -2 / (2 + 1e-8)]);
  const m = [0.39, -0.18];
  const v = [0.009999, 0.003996];
  close(steps[1], m.map((mi, i) => (mi / 0.19) / (Math.sqrt(v[i] / 0.001999) + 1e-8)), 1e-10);
});

test("scaleByAdam counts its steps in a float64 scalar", () => {
  const link = scaleByAdam();
  const p = t64([0]);
  const [, s1] = link.update(t64([1]), link.init(p), p);
  const [, s2] = link.update(t64([1]), s1, p);
  assert.equal(s2.count.dtype, "float64");
  assert.deepEqual(s2.count.shape, []);
  assert.equal(s2.count.data[0], 2);
});

test("addDecayedWeights adds λw to the updates", () => {
  const [u] = addDecayedWeights(0.1).update(t64([1, 2]), null, t64([10, -20]));
  close(values(u), [2, 0]);
});

test("scaleByAdam's update is one adamMoments step per leaf on t.backend", () => {
  const ts = backend("ts");
  let calls = 0;
  const counting: Backend = {
    ...ts,
    name: "counting",
    adam: (...args) => {
      calls++;
      adamTs(...args);
    },
  };
  const link = scaleByAdam();
  const p = { w: zeros([2, 2], "float64"), b: zeros([2], "float64"), c: [zeros([1], "float64")] };
  const g = { w: tensor([[1, 2], [3, 4]], [2, 2], "float64"), b: t64([1, -1]), c: [t64([5])] };
  const [u] = link.update(g, link.init(p), p, untraced(counting));
  assert.equal(calls, 3);
  const [want] = link.update(g, link.init(p), p, untraced(ts));
  assert.deepEqual(
    treeLeaves(u).map((l) => [...l.value.data]),
    treeLeaves(want).map((l) => [...l.value.data]),
  );
});

test("addDecayedWeights with excludeBiases decays only weight matrices", () => {
  const params = { w: tensor([[1, 2]], [1, 2], "float64"), b: t64([5]) };
  const grads = { w: tensor([[0, 0]], [1, 2], "float64"), b: t64([1]) };
  const [u] = addDecayedWeights(0.5, excludeBiases).update(grads, null, params);
  const out = u as { w: Tensor; b: Tensor };
  assert.deepEqual([...out.w.data], [0.5, 1]);
  assert.deepEqual([...out.b.data], [1]);
});

test("excludeBiases selects rank-2+ leaves not named b or bias", () => {
  assert.equal(excludeBiases(["w"], zeros([2, 2])), true);
  assert.equal(excludeBiases(["kernel"], zeros([3, 3, 1, 4])), true);
  assert.equal(excludeBiases(["gamma"], zeros([4])), false);
  assert.equal(excludeBiases([0, "b"], zeros([1, 4])), false);
  assert.equal(excludeBiases(["bias"], zeros([2, 2])), false);
});

test("addDecayedWeights without params is a TypeError", () => {
  assert.throws(() => addDecayedWeights(0.1).update(t64([1]), null, undefined as never), {
    name: "TypeError",
    message: /addDecayedWeights: update needs the params/,
  });
});

// Every link, for the properties that hold for all of them.
const links: [string, () => Transform<unknown>][] = [
  ["scale", () => scale(0.5)],
  ["scaleByLearningRate", () => scaleByLearningRate(0.1)],
  ["traceMomentum", () => traceMomentum()],
  ["traceMomentum nesterov", () => traceMomentum({ nesterov: true })],
  ["scaleByRms", () => scaleByRms()],
  ["scaleByAdam", () => scaleByAdam()],
  ["addDecayedWeights", () => addDecayedWeights(0.01, excludeBiases)],
  ["clipByGlobalNorm", () => clipByGlobalNorm(1)],
  ["clipByValue", () => clipByValue(0.5)],
];
const treeArb = (dtype: "float32" | "float64") =>
  fc.record({ w: tensorArb([3, 2], { dtype }), b: tensorArb([2], { dtype }) });
const snapshot = (...trees: unknown[]) =>
  trees.map((t) => treeLeaves(t as Tree).map((l) => [...l.value.data]));

test("no link mutates its gradients, state or params over two steps", () => {
  for (const [name, make] of links) {
    fc.assert(
      fc.property(treeArb("float32"), treeArb("float32"), (p, g) => {
        const link = make();
        const s0 = link.init(p);
        const before = snapshot(p, g, s0);
        const [u1, s1] = link.update(g, s0, p);
        const mid = snapshot(u1, s1);
        link.update(u1 as Tree, s1, p);
        assert.deepEqual(snapshot(p, g, s0), before, name);
        assert.deepEqual(snapshot(u1, s1), mid, name);
        // An output shares an input's array only as that very tensor, passed on unchanged
        // (addDecayedWeights on a masked-out leaf): tensors are values, never written into.
        const inputs = new Map(treeLeaves([p, g, s0] as Tree).map((l) => [l.value.data, l.value]));
        for (const l of treeLeaves([u1, s1] as Tree)) {
          const owner = inputs.get(l.value.data);
          assert.ok(owner === undefined || owner === l.value, `${name} returned an input's array`);
        }
      }),
      { numRuns: 10 },
    );
  }
});

test("every link keeps float32 updates and states float32", () => {
  for (const [name, make] of links) {
    const link = make();
    const p = { w: zeros([3, 2]), b: zeros([2]) };
    const g = { w: tensor([[1, 2], [3, 4], [5, 6]]), b: tensor([1, 1]) };
    const [u, s] = link.update(g, link.init(p), p);
    for (const l of treeLeaves(u)) assert.equal(l.value.dtype, "float32", `${name} updates`);
    for (const l of treeLeaves((s ?? null) as Tree)) {
      if (l.path.at(-1) !== "count") assert.equal(l.value.dtype, "float32", `${name} state`);
    }
  }
});

test("links reject grads whose structure differs from their state with a TypeError", () => {
  const p = { w: zeros([2]) };
  for (const link of [traceMomentum(), scaleByRms(), scaleByAdam()] as Transform<unknown>[]) {
    assert.throws(() => link.update({ w: zeros([3]) }, link.init(p), p), {
      name: "TypeError",
      message: /leaf shapes differ, \[3\] vs \[2\]/,
    });
  }
});

test("out-of-range options are RangeErrors naming the link and the value", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => scale(NaN), /scale: the factor must be a finite number, got NaN/],
    [() => scaleByLearningRate(-1), /scaleByLearningRate: the learning rate .* got -1/],
    [
      () => traceMomentum({ decay: 1 }),
      /traceMomentum: decay must be a finite number in \[0, 1\), got 1/,
    ],
    [
      () => scaleByRms({ decay: -0.1 }),
      /scaleByRms: decay must be a finite number in \[0, 1\), got -0.1/,
    ],
    [() => scaleByRms({ eps: 0 }), /scaleByRms: eps must be a finite positive number, got 0/],
    [
      () => scaleByAdam({ b1: 1.5 }),
      /scaleByAdam: b1 must be a finite number in \[0, 1\), got 1.5/,
    ],
    [() => scaleByAdam({ b2: 1 }), /scaleByAdam: b2 must be a finite number in \[0, 1\), got 1/],
    [() => addDecayedWeights(-0.1), /addDecayedWeights: rate .* got -0.1/],
  ];
  for (const [make, message] of cases) assert.throws(make, { name: "RangeError", message });
});

test("a schedule returning NaN or a negative rate is a RangeError naming the step", () => {
  const link = scaleByLearningRate((step) => (step < 1 ? 0.1 : NaN));
  const p = t64([0]);
  const [, s1] = link.update(p, link.init(p), p);
  assert.throws(() => link.update(p, s1, p), {
    name: "RangeError",
    message: /scaleByLearningRate: the schedule returned NaN at step 1/,
  });
});
