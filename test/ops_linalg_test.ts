import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { matmul } from "../src/ops/mod.ts";
import { type Tensor, tensor, toNested } from "../src/tensor.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";

const dims = fc.integer({ min: 1, max: 5 });
const operands = (dtype: "float32" | "float64" = "float64") =>
  fc.tuple(dims, dims, dims).chain(([m, k, n]) =>
    fc.tuple(tensorArb([m, k], { dtype }), tensorArb([k, n], { dtype }))
  );
const RUNS = { numRuns: 40 };

test("matmul() VJP matches central differences for both operands", () => {
  fc.assert(
    fc.property(operands(), ([a, b]) => {
      assertGradients(([x, y]: [Tensor, Tensor]) => matmul(x, y), [a, b]);
    }),
    RUNS,
  );
});

test("matmul() never mutates or aliases its inputs", () => {
  fc.assert(
    fc.property(operands("float32"), ([a, b]) => {
      const before = snapshot(a, b);
      const [y, vjp] = matmul(a, b);
      vjp(y);
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
  const [y, vjp] = matmul(a, b);
  assert.deepEqual(toNested(y), [[58, 64], [139, 154]]);
  // With dY = [[1,0],[0,1]]: dA = dY·Bᵀ = Bᵀ, dB = Aᵀ·dY = Aᵀ.
  const [da, db] = vjp(tensor([[1, 0], [0, 1]]));
  assert.deepEqual(toNested(da), [[7, 9, 11], [8, 10, 12]]);
  assert.deepEqual(toNested(db), [[1, 4], [2, 5], [3, 6]]);
});

test("matmul() keeps the dtype, also for a cotangent of the other dtype", () => {
  const [y, vjp] = matmul(tensor([[1, 2]]), tensor([[3], [4]]));
  assert.equal(y.dtype, "float32");
  const [da, db] = vjp(tensor([[1]], [1, 1], "float64"));
  assert.deepEqual([da.dtype, db.dtype], ["float32", "float32"]);
  assert.deepEqual(Array.from(da.data), [3, 4]);
});

test("matmul() rejects differing inner dimensions with the brief's message", () => {
  assert.throws(
    () => matmul(tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(20), [4, 5])),
    {
      name: "TypeError",
      message: "Cannot matmul: inner dimensions differ (3 vs 4) for shapes [2,3] and [4,5]",
    },
  );
});

test("matmul() rejects tensors that are not rank 2 with a TypeError", () => {
  assert.throws(() => matmul(tensor([1, 2]), tensor([[1], [2]])), {
    name: "TypeError",
    message: "Cannot matmul: expected two rank-2 tensors, got shapes [2] and [2,1]",
  });
});

test("matmul() rejects mixed dtypes with a TypeError", () => {
  assert.throws(() => matmul(tensor([[1]], [1, 1], "float32"), tensor([[1]], [1, 1], "float64")), {
    name: "TypeError",
    message: "Cannot matmul: dtypes differ, float32 and float64",
  });
});
