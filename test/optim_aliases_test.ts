import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  adam,
  adamw,
  addDecayedWeights,
  applyUpdates,
  chain,
  cosineDecay,
  excludeBiases,
  momentum,
  nesterov,
  rmsprop,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  sgd,
  traceMomentum,
  type Transform,
} from "../src/optim/mod.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves } from "../src/tree.ts";
import { tensorArb } from "../src/testing/mod.ts";

const t64 = (xs: number[]) => tensor(xs, [xs.length], "float64");
const EPS = 1e-8;
// Fixed gradients for three steps, independent of w, so the arithmetic stays by hand.
const G = [[1, -2], [0.5, 1], [-1, 0]];
const W0 = [1, -2];

/** The parameters after each step of `opt`, fed the gradients `G` in turn. */
function trajectory(opt: Transform<Tree>, steps: number): number[][] {
  let w = t64(W0);
  let state = opt.init(w);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const [u, next] = opt.update(t64(G[i]), state, w);
    w = applyUpdates(w, u);
    state = next;
    out.push([...w.data]);
  }
  return out;
}
function close(actual: number[][], expected: number[][], tol = 1e-12) {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, s) =>
    row.forEach((v, i) =>
      assert.ok(
        Math.abs(v - expected[s][i]) <= tol,
        `step ${s + 1}[${i}]: ${v} vs ${expected[s][i]}`,
      )
    )
  );
}

test("sgd: w ← w − ηg for three steps", () => {
  // η = 0.1: (1, −2) − 0.1(1, −2) = (0.9, −1.8); − 0.1(0.5, 1) = (0.85, −1.9); − 0.1(−1, 0) = (0.95, −1.9).
  close(trajectory(sgd(0.1), 3), [[0.9, -1.8], [0.85, -1.9], [0.95, -1.9]]);
});

test("momentum: v ← μv + g; w ← w − ηv for three steps", () => {
  // η = 0.1, μ = 0.9.
  // v1 = (1, −2);                          w1 = (1 − 0.1, −2 + 0.2) = (0.9, −1.8)
  // v2 = 0.9(1, −2) + (0.5, 1) = (1.4, −0.8);  w2 = (0.9 − 0.14, −1.8 + 0.08) = (0.76, −1.72)
  // v3 = 0.9(1.4, −0.8) + (−1, 0) = (0.26, −0.72); w3 = (0.76 − 0.026, −1.72 + 0.072) = (0.734, −1.648)
  close(trajectory(momentum(0.1, { decay: 0.9 }), 3), [[0.9, -1.8], [0.76, -1.72], [
    0.734,
    -1.648,
  ]]);
});

test("nesterov: v ← μv + g; w ← w − η(g + μv) for two steps", () => {
  // η = 0.1, μ = 0.9.
  // v1 = (1, −2); u1 = (1, −2) + 0.9(1, −2) = (1.9, −3.8); w1 = (0.81, −1.62)
  // v2 = (1.4, −0.8); u2 = (0.5, 1) + 0.9(1.4, −0.8) = (1.76, 0.28); w2 = (0.634, −1.648)
  close(trajectory(nesterov(0.1, { decay: 0.9 }), 2), [[0.81, -1.62], [0.634, -1.648]]);
});

test("rmsprop: ν ← ρν + (1 − ρ)g²; w ← w − ηg/(√ν + ε) for two steps", () => {
  // η = 0.1, ρ = 0.9.
  // ν1 = 0.1(1, 4) = (0.1, 0.4);                     w1 = w0 − 0.1·(1/√0.1, −2/√0.4)
  // ν2 = 0.9(0.1, 0.4) + 0.1(0.25, 1) = (0.115, 0.46); w2 = w1 − 0.1·(0.5/√0.115, 1/√0.46)
  const w1 = [1 - 0.1 * (1 / (Math.sqrt(0.1) + EPS)), -2 - 0.1 * (-2 / (Math.sqrt(0.4) + EPS))];
  const w2 = [
    w1[0] - 0.1 * (0.5 / (Math.sqrt(0.115) + EPS)),
    w1[1] - 0.1 * (1 / (Math.sqrt(0.46) + EPS)),
  ];
  close(trajectory(rmsprop(0.1, { decay: 0.9, eps: EPS }), 2), [w1, w2]);
});

