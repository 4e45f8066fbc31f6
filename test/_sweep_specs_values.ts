/**
 * Sweep specs for the values floor: tensors, keys, trees (the primitives are in
 * `_sweep_specs_ops.ts`).
 *
 * @module
 */

import * as g from "../mod.ts";
import {
  arg,
  badCall,
  count,
  dtype,
  fixed,
  fn,
  key,
  num,
  options,
  shape,
  type Spec,
  spec,
  t64,
  tensorArg,
  treeArg,
} from "./_sweep.ts";

const m22 = () => t64([[1, 2], [3, 4]]);
const v2 = () => t64([1, 2]);
const params = () => ({ w: t64([[1, 2]]), b: t64([3]) });

/** Tensors, keys, trees. */
export const valueSpecs: Spec[] = [
  spec("sizeOf", g.sizeOf, [shape([2, 3])]),
  spec("formatShape", g.formatShape, [arg(() => [2, 3], null, "2,3", 3, {})]),
  spec("fromTypedArray", g.fromTypedArray, [
    arg(() => new Float64Array(4), null, [1, 2, 3, 4], new Int32Array(4), new Uint8Array(4), {}),
    shape([2, 2]),
  ]),
  spec("tensor", g.tensor, [
    arg(() => [[1, 2], [3, 4]], null, undefined, "1,2", [1, "2"], [[1, 2], [3]], [{}], {
      length: 2,
    }),
    shape([2, 2], true),
    dtype("float64"),
  ]),
  spec("full", g.full, [shape([2, 2]), num(7, { infinite: true }), dtype()]),
  spec("zeros", g.zeros, [shape([3]), dtype()]),
  spec("ones", g.ones, [shape([3]), dtype()]),
  spec("scalar", g.scalar, [num(2.5, { infinite: true }), dtype()]),
  spec("zerosLike", g.zerosLike, [tensorArg(v2)]),
  spec("astype", g.astype, [tensorArg(v2), dtype("float32", false)]),
  spec("item", g.item, [tensorArg(() => t64([5]), [v2])]),
  spec("toNested", g.toNested, [tensorArg(m22)]),
  spec("shapesEqual", g.shapesEqual, [
    arg(() => [2, 3], null, undefined, "2,3", 3),
    arg(() => [2, 3], null, undefined, "2,3", 3),
  ]),
  spec("key", g.key, [num(42, { int: true })]),
  spec("split", g.split, [key(), count(3, 1, 1 << 20, true)]),
  spec("foldIn", g.foldIn, [key(), num(7, { int: true, min: 0, max: 0xffffffff })]),
  spec("randomBits", g.randomBits, [key(), count(5, 0, 0x7ffffffe)]),
  spec("uniform", g.uniform, [
    key(),
    shape([2, 3]),
    options(() => ({ min: -1, max: 1 }), { min: num(-1), max: num(1), dtype: dtype() }),
  ]),
  badCall("uniform", "uniform(min = max)", () => g.uniform(g.key(0), [2], { min: 1, max: 1 })),
  badCall("uniform", "uniform(min > max)", () => g.uniform(g.key(0), [2], { min: 2, max: 1 })),
  spec("normal", g.normal, [
    key(),
    shape([4]),
    options(() => ({ mean: 0, std: 2 }), { mean: num(0), std: num(1, { min: 0 }), dtype: dtype() }),
  ]),
  spec("bernoulli", g.bernoulli, [key(), shape([4]), num(0.5, { min: 0, max: 1 }), dtype()]),
  spec("permutation", g.permutation, [key(), count(5, 0, 0x3fffffff)]),
  spec("formatPath", g.formatPath, [arg(() => ["a", 0, "w"], null, undefined, "a.0", 3)]),
  spec("treeMap", g.treeMap, [fn(() => (t: g.Tensor) => t), treeArg(params, [() => ({ w: 3 })])]),
  spec(
    "treeMap",
    (f: (t: g.Tensor, u: g.Tensor) => g.Tensor, a: g.Tree, b: g.Tree) => g.treeMap(f, a, b),
    [
      fixed(() => (t: g.Tensor) => t),
      fixed(params),
      treeArg(params, [() => ({ w: t64([1]) }), () => [
        t64([1]),
      ]]),
    ],
    { label: "treeMap (two trees)" },
  ),
  badCall("treeMap", "treeMap(fn returning 3)", () => g.treeMap((() => 3) as never, params())),
  badCall("tensor", "tensor(nested 100 deep)", () => {
    let v: unknown = 1;
    for (let i = 0; i < 100; i++) v = [v];
    return g.tensor(v as number[]);
  }),
  spec("treeLeaves", g.treeLeaves, [treeArg(params)]),
  spec("treeFlatten", g.treeFlatten, [treeArg(params)]),
  spec("treeUnflatten", (leaves: unknown) => g.treeFlatten(params())[1](leaves as g.Tensor[]), [
    arg(() => [t64([7]), t64([[5, 6]])], null, [t64([1])], [3, 4], [t64([1, 2]), t64([7])], "ab"),
  ], { label: "treeFlatten(...)[1] (unflatten)" }),
  spec("treeSize", g.treeSize, [treeArg(params)]),
  spec("myOp", g.assertSameStructure, [
    fixed(() => "myOp"),
    treeArg(params, [() => ({ w: t64([[1, 2]]) }), () => ({ w: t64([[1]]), b: t64([3]) })]),
    fixed(params),
  ], { label: "assertSameStructure" }),
];
