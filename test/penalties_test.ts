import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { lastValueFrom, of } from "rxjs";
import {
  applyUpdates,
  excludeBiases,
  l1,
  l2,
  type Penalty,
  sumPenalties,
} from "../src/optim/mod.ts";
import { key } from "../src/random.ts";
import { regularize } from "../src/train/stages.ts";
import { fromTypedArray, scalar, type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeLeaves, treeMap } from "../src/tree.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";

type P = { w: Tensor; b: Tensor };
// L1's kink at 0 is kept out of reach of the finite differences.
const paramsArb = fc.record({
  w: tensorArb([2, 3], { avoid: [0], margin: 0.01 }),
  b: tensorArb([3], { avoid: [0], margin: 0.01 }),
});

/** A penalty as the checker's differentiable function: scalar output, VJP scales the grads. */
function differentiable(penalty: Penalty) {
  return (params: P): [Tensor, (dy: Tensor) => P] => {
    const [value, grads] = penalty(params);
    return [
      scalar(value, "float64"),
      (dy) =>
        treeMap((g) => fromTypedArray(g.data.map((v) => v * dy.data[0]), g.shape), grads) as P,
    ];
  };
}

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
        assertGradients(differentiable(penalty), params);
      }),
      { numRuns: 20 },
    );
  });
}

test("l2 is ½λ‖w‖² with gradient λw", () => {
  // ½·0.1·(9 + 16) = 1.25; gradient 0.1·(3, −4).
  const [value, grads] = l2(0.1)(tensor([3, -4], [2], "float64"));
  assert.ok(Math.abs(value - 1.25) < 1e-12);
  const g = [...(grads as Tensor).data];
  assert.ok(Math.abs(g[0] - 0.3) < 1e-12 && Math.abs(g[1] + 0.4) < 1e-12);
});

test("l1 is λΣ|w| with gradient λ·sign(w), 0 at 0", () => {
  // 0.5·(2 + 0 + 1) = 1.5.
  const [value, grads] = l1(0.5)(tensor([-2, 0, 1], [3], "float64"));
  assert.equal(value, 1.5);
  assert.deepEqual([...(grads as Tensor).data], [-0.5, 0, 0.5]);
});

test("a masked-out leaf adds nothing to the value and gets a zero gradient", () => {
  const params = { w: tensor([[1, 2]], [1, 2], "float64"), b: tensor([10], [1], "float64") };
  const [value, grads] = l2(1, excludeBiases)(params);
  assert.equal(value, 2.5);
  assert.deepEqual([...(grads as P).b.data], [0]);
  assert.deepEqual([...(grads as P).w.data], [1, 2]);
});

test("sumPenalties adds values and gradients of its terms", () => {
  fc.assert(
    fc.property(paramsArb, (params) => {
      const [va, ga] = l1(0.2)(params);
      const [vb, gb] = l2(0.5)(params);
      const [v, g] = sumPenalties(l1(0.2), l2(0.5))(params);
      assert.ok(Math.abs(v - (va + vb)) <= 1e-12 * Math.max(1, Math.abs(v)));
      const sum = treeLeaves(g);
      const a = treeLeaves(ga);
      const b = treeLeaves(gb);
      sum.forEach((leaf, l) =>
        leaf.value.data.forEach((x, i) => assert.equal(x, a[l].value.data[i] + b[l].value.data[i]))
      );
    }),
    { numRuns: 20 },
  );
});

test("penalties keep the params' structure and dtype in their gradients", () => {
  const params = { layers: [{ w: tensor([[1, -1]]) }, null] };
  for (const [name, penalty] of penalties) {
    const [, grads] = penalty(params as Tree);
    const leaves = treeLeaves(grads);
    assert.deepEqual(leaves.map((l) => l.path.join(".")), ["layers.0.w"], name);
    assert.equal(leaves[0].value.dtype, "float32", name);
    assert.equal((grads as { layers: unknown[] }).layers[1], null, name);
  }
});

test("penalties never mutate the params", () => {
  fc.assert(
    fc.property(paramsArb, (params) => {
      const before = treeLeaves(params).map((l) => [...l.value.data]);
      for (const [, penalty] of penalties) penalty(params);
      assert.deepEqual(treeLeaves(params).map((l) => [...l.value.data]), before);
    }),
    { numRuns: 20 },
  );
});

