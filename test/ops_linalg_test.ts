import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { linear, matmul } from "../src/ops/mod.ts";
import { fromTypedArray, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, run, TS } from "./_ops.ts";

const dims = fc.integer({ min: 1, max: 5 });
const operands = (dtype: "float32" | "float64" = "float64") =>
  fc.tuple(dims, dims, dims).chain(([m, k, n]) =>
    fc.tuple(tensorArb([m, k], { dtype }), tensorArb([k, n], { dtype }))
  );
/** x: [batch, in], W: [in, units], b: [units], float64. */
const affine = fc.tuple(dims, dims, dims).chain(([n, k, u]) =>
  fc.tuple(tensorArb([n, k]), tensorArb([k, u]), tensorArb([u]))
);
const RUNS = { numRuns: 40 };
const both = (a: Tensor, b: Tensor) =>
  vjp((t: Ops, [x, y]: [Tensor, Tensor]) => t.matmul(x, y), [a, b], { backend: TS });

test("matmul() VJP matches central differences for both operands", () => {
  fc.assert(
    fc.property(operands(), ([a, b]) => {
      assertGradientsMatch((t, [x, y]: [Tensor, Tensor]) => t.matmul(x, y), [a, b]);
    }),
    RUNS,
  );
});

test("linear() VJP matches central differences for x, W and b", () => {
  fc.assert(
    fc.property(affine, ([x, w, b]) => {
      assertGradientsMatch((t, p: Tensor[]) => t.linear(p[0], p[1], p[2]), [x, w, b]);
      assertGradientsMatch((t, p: Tensor[]) => t.linear(p[0], p[1], undefined), [x, w]);
    }),
    RUNS,
  );
});

test("linear(x, W, b) equals add(matmul(x, W), b), with equal pullbacks", () => {
  fc.assert(
    fc.property(affine, ([x, w, b]) => {
      const f = (t: Ops, p: Tensor[]) => t.linear(p[0], p[1], p[2]);
      const g = (t: Ops, p: Tensor[]) => t.add(t.matmul(p[0], p[1]), p[2]);
      const [y1, back1] = vjp(f, [x, w, b], { backend: TS });
      const [y2, back2] = vjp(g, [x, w, b], { backend: TS });
      const close = (u: Tensor, v: Tensor) => {
        assert.deepEqual(u.shape, v.shape);
        u.data.forEach((e, i) => assert.ok(Math.abs(e - v.data[i]) <= 1e-12 * (1 + Math.abs(e))));
      };
      close(y1, y2);
      // A cotangent with no pattern a wrong pullback could hide behind.
      const dy = fromTypedArray(y1.data.map((v, k) => Math.sin(3 * k + v)), y1.shape);
      const [d1, d2] = [back1(dy), back2(dy)];
      d1.forEach((c, k) => close(c, d2[k]));
    }),
    RUNS,
  );
});

test("linear()'s bias cotangent is the rows of dy summed in order in double, bit for bit", () => {
  // Batches 1 to 13 cover the pullback's four-row passes and the rows left over.
  const cases = fc.tuple(
    fc.integer({ min: 1, max: 13 }),
    dims,
    fc.constantFrom(
      "float32" as const,
      "float64" as const,
    ),
  ).chain(([n, u, dtype]) =>
    fc.tuple(tensorArb([n, 2], { dtype }), tensorArb([2, u], { dtype }), tensorArb([u], { dtype }))
  );
  fc.assert(
    fc.property(cases, ([x, w, b]) => {
      const [y, back] = vjp((t, p: Tensor[]) => t.linear(x, w, p[0]), [b], { backend: TS });
      const dy = fromTypedArray(
        y.data.map((v, k) => Math.sin(7 * k + v) * 1e3 ** (k % 3)),
        y.shape,
      );
      const [n, u] = y.shape;
      const expected = new Float64Array(u);
      for (let i = 0; i < n; i++) for (let j = 0; j < u; j++) expected[j] += dy.data[i * u + j];
      const db = back(dy)[0];
      assert.deepEqual(Array.from(db.data), Array.from(b.data.map((_, j) => expected[j])));
    }),
    RUNS,
  );
});