test("adam: bias-corrected moments for two steps", () => {
  // η = 0.1, β₁ = 0.9, β₂ = 0.999.
  // Step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g²: w1 = w0 − 0.1·g/(|g| + ε) ≈ (0.9, −1.9).
  const w1 = [1 - 0.1 * (1 / (1 + EPS)), -2 - 0.1 * (-2 / (2 + EPS))];
  // Step 2: m = 0.9(0.1, −0.2) + 0.1(0.5, 1) = (0.14, −0.08);
  //         v = 0.999(0.001, 0.004) + 0.001(0.25, 1) = (0.001249, 0.004996);
  //         m̂ = m / (1 − 0.9²) = m / 0.19;  v̂ = v / (1 − 0.999²) = v / 0.001999.
  const m = [0.14, -0.08];
  const v = [0.001249, 0.004996];
  const w2 = w1.map((w, i) => w - 0.1 * (m[i] / 0.19) / (Math.sqrt(v[i] / 0.001999) + EPS));
  close(trajectory(adam(0.1), 2), [w1, w2], 1e-10);
});

test("adamw: w ← w − η(m̂/(√v̂ + ε) + λw) on masked weights, plain Adam on biases", () => {
  // η = 0.1, λ = 0.5, w is a 1×2 matrix (decayed), b a bias (not decayed).
  // Step 1, g_w = (1, −2), g_b = 0.5: Adam's u = g/(|g| + ε).
  //   w1 = w0 − 0.1·(u + 0.5·w0) = (1 − 0.1(1 + 0.5), −2 − 0.1(−1 − 1)) ≈ (0.85, −1.8)
  //   b1 = 3 − 0.1·0.5/(0.5 + ε) ≈ 2.9
  // Step 2, g_w = (0.5, 1), g_b = 0.5: Adam's u as in the adam test, plus 0.5·w1.
  const opt = adamw(0.1, { weightDecay: 0.5, mask: excludeBiases });
  let params: Tree = { w: tensor([W0], [1, 2], "float64"), b: t64([3]) };
  let state = opt.init(params);
  const seen: number[][] = [];
  for (const g of [G[0], G[1]]) {
    const grads = { w: tensor([g], [1, 2], "float64"), b: t64([0.5]) };
    const [u, next] = opt.update(grads, state, params);
    params = applyUpdates(params, u);
    state = next;
    const p = params as { w: Tensor; b: Tensor };
    seen.push([...p.w.data, ...p.b.data]);
  }
  const uw1 = [1 / (1 + EPS), -2 / (2 + EPS)];
  const w1 = W0.map((w, i) => w - 0.1 * (uw1[i] + 0.5 * w));
  const b1 = 3 - 0.1 * (0.5 / (0.5 + EPS));
  const m = [0.14, -0.08];
  const v = [0.001249, 0.004996];
  const uw2 = m.map((mi, i) => (mi / 0.19) / (Math.sqrt(v[i] / 0.001999) + EPS));
  const w2 = w1.map((w, i) => w - 0.1 * (uw2[i] + 0.5 * w));
  // b: m = 0.05 then 0.095, v = 0.00025 then 0.00049975: m̂ = 0.5, v̂ = 0.25, u = 0.5/(0.5 + ε).
  const b2 = b1 - 0.1 * (0.5 / (0.5 + EPS));
  close(seen, [[...w1, b1], [...w2, b2]], 1e-10);
});

test("each alias equals its chain of links, bitwise, states included", () => {
  const lr = (step: number) => 0.1 / (step + 1);
  const pairs: [string, Transform<Tree>, Transform<Tree>][] = [
    ["sgd", sgd(lr), chain(scaleByLearningRate(lr))],
    [
      "momentum",
      momentum(lr, { decay: 0.8 }),
      chain(traceMomentum({ decay: 0.8 }), scaleByLearningRate(lr)),
    ],
    [
      "nesterov",
      nesterov(lr, { decay: 0.8 }),
      chain(traceMomentum({ decay: 0.8, nesterov: true }), scaleByLearningRate(lr)),
    ],
    [
      "rmsprop",
      rmsprop(lr, { decay: 0.7, eps: 1e-6 }),
      chain(scaleByRms({ decay: 0.7, eps: 1e-6 }), scaleByLearningRate(lr)),
    ],
    ["adam", adam(lr, { b1: 0.8 }), chain(scaleByAdam({ b1: 0.8 }), scaleByLearningRate(lr))],
    [
      "adamw",
      adamw(lr, { b2: 0.99, weightDecay: 0.3, mask: excludeBiases }),
      chain(
        scaleByAdam({ b2: 0.99 }),
        addDecayedWeights(0.3, excludeBiases),
        scaleByLearningRate(lr),
      ),
    ],
  ];
  const treeArb = (dtype: "float32" | "float64") =>
    fc.record({ w: tensorArb([3, 2], { dtype }), b: tensorArb([2], { dtype }) });
  const values = (t: unknown) => treeLeaves(t as Tree).map((l) => [...l.value.data]);
  fc.assert(
    fc.property(
      fc.constantFrom("float32" as const, "float64" as const).chain((d) =>
        fc.tuple(treeArb(d), fc.array(treeArb(d), { minLength: 3, maxLength: 3 }))
      ),
      ([p, grads]) => {
        for (const [name, alias, chained] of pairs) {
          let [sa, sc] = [alias.init(p), chained.init(p)];
          for (const g of grads) {
            const [ua, na] = alias.update(g, sa, p);
            const [uc, nc] = chained.update(g, sc, p);
            assert.deepEqual(values(ua), values(uc), name);
            assert.deepEqual(values(na), values(nc), name);
            [sa, sc] = [na, nc];
          }
        }
      },
    ),
    { numRuns: 20 },
  );
});

