/**
 * Sweep specs for the values floor: tensors, keys, trees; and the differentiable primitives
 * (each op, and its VJP with a malformed cotangent).
 *
 * @module
 */

import * as g from "../mod.ts";
import {
  arg,
  badCall,
  bool,
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
  t32,
  t64,
  tensorArg,
  treeArg,
} from "./_sweep.ts";

const m22 = () => t64([[1, 2], [3, 4]]);
const v2 = () => t64([1, 2]);
const v3 = () => t64([1, 2, 3]);
const f32v2 = () => t32([1, 2]);
const params = () => ({ w: t64([[1, 2]]), b: t64([3]) });

/** Tensors, keys, trees. */
export const valueSpecs: Spec[] = [
  spec("sizeOf", g.sizeOf, [shape([2, 3])]),
  ...(["assertSameShape", "assertSameDType", "assertRank", "checkShape"] as const).map((name) =>
    badCall(
      name,
      `${name}(op not a string)`,
      () =>
        name === "checkShape"
          ? g.checkShape([2], 3 as never)
          : g[name](3 as never, v2(), v2() as never),
    )
  ),
  spec("formatShape", g.formatShape, [arg(() => [2, 3], null, "2,3", 3, {})]),
  spec("myOp", g.checkShape, [shape([2, 3]), fixed(() => "myOp")], { label: "checkShape" }),
  spec("allocate", g.allocate, [dtype("float32", false), count(4, 0, 2 ** 31 - 1)]),
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
  spec("myOp", g.assertSameShape, [fixed(() => "myOp"), tensorArg(v2, [v3]), tensorArg(v2)], {
    label: "assertSameShape",
  }),
  spec("myOp", g.assertSameDType, [fixed(() => "myOp"), tensorArg(v2, [f32v2]), tensorArg(v2)], {
    label: "assertSameDType",
  }),
  spec("myOp", g.assertRank, [fixed(() => "myOp"), tensorArg(v2, [m22]), fixed(() => 1)], {
    label: "assertRank",
  }),
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
  spec("threefry2x32", g.threefry2x32, [
    key(),
    num(0, { int: true, min: 0, max: 0xffffffff }),
    num(1, { int: true, min: 0, max: 0xffffffff }),
    arg(() => new Uint32Array(2), null, [0, 0], new Float32Array(2), new Uint32Array(1)),
    num(0, { int: true, min: 0, max: 0, optional: true }),
  ]),
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

/** `op(x)` and its VJP, for an op of one tensor. */
function unary(
  name: string,
  op: (x: g.Tensor) => [g.Tensor, (dy: g.Tensor) => unknown],
  x: () => g.Tensor = v2,
  extra: Partial<Spec> = {},
): Spec[] {
  return [
    spec(name, op, [tensorArg(x)], extra),
    spec(name, (dy: g.Tensor) => op(x())[1](dy), [
      tensorArg(() => g.ones(op(x())[0].shape, "float64"), [
        () => g.ones([7], "float64"),
      ]),
    ], { label: `${name} VJP`, ...extra }),
  ];
}

/** `op(a, b)` and its VJP, for an op of two tensors. */
function binary(
  name: string,
  op: (a: g.Tensor, b: g.Tensor) => [g.Tensor, (dy: g.Tensor) => unknown],
  wrong: () => g.Tensor,
  b: () => g.Tensor = v2,
): Spec[] {
  return [
    spec(name, op, [tensorArg(m22, [f32v2]), tensorArg(b, [wrong, f32v2])]),
    spec(name, (dy: g.Tensor) => op(m22(), b())[1](dy), [
      tensorArg(() => g.ones([2, 2], "float64"), [
        () => g.ones([2], "float64"),
      ]),
    ], { label: `${name} VJP` }),
  ];
}

const positive = () => t64([1, 4]);

/** The primitives. */
export const opSpecs: Spec[] = [
  ...binary("add", g.add, v3),
  ...binary("sub", g.sub, v3),
  ...binary("mul", g.mul, v3),
  ...binary("div", g.div, v3),
  ...binary("matmul", g.matmul, v3, m22),
  ...unary("exp", g.exp),
  ...unary("log", g.log, positive),
  ...unary("sqrt", g.sqrt, positive),
  ...unary("square", g.square),
  ...unary("abs", g.abs),
  ...unary("neg", g.neg),
  spec("mulScalar", g.mulScalar, [tensorArg(v2), num(3)]),
  ...unary("sigmoid", g.sigmoid),
  ...unary("tanh", g.tanh),
  ...unary("relu", g.relu),
  spec("leakyRelu", g.leakyRelu, [tensorArg(v2), num(0.1, { min: 0, optional: true })]),
  spec("elu", g.elu, [tensorArg(v2), num(0.5, { min: 0, optional: true })]),
  ...unary("softplus", g.softplus),
  spec("swish", g.swish, [tensorArg(v2), num(1, { optional: true })]),
  ...unary("gelu", g.gelu),
  ...unary("geluTanh", g.geluTanh),
  spec("erf", g.erf, [num(0.5, { infinite: true, nan: true })], { nanOk: true }),
  spec("erfc", g.erfc, [num(0.5, { infinite: true, nan: true })], { nanOk: true }),
  spec("softmax", g.softmax, [
    tensorArg(m22),
    num(-1, { int: true, min: -2, max: 1, optional: true }),
  ]),
  spec("logSoftmax", g.logSoftmax, [
    tensorArg(m22),
    num(1, { int: true, min: -2, max: 1, optional: true }),
  ]),
  ...unary("softmax", (x) => g.softmax(x)),
  ...["sum", "mean", "max"].flatMap((name) => {
    const op = (g as unknown as Record<
      string,
      (x: g.Tensor, o?: unknown) => [g.Tensor, (dy: g.Tensor) => unknown]
    >)[name];
    return [
      spec(name, op, [
        tensorArg(m22),
        options(() => ({ axis: 0 }), {
          axis: arg(() => 0, 2, -3, 0.5, "0", [0, 0], null, [2]),
          keepDims: bool(true),
        }),
      ]),
      ...unary(name, (x) => op(x)),
    ];
  }),
  spec("reshape", g.reshape, [
    tensorArg(m22),
    arg(() => [4], null, [3], [-1, -1], [2, -2], "4", [4.5], [[4]]),
  ]),
  ...unary("reshape", (x) => g.reshape(x, [4]), m22),
  spec("transpose", g.transpose, [
    tensorArg(m22),
    arg(() => [1, 0], [0, 0], [0], [0, 2], "10", [0.5, 1], null),
  ]),
  ...unary("transpose", (x) => g.transpose(x), m22),
  spec("broadcastShapes", g.broadcastShapes, [shape([2, 1]), shape([1, 3])]),
  badCall(
    "broadcastShapes",
    "broadcastShapes (incompatible)",
    () => g.broadcastShapes([2, 1], [3, 2]),
  ),
  badCall(
    "broadcastShapes",
    "broadcastShapes (huge)",
    () => g.broadcastShapes([65536, 1], [1, 65536]),
  ),
  badCall(
    "add",
    "add (huge broadcast)",
    () => g.add(g.zeros([65536, 1], "float64"), g.zeros([1, 65536], "float64")),
  ),
  spec("broadcastTo", g.broadcastTo, [
    tensorArg(v2),
    arg(() => [3, 2], [3], [2, 3], "3,2", null, [-1, 2], [1e6, 1e6, 2]),
  ]),
  ...unary("broadcastTo", (x) => g.broadcastTo(x, [3, 2])),
  spec("sumTo", g.sumTo, [tensorArg(m22), arg(() => [2], [3], [2, 2, 2], null, "2", [-2])]),
  ...unary("sumTo", (x) => g.sumTo(x, [2]), m22),
];