for (const [name, p, arity] of [["matmul", matmul, 2], ["linear", linear, 3]] as const) {
  test(`${name}() computes only the cotangents its pullback is asked for`, () => {
    fc.assert(
      fc.property(affine, fc.integer({ min: 0, max: arity - 1 }), ([x, w, b], which) => {
        const [y, pullback] = name === "matmul" ? run(matmul, x, w) : run(linear, x, w, b);
        const all = pullback(y, new Array(arity).fill(true));
        const needs = Array.from({ length: arity }, (_, i) => i === which);
        const some = pullback(y, needs);
        for (let i = 0; i < arity; i++) {
          if (i === which) assert.deepEqual(some[i], all[i]);
          else assert.equal(some[i], undefined, `${name} input ${i}`);
        }
      }),
      RUNS,
    );
    assert.equal(p.arity, arity);
  });
}

test("linear() without a bias equals matmul() and gives no bias cotangent", () => {
  fc.assert(
    fc.property(affine, ([x, w]) => {
      const [y, pullback] = run(linear, x, w, undefined);
      assert.deepEqual(y, plain.matmul(x, w));
      assert.equal(pullback(y, [true, true, true])[2], undefined);
    }),
    RUNS,
  );
});

test("matmul() never mutates or aliases its inputs", () => {
  fc.assert(
    fc.property(operands("float32"), ([a, b]) => {
      const before = snapshot(a, b);
      const [y, pullback] = both(a, b);
      pullback(y);
      assert.deepEqual(snapshot(a, b), before);
      assert.notEqual(y.data.buffer, a.data.buffer);
      assert.notEqual(y.data.buffer, b.data.buffer);
    }),
    RUNS,
  );
});

test("matmul() of [2,3]·[3,2] equals the product worked by hand", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([[7, 8], [9, 10], [11, 12]]);
  // Row·column: 1·7 + 2·9 + 3·11 = 58, 1·8 + 2·10 + 3·12 = 64, 4·7 + 5·9 + 6·11 = 139, ...
  const [y, pullback] = both(a, b);
  assert.deepEqual(toNested(y), [[58, 64], [139, 154]]);
  // With dY = [[1,0],[0,1]]: dA = dY·Bᵀ = Bᵀ, dB = Aᵀ·dY = Aᵀ.
  const [da, db] = pullback(tensor([[1, 0], [0, 1]]));
  assert.deepEqual(toNested(da), [[7, 9, 11], [8, 10, 12]]);
  assert.deepEqual(toNested(db), [[1, 4], [2, 5], [3, 6]]);
});

test("matmul() keeps the dtype, also for a cotangent of the other dtype", () => {
  const [y, pullback] = run(matmul, tensor([[1, 2]]), tensor([[3], [4]]));
  assert.equal(y.dtype, "float32");
  const [da, db] = pullback(tensor([[1]], [1, 1], "float64"), [true, true]);
  assert.deepEqual([da?.dtype, db?.dtype], ["float32", "float32"]);
  assert.deepEqual(Array.from(da?.data ?? []), [3, 4]);
});

test("matmul() rejects differing inner dimensions with the brief's message", () => {
  assert.throws(
    () => plain.matmul(tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(20), [4, 5])),
    {
      name: "TypeError",
      message: "Cannot matmul: inner dimensions differ (3 vs 4) for shapes [2,3] and [4,5]",
    },
  );
});

test("matmul() rejects tensors that are not rank 2 with a TypeError", () => {
  assert.throws(() => plain.matmul(tensor([1, 2]), tensor([[1], [2]])), {
    name: "TypeError",
    message: "Cannot matmul: expected two rank-2 tensors, got shapes [2] and [2,1]",
  });
});

test("matmul() rejects mixed dtypes with a TypeError", () => {
  const a = tensor([[1]], [1, 1], "float32");
  assert.throws(() => plain.matmul(a, tensor([[1]], [1, 1], "float64")), {
    name: "TypeError",
    message: "Cannot matmul: dtypes differ, float32 and float64",
  });
});

test("linear() rejects a bias of the wrong shape with a TypeError", () => {
  const x = tensor([[1, 2]]), w = tensor([[1, 0, 0], [0, 1, 0]]);
  assert.throws(() => plain.linear(x, w, tensor([1, 2])), {
    name: "TypeError",
    message: "Cannot linear: the bias must be a tensor of shape [3], got shape [2]",
  });
});
