import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import {
  adam,
  type AdamState,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  type CountState,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  type StateOf,
  traceMomentum,
  type Transform,
} from "../src/optim/mod.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves } from "../src/tree.ts";
import { tensorArb } from "../src/testing/mod.ts";

type P = { w: Tensor; b: Tensor };
const paramsArb = (dtype: "float32" | "float64") =>
  fc.record({ w: tensorArb([2, 3], { dtype }), b: tensorArb([3], { dtype }) });

function data(tree: Tree): number[][] {
  return treeLeaves(tree).map((l) => [...l.value.data]);
}

test("chain(a, b, c) equals applying a, then b, then c by hand, step after step", () => {
  fc.assert(
    fc.property(paramsArb("float64"), paramsArb("float64"), paramsArb("float64"), (p, g1, g2) => {
      const a = clipByGlobalNorm(1);
      const b = traceMomentum({ decay: 0.8 });
      const c = scaleByLearningRate(0.1);
      const chained = chain(a, b, c);
      let state = chained.init(p);
      let [sa, sb, sc] = [a.init(p), b.init(p), c.init(p)];
      for (const g of [g1, g2]) {
        const [u, next] = chained.update(g, state, p);
        const [ua, na] = a.update(g, sa, p);
        const [ub, nb] = b.update(ua, sb, p);
        const [uc, nc] = c.update(ub, sc, p);
        assert.deepEqual(data(u), data(uc));
        assert.deepEqual(data(next as Tree), data([na, nb, nc]));
        [state, sa, sb, sc] = [next, na, nb, nc];
      }
    }),
    { numRuns: 30 },
  );
});

for (const dtype of ["float64", "float32"] as const) {
  test(`chain(scaleByAdam, scaleByLearningRate) equals the two links by hand bitwise in ${dtype}`, () => {
    fc.assert(
      fc.property(paramsArb(dtype), paramsArb(dtype), paramsArb(dtype), (p, g1, g2) => {
        const a = scaleByAdam();
        const lr = scaleByLearningRate((step) => 0.1 / (step + 1));
        const chained = chain(a, lr);
        let state = chained.init(p);
        let [sa, sl] = [a.init(p), lr.init(p)];
        for (const g of [g1, g2]) {
          const [u, next] = chained.update(g, state, p);
          const [ua, na] = a.update(g, sa, p);
          const [ul, nl] = lr.update(ua, sl, p);
          assert.deepEqual(data(u), data(ul));
          assert.deepEqual(data(next as Tree), data([na, nl]));
          for (const leaf of treeLeaves(u)) assert.equal(leaf.value.dtype, dtype);
          [state, sa, sl] = [next, na, nl];
        }
      }),
      { numRuns: 30 },
    );
  });
}

test("chain hands its t to every link (the backend the update runs on)", () => {
  const seen: (Ops | undefined)[] = [];
  const spy: Transform<null> = {
    init: () => null,
    update: (g, _s, _p, t) => {
      seen.push(t);
      return [g, null];
    },
  };
  const t = untraced(backend("ts"));
  const p = tensor([1]);
  const opt = chain(spy, scaleByLearningRate(1), spy);
  opt.update(p, opt.init(p), p, t);
  assert.deepEqual(seen, [t, t]);
});

test("chain's state type is the tuple of its links' states", () => {
  const opt = chain(scaleByAdam(), scaleByLearningRate(0.1));
  const p = { w: tensor([1, 2]) };
  // Type-level: StateOf<typeof opt> is [AdamState, CountState], so fields are reachable.
  const state: StateOf<typeof opt> = opt.init(p);
  const typed: [AdamState, CountState] = state;
  assert.equal(typed[0].count.data[0], 0);
  assert.equal(typed[1].count.data[0], 0);
});

test("chain's state is the array of its links' states", () => {
  const p = { w: tensor([1, 2]) };
  const state = chain(scale(2), traceMomentum(), scaleByLearningRate(0.1)).init(p);
  assert.equal(state.length, 3);
  assert.equal(state[0], null);
  assert.deepEqual(data(state[1].trace), [[0, 0]]);
  assert.equal(state[2].count.data[0], 0);
});

test("optimiser states are trees of tensors: adam's leaves and their paths", () => {
  const p = { layers: [{ w: tensor([[1, 2]]), b: tensor([0]) }, null] };
  const opt = adam(1e-3);
  const [, state] = opt.update(p, opt.init(p), p);
  const leaves = treeLeaves(state as Tree);
  assert.deepEqual(leaves.map((l) => l.path.join(".")), [
    "0.count",
    "0.mu.layers.0.b",
    "0.mu.layers.0.w",
    "0.nu.layers.0.b",
    "0.nu.layers.0.w",
    "1.count",
  ]);
  const counts = leaves.filter((l) => l.path.at(-1) === "count").map((l) => l.value);
  for (const c of counts) {
    assert.equal(c.dtype, "float64");
    assert.deepEqual(c.shape, []);
    assert.equal(c.data[0], 1);
  }
});

test("chain rejects a state array of the wrong length with a TypeError", () => {
  const opt = chain(scale(1), scaleByLearningRate(1));
  const p = tensor([1]);
  assert.throws(() => opt.update(p, [null] as never, p), {
    name: "TypeError",
    message: /chain update: expected a state array of 2 link states/,
  });
});

test("applyUpdates adds updates leaf by leaf", () => {
  fc.assert(
    fc.property(paramsArb("float64"), paramsArb("float64"), (p, u) => {
      const next = applyUpdates(p, u) as P;
      for (const k of ["w", "b"] as const) {
        for (let i = 0; i < p[k].data.length; i++) {
          assert.equal(next[k].data[i], p[k].data[i] + u[k].data[i]);
        }
      }
    }),
    { numRuns: 30 },
  );
});

test("applyUpdates keeps float32 params float32 even with float64 updates", () => {
  const next = applyUpdates({ w: tensor([1, 2]) }, { w: tensor([0.1, 0.2], [2], "float64") });
  assert.equal((next as { w: Tensor }).w.dtype, "float32");
  assert.equal((next as { w: Tensor }).w.data[0], Math.fround(1.1));
});

test("applyUpdates never mutates its inputs nor returns their arrays", () => {
  fc.assert(
    fc.property(paramsArb("float32"), paramsArb("float32"), (p, u) => {
      const before = [data(p), data(u)];
      const next = applyUpdates(p, u) as P;
      assert.deepEqual([data(p), data(u)], before);
      assert.notEqual(next.w.data, p.w.data);
      assert.notEqual(next.w.data, u.w.data);
    }),
    { numRuns: 20 },
  );
});

test("applyUpdates rejects trees of different structure with a TypeError naming both", () => {
  assert.throws(() => applyUpdates({ w: tensor([1]) }, { v: tensor([1]) }), {
    name: "TypeError",
    message: /applyUpdates: tree structures differ/,
  });
  assert.throws(() => applyUpdates({ w: tensor([1]) }, { w: tensor([1, 2]) }), {
    name: "TypeError",
    message: /applyUpdates: leaf shapes differ, \[1\] vs \[2\]/,
  });
});

test("a user-defined link composes with built-in ones", () => {
  // A hand-written link that doubles the gradients, then a learning rate: u = −0.5·2g.
  const double: Transform<null> = {
    init: () => null,
    update: (g) => [applyUpdates(g, g) as Tree, null],
  };
  const opt = chain(double, scaleByLearningRate(0.5));
  const p = tensor([1], [1], "float64");
  const [u] = opt.update(tensor([3], [1], "float64"), opt.init(p), p);
  assert.equal((u as Tensor).data[0], -3);
});