test("a negative or non-finite lambda is a RangeError naming the penalty and value", () => {
  assert.throws(() => l2(-1), { name: "RangeError", message: /l2: lambda .* got -1/ });
  assert.throws(() => l1(NaN), { name: "RangeError", message: /l1: lambda .* got NaN/ });
});

// The fused form `addTo(params, grads)` that `regularize` uses must give exactly what the
// penalty followed by `applyUpdates` gives: same value, same elements, either dtype.
const fusable: [string, Penalty][] = [
  ["l2(0.3)", l2(0.3)],
  ["l1(0.7)", l1(0.7)],
  ["l2(0.3, excludeBiases)", l2(0.3, excludeBiases)],
  ["l1(0.7, excludeBiases)", l1(0.7, excludeBiases)],
];
for (const dtype of ["float32", "float64"] as const) {
  const arb = fc.record({
    params: fc.record({ w: tensorArb([2, 3], { dtype }), b: tensorArb([3], { dtype }) }),
    grads: fc.record({ w: tensorArb([2, 3], { dtype }), b: tensorArb([3], { dtype }) }),
  });
  for (const [name, penalty] of fusable) {
    test(`${name}.addTo equals the penalty added by applyUpdates, element for element (${dtype})`, () => {
      assert.equal(typeof penalty.addTo, "function");
      fc.assert(
        fc.property(arb, ({ params, grads }) => {
          const [value, fused] = penalty.addTo!(params, grads);
          const [expectedValue, pg] = penalty(params);
          const expected = applyUpdates(grads, pg) as P;
          assert.equal(value, expectedValue);
          for (const k of ["w", "b"] as const) {
            const got = (fused as P)[k];
            assert.equal(got.dtype, dtype);
            assert.deepEqual(got.shape, params[k].shape);
            // === rather than deepEqual: 0 and -0 are the same gradient.
            got.data.forEach((v, i) => assert.ok(v === expected[k].data[i], `${k}[${i}]`));
          }
        }),
        { numRuns: 30 },
      );
    });
  }
}

test("addTo passes a leaf the mask leaves out through as the same tensor", () => {
  const params = { w: tensor([[1, -2]]), b: tensor([3]) };
  const grads = { w: tensor([[0.5, 0.5]]), b: tensor([0.25]) };
  const [, out] = l2(0.1, excludeBiases).addTo!(params, grads);
  assert.equal((out as typeof grads).b, grads.b);
  assert.notEqual((out as typeof grads).w, grads.w);
  assert.deepEqual([...grads.w.data], [0.5, 0.5]); // the loss gradient is not written into
});

test("addTo names the penalty when params and grads differ in structure, shape or dtype", () => {
  const params = { w: tensor([1, 2]) };
  assert.throws(() => l2(0.1).addTo!(params, { v: tensor([1, 2]) }), {
    name: "TypeError",
    message: /l2 \(params vs grads\)/,
  });
  assert.throws(() => l1(0.1).addTo!(params, { w: tensor([1, 2, 3]) }), {
    name: "TypeError",
    message: /l1 \(params vs grads\)/,
  });
  assert.throws(() => l2(0.1).addTo!(params, { w: tensor([1, 2], [2], "float64") }), {
    name: "TypeError",
    message: /l2: a gradient is float64 but its parameter is float32/,
  });
});

test("regularize uses a penalty's addTo when it has one, and the plain call otherwise", async () => {
  const state = {
    params: { w: tensor([2, -4]) },
    modelState: null,
    optState: null,
    step: 0,
    epoch: 0,
    key: key(0),
  };
  const ctx = {
    state,
    batch: { x: tensor([0]), y: tensor([0]), epoch: 0, index: 0, size: 1 },
    grads: { w: tensor([1, 1]) },
  };
  let fusedCalls = 0;
  const base = l2(0.5);
  const counted: Penalty = Object.assign((p: Tree) => base(p), {
    addTo: (p: Tree, g: Tree) => {
      fusedCalls++;
      return base.addTo!(p, g);
    },
  });
  const plain: Penalty = (p) => base(p); // a user's penalty: no addTo
  for (const penalty of [counted, plain]) {
    const out = await lastValueFrom(of(ctx).pipe(regularize(penalty)));
    assert.equal(out.penalty, 0.5 * 0.5 * 20);
    assert.deepEqual([...(out.grads as typeof ctx.grads).w.data], [2, -1]);
  }
  assert.equal(fusedCalls, 1);
});