// f(w) = ½ Σ aᵢ(wᵢ − cᵢ)², ill-conditioned (a = 1, 10), minimum 0 at c.
const A = [1, 10];
const C = [3, -2];
const quadratic = (w: Tensor) => 0.5 * A.reduce((s, a, i) => s + a * (w.data[i] - C[i]) ** 2, 0);
const gradient = (w: Tensor) => tensor(A.map((a, i) => a * (w.data[i] - C[i])));

function minimise(opt: Transform<Tree>, steps: number): number {
  let w = tensor([0, 0]);
  let state = opt.init(w);
  for (let i = 0; i < steps; i++) {
    const [u, next] = opt.update(gradient(w), state, w);
    w = applyUpdates(w, u);
    state = next;
  }
  assert.equal(w.dtype, "float32");
  return quadratic(w);
}

const cases: [string, Transform<Tree>, number][] = [
  ["sgd(0.15)", sgd(0.15), 100],
  ["momentum(0.05)", momentum(0.05), 200],
  ["nesterov(0.05)", nesterov(0.05), 200],
  ["rmsprop(0.01)", rmsprop(0.01), 500],
  ["rmsprop(cosineDecay)", rmsprop(cosineDecay({ init: 0.1, decaySteps: 300 })), 300],
  ["adam(0.1)", adam(0.1), 300],
  ["adamw(0.1, 1e-3)", adamw(0.1, { weightDecay: 1e-3 }), 300],
];
for (const [name, opt, steps] of cases) {
  test(`${name} brings a convex quadratic from 24.5 below 1e-4 in ${steps} steps`, () => {
    assert.equal(quadratic(tensor([0, 0])), 24.5);
    const loss = minimise(opt, steps);
    assert.ok(loss < 1e-4, `loss ${loss}`);
  });
}

test("no alias mutates its gradients, state or params, nor returns their arrays", () => {
  const treeArb = fc.record({
    w: tensorArb([3, 2], { dtype: "float32" }),
    b: tensorArb([2], { dtype: "float32" }),
  });
  const snapshot = (...trees: unknown[]) =>
    trees.map((t) => treeLeaves(t as Tree).map((l) => [...l.value.data]));
  const makers: (() => Transform<Tree>)[] = [
    () => sgd(0.1),
    () => momentum(0.1),
    () => nesterov(0.1),
    () => rmsprop(0.1),
    () => adam(0.1),
    () => adamw(0.1, { mask: excludeBiases }),
  ];
  fc.assert(
    fc.property(treeArb, treeArb, treeArb, (p, g1, g2) => {
      for (const make of makers) {
        const opt = make();
        const s0 = opt.init(p);
        const [u1, s1] = opt.update(g1, s0, p);
        const before = snapshot(p, g1, g2, s0, u1, s1);
        opt.update(g2, s1, p);
        assert.deepEqual(snapshot(p, g1, g2, s0, u1, s1), before);
        const inputs = new Set(treeLeaves([p, g2, s1] as Tree).map((l) => l.value.data));
        const [u2, s2] = opt.update(g2, s1, p);
        for (const l of treeLeaves([u2, s2] as Tree)) assert.ok(!inputs.has(l.value.data));
      }
    }),
    { numRuns: 10 },
  );
});

test("aliases reject out-of-range options with RangeErrors naming the link and value", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => sgd(-0.1), /sgd: the learning rate must be .* got -0.1/],
    [() => sgd(Infinity), /sgd: the learning rate .* got Infinity/],
    [
      () => momentum(0.1, { decay: 1.2 }),
      /momentum: decay must be a finite number in \[0, 1\), got 1.2/,
    ],
    [
      () => nesterov(0.1, { decay: -1 }),
      /nesterov: decay must be a finite number in \[0, 1\), got -1/,
    ],
    [() => rmsprop(0.1, { eps: -1 }), /rmsprop: eps must be .* got -1/],
    [() => adam(0.1, { b2: 1 }), /adam: b2 must be a finite number in \[0, 1\), got 1/],
    [() => adamw(0.1, { weightDecay: NaN }), /adamw: weightDecay .* got NaN/],
  ];
  for (const [make, message] of cases) assert.throws(make, { name: "RangeError", message });
});
