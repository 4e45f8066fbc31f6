import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  adam,
  adamw,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  clipByValue,
  excludeBiases,
  momentum,
  nesterov,
  rmsprop,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  sgd,
  traceMomentum,
  type Transform,
  updateAndApply,
} from "../src/optim/mod.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves, treeMap } from "../src/tree.ts";
import { tensorArb } from "../src/testing/mod.ts";

type P = { w: Tensor; b: Tensor };
const paramsArb = (dtype: "float32" | "float64") =>
  fc.record({ w: tensorArb([2, 3], { dtype }), b: tensorArb([3], { dtype }) });

function data(tree: unknown): number[][] {
  return treeLeaves(tree as Tree).map((l) => [...l.value.data]);
}

/** A user's link: it halves the gradients. */
const halve: Transform<null> = {
  init: () => null,
  update: (g) => [treeMap((t) => tensor(t.data.map((v) => v / 2), t.shape, t.dtype), g), null],
};

/** Every alias, chains ending in each kind of link, bare links and a user's link. */
const MAKERS: [string, () => Transform<Tree>][] = [
  ["sgd", () => sgd(0.1)],
  ["momentum", () => momentum(0.1)],
  ["nesterov", () => nesterov(0.1)],
  ["rmsprop", () => rmsprop(0.1)],
  ["adam with a schedule", () => adam((step) => 0.1 / (step + 1))],
  ["adamw with a mask", () => adamw(0.1, { weightDecay: 0.3, mask: excludeBiases })],
  [
    "clipByGlobalNorm, scaleByAdam, scaleByLearningRate",
    () => chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(0.1)),
  ],
  ["scaleByAdam, clipByValue", () => chain(scaleByAdam(), clipByValue(0.5))],
  [
    "traceMomentum, scale, clipByGlobalNorm",
    () => chain(traceMomentum(), scale(-0.1), clipByGlobalNorm(1)),
  ],
  ["bare scaleByAdam", () => scaleByAdam() as Transform<Tree>],
  ["bare scale", () => scale(-0.5)],
  ["a user's link", () => halve],
  ["scaleByAdam, a user's link", () => chain(scaleByAdam(), halve)],
];

for (const dtype of ["float64", "float32"] as const) {
  test(`updateAndApply equals update then applyUpdates in ${dtype} (bitwise, but for a fused step's single float32 rounding), states included`, () => {
    fc.assert(
      fc.property(
        paramsArb(dtype),
        fc.array(paramsArb(dtype), { minLength: 3, maxLength: 3 }),
        (p, grads) => {
          for (const [name, make] of MAKERS) {
            const opt = make();
            let [params, state] = [p as Tree, opt.init(p)];
            for (const g of grads) {
              const [applied, appliedState] = updateAndApply(opt, g, state, params);
              const [u, s] = opt.update(g, state, params);
              [params, state] = [applyUpdates(params, u), s];
              if (dtype === "float32" && opt.updateParams !== undefined) {
                // A declared fused step rounds p + scale·u once where the chain rounds twice.
                const [a, b] = [data(applied), data(params)];
                a.forEach((leaf, l) =>
                  leaf.forEach((v, i) =>
                    assert.ok(Math.abs(v - b[l][i]) <= 2 ** -22 * Math.max(1, Math.abs(v)), name)
                  )
                );
              } else {
                assert.deepEqual(data(applied), data(params), name);
              }
              assert.deepEqual(data(appliedState), data(state), name);
              for (const leaf of treeLeaves(applied)) assert.equal(leaf.value.dtype, dtype);
            }
          }
        },
      ),
      { numRuns: 20 },
    );
  });
}

test("updateAndApply hands its t to the optimiser and to applyUpdates", () => {
  let seen: unknown;
  const spy: Transform<null> = {
    init: () => null,
    update: (g, _s, _p, t) => {
      seen = t;
      return [g, null];
    },
  };
  const t = untraced(backend("ts"));
  const w = tensor([1], [1], "float64");
  const [next] = updateAndApply(spy, tensor([2], [1], "float64"), null, w, t);
  assert.equal(seen, t);
  assert.equal((next as Tensor).data[0], 3);
});

test("updateAndApply never mutates its inputs nor returns their arrays", () => {
  fc.assert(
    fc.property(paramsArb("float32"), paramsArb("float32"), paramsArb("float32"), (p, g1, g2) => {
      for (const [name, make] of MAKERS) {
        const opt = make();
        const [p1, s1] = updateAndApply(opt, g1, opt.init(p), p);
        const before = [data(p), data(p1), data(g2), data(s1)];
        const [p2, s2] = updateAndApply(opt, g2, s1, p1);
        assert.deepEqual([data(p), data(p1), data(g2), data(s1)], before, name);
        const inputs = new Set(treeLeaves([p1, g2, s1] as Tree).map((l) => l.value.data));
        for (const leaf of treeLeaves([p2, s2] as Tree)) {
          assert.ok(!inputs.has(leaf.value.data), `${name} returned an input's array`);
        }
      }
    }),
    { numRuns: 10 },
  );
});

test("updateAndApply rejects params whose structure differs from the grads with a TypeError", () => {
  const p = { w: tensor([1, 2]) };
  for (const [name, make] of MAKERS) {
    const opt = make();
    const state = opt.init(p);
    assert.throws(
      () => updateAndApply(opt, { w: tensor([1, 2]) }, state, { w: tensor([1, 2, 3]) }),
      { name: "TypeError", message: /shapes differ|structures differ/ },
      name,
    );
  }
});

test("updateAndApply by hand: sgd moves w by −η·g", () => {
  const w = tensor([1, -2], [2], "float64");
  const [next, state] = updateAndApply(
    sgd(0.5),
    tensor([4, 2], [2], "float64"),
    sgd(0.5).init(w),
    w,
  );
  assert.deepEqual([...(next as Tensor).data], [1 - 0.5 * 4, -2 - 0.5 * 2]);
  assert.equal(state[0].count.data[0], 1);
});
