import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { l1, l2, sumPenalties } from "../src/optim/penalties.ts";
import { excludeBiases } from "../src/optim/masks.ts";
import type { Penalty } from "../src/optim/transform.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves } from "../src/tree.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";

const ts = backend("ts");
const t = untraced(ts);
const withGrad = <P extends Tree>(penalty: Penalty, params: P) =>
  valueAndGrad((t, p: P) => penalty(t, p), params, { backend: ts });

type P = { w: Tensor; b: Tensor };
// L1's kink at 0 is kept out of reach of the finite differences.
const paramsArb = fc.record({
  w: tensorArb([2, 3], { avoid: [0], margin: 0.01 }),
  b: tensorArb([3], { avoid: [0], margin: 0.01 }),
});

const penalties: [string, Penalty][] = [
  ["l2(0.3)", l2(0.3)],
  ["l1(0.7)", l1(0.7)],
  ["l2(0.3, excludeBiases)", l2(0.3, excludeBiases)],
  ["l1(0.7, excludeBiases)", l1(0.7, excludeBiases)],
  ["sumPenalties(l1(0.2), l2(0.5))", sumPenalties(l1(0.2), l2(0.5))],
];
for (const [name, penalty] of penalties) {
  test(`${name}'s gradient matches central differences`, () => {
    fc.assert(
      fc.property(paramsArb, (params) => {
        assertGradients((t, p: P) => penalty(t, p), params);
      }),
      { numRuns: 20 },
    );
  });
}

test("l2 is ½λ‖w‖² with gradient λw", () => {
  // ½·0.1·(9 + 16) = 1.25; gradient 0.1·(3, −4).
  const [value, grads] = withGrad(l2(0.1), tensor([3, -4], [2], "float64"));
  assert.ok(Math.abs(value - 1.25) < 1e-12);
  const g = [...grads.data];
  assert.ok(Math.abs(g[0] - 0.3) < 1e-12 && Math.abs(g[1] + 0.4) < 1e-12);
});

test("l1 is λΣ|w| with gradient λ·sign(w), 0 at 0", () => {
  // 0.5·(2 + 0 + 1) = 1.5.
  const [value, grads] = withGrad(l1(0.5), tensor([-2, 0, 1], [3], "float64"));
  assert.equal(value, 1.5);
  assert.deepEqual([...grads.data], [-0.5, 0, 0.5]);
});

test("a penalty sums over every leaf of the tree", () => {
  const params = {
    a: [tensor([1, 2], [2], "float64")],
    b: { c: tensor([[3]], [1, 1], "float64") },
  };
  assert.equal(l2(2)(t, params).data[0], 1 + 4 + 9);
  assert.equal(l1(2)(t, params).data[0], 2 * (1 + 2 + 3));
});

test("a masked-out leaf adds nothing to the value and gets a zero gradient", () => {
  const params = { w: tensor([[1, 2]], [1, 2], "float64"), b: tensor([10], [1], "float64") };
  const [value, grads] = withGrad(l2(1, excludeBiases), params);
  assert.equal(value, 2.5);
  assert.deepEqual([...grads.b.data], [0]);
  assert.deepEqual([...grads.w.data], [1, 2]);
});

test("sumPenalties adds values and gradients of its terms", () => {
  fc.assert(
    fc.property(paramsArb, (params) => {
      const [va, ga] = withGrad(l1(0.2), params);
      const [vb, gb] = withGrad(l2(0.5), params);
      const [v, g] = withGrad(sumPenalties(l1(0.2), l2(0.5)), params);
      assert.ok(Math.abs(v - (va + vb)) <= 1e-12 * Math.max(1, Math.abs(v)));
      const a = treeLeaves(ga), b = treeLeaves(gb);
      treeLeaves(g).forEach((leaf, l) =>
        leaf.value.data.forEach((x, i) =>
          assert.ok(Math.abs(x - (a[l].value.data[i] + b[l].value.data[i])) <= 1e-15)
        )
      );
    }),
    { numRuns: 20 },
  );
});

test("with nothing to penalise (no leaves, all masked, no penalties) the value is a zero", () => {
  const params = { b: tensor([3]) };
  for (const out of [l2(1)(t, null), l1(1, excludeBiases)(t, params), sumPenalties()(t, params)]) {
    assert.equal(out.data.length, 1);
    assert.equal(out.data[0], 0);
  }
  const [, grads] = withGrad(l2(1, excludeBiases), params);
  assert.deepEqual([...grads.b.data], [0]);
});

test("penalties keep the params' structure and dtype in their gradients", () => {
  const params = { layers: [{ w: tensor([[1, -1]]) }, null] };
  for (const [name, penalty] of penalties) {
    const [, grads] = withGrad(penalty, params as Tree);
    const leaves = treeLeaves(grads);
    assert.deepEqual(leaves.map((l) => l.path.join(".")), ["layers.0.w"], name);
    assert.equal(leaves[0].value.dtype, "float32", name);
    assert.equal((grads as { layers: unknown[] }).layers[1], null, name);
  }
});

test("a penalty's value has the params' dtype and mixes leaves of both dtypes", () => {
  assert.equal(l2(1)(t, { w: tensor([1, 2]) }).dtype, "float32");
  const mixed = { a: tensor([1, 2], [2], "float32"), b: tensor([3], [1], "float64") };
  const [value, grads] = withGrad(l2(1), mixed);
  assert.equal(value, 0.5 * (1 + 4 + 9));
  assert.equal(grads.a.dtype, "float32");
  assert.equal(grads.b.dtype, "float64");
  assert.deepEqual([...grads.b.data], [3]);
});

test("penalties never mutate the params", () => {
  fc.assert(
    fc.property(paramsArb, (params) => {
      const before = treeLeaves(params).map((l) => [...l.value.data]);
      for (const [, penalty] of penalties) withGrad(penalty, params);
      assert.deepEqual(treeLeaves(params).map((l) => [...l.value.data]), before);
    }),
    { numRuns: 20 },
  );
});

test("a negative or non-finite lambda is a RangeError naming the penalty and value", () => {
  assert.throws(() => l2(-1), { name: "RangeError", message: /l2: lambda .* got -1/ });
  assert.throws(() => l1(NaN), { name: "RangeError", message: /l1: lambda .* got NaN/ });
});

test("a mask that is not a function, or a penalty that is not, is a TypeError", () => {
  assert.throws(() => l2(1, "w" as never), { name: "TypeError", message: /^l2: mask must be/ });
  assert.throws(() => sumPenalties(l1(1), 3 as never), {
    name: "TypeError",
    message: /^sumPenalties: every penalty must be a function, got number/,
  });
});

test("params that are not a tree are a TypeError naming the penalty", () => {
  assert.throws(() => l2(1)(t, { w: [1, 2] } as never), { name: "TypeError", message: /^l2: / });
  assert.throws(() => sumPenalties(l1(1))(t, "w" as never), {
    name: "TypeError",
    message: /^sumPenalties: /,
  });
});
