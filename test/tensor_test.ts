import { test } from "node:test";
import assert from "node:assert/strict";
import { astype, full, ones, scalar, tensor, toNested, zeros } from "../mod.ts";

test("tensor() infers shape from nested arrays and copies the data", () => {
  const src = [[1, 2, 3], [4, 5, 6]];
  const t = tensor(src);
  assert.deepEqual(t.shape, [2, 3]);
  src[0][0] = 99;
  assert.equal(t.data[0], 1);
  assert.deepEqual(toNested(t), [[1, 2, 3], [4, 5, 6]]);
});

test("tensor() rejects ragged arrays and mismatched shapes with TypeError", () => {
  assert.throws(() => tensor([[1, 2], [3]]), { name: "TypeError", message: /ragged/ });
  assert.throws(() => tensor([1, 2, 3], [2, 2]), {
    name: "TypeError",
    message: /shape \[2,2\] needs 4 elements but 3/,
  });
});

test("constructors fill and convert dtypes", () => {
  assert.ok(zeros([2, 2]).data.every((v) => v === 0));
  assert.ok(ones([3], "float64").data.every((v) => v === 1));
  assert.equal(full([2], 2.5).data[1], 2.5);
  assert.equal(scalar(3).shape.length, 0);
  const d = astype(tensor([0.1]), "float64");
  assert.equal(d.dtype, "float64");
  assert.equal(d.data[0], Math.fround(0.1));
});

test("tensors are frozen values", () => {
  const t = tensor([1, 2]);
  assert.ok(Object.isFrozen(t));
  assert.ok(Object.isFrozen(t.shape));
});
