import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertSameStructure,
  describeTree,
  fromTypedArray,
  ones,
  type Tensor,
  tensor,
  type Tree,
  treeFlatten,
  treeLeaves,
  treeMap,
  treeSize,
  zeros,
} from "../mod.ts";

type Params = { layers: ({ w: Tensor; b?: Tensor } | null)[] };
const params: Params = { layers: [{ w: zeros([2, 3]), b: zeros([3]) }, null, { w: ones([3, 1]) }] };

test("treeLeaves visits arrays by index and objects by sorted key", () => {
  const paths = treeLeaves(params as Tree).map((l) => l.path.join("."));
  assert.deepEqual(paths, ["layers.0.b", "layers.0.w", "layers.2.w"]);
});

test("treeFlatten then unflatten rebuilds the same structure with new leaves", () => {
  const [leaves, unflatten] = treeFlatten(params as Tree);
  const rebuilt = unflatten(leaves.map((t) => fromTypedArray(t.data.map((v) => v + 1), t.shape)));
  assert.equal(describeTree(rebuilt), describeTree(params as Tree));
  const w = (rebuilt as unknown as Params).layers[2]!.w as Tensor;
  assert.deepEqual([...w.data], [2, 2, 2]);
  assert.throws(() => unflatten(leaves.slice(1)), {
    name: "TypeError",
    message: /has 3 leaves, got 2/,
  });
});

test("treeMap over two trees combines matching leaves", () => {
  const a = { x: tensor([1, 2]), y: [tensor([3])] };
  const b = { x: tensor([10, 20]), y: [tensor([30])] };
  const sum = treeMap((p, q) => fromTypedArray(p.data.map((v, i) => v + q.data[i]), p.shape), a, b);
  assert.deepEqual([...sum.x.data], [11, 22]);
  assert.deepEqual([...(sum.y[0] as Tensor).data], [33]);
});

test("structure mismatches name both structures", () => {
  const a = { w: zeros([2]), b: zeros([1]) };
  const b = { w: zeros([2]) };
  assert.throws(() => treeMap((x) => x, a, b), {
    name: "TypeError",
    message:
      /treeMap: tree structures differ at <root> \(keys \{b,w\} vs \{w\}\): \{b:\[1\],w:\[2\]\} vs \{w:\[2\]\}/,
  });
  assert.throws(() => assertSameStructure("step", [zeros([2])], [zeros([3])]), {
    name: "TypeError",
    message: /step: leaf shapes differ, \[2\] vs \[3\]/,
  });
  assert.throws(() => treeMap((x) => x, [zeros([1])], [zeros([1]), zeros([1])]), {
    message: /lengths 1 vs 2/,
  });
});

test("treeSize counts every scalar", () => {
  assert.equal(treeSize(params as Tree), 6 + 3 + 3);
  assert.equal(treeSize(null), 0);
});

test("non-tree values are rejected", () => {
  assert.throws(() => treeLeaves({ w: 3 } as never), {
    name: "TypeError",
    message: /not a tree at w/,
  });
});
