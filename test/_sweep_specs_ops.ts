/**
 * Sweep specs for the primitives: every primitive of the registry called through an `Ops`
 * value (`untraced(backend("ts")).relu(bad)`, the way layers and user code call them), and
 * the records `gradstream/ops` exports called as `relu.run(backend, bad)`. The malformed
 * cotangents reach the pullbacks through `vjp` (swept in `_sweep_specs_autodiff.ts`): a
 * record's own pullback is the trace's to call, with a cotangent of the output's shape.
 *
 * @module
 */

import { backend } from "../src/kernels/select.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import * as opsMod from "../src/ops/mod.ts";
import * as g from "../mod.ts";
import {
  type Arg,
  arg,
  badCall,
  bool,
  count,
  dtype,
  fixed,
  num,
  options,
  type Spec,
  spec,
  t32,
  t64,
  tensorArg,
} from "./_sweep.ts";

const ts = backend("ts");
const t = untraced(ts);

const m22 = () => t64([[1, 2], [3, 4]]);
const v2 = () => t64([1, 2]);
const v3 = () => t64([1, 2, 3]);
const f32v2 = () => t32([1, 2]);
const f32m22 = () => t32([[1, 2], [3, 4]]);
const positive = () => t64([1, 4]);
const image = () => g.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1], "float64");
const axis = (valid: number, rank = 2, optional = false) =>
  num(valid, { int: true, min: -rank, max: rank - 1, optional });
const x = (make: () => g.Tensor = v2) => tensorArg(make);
const pair = () => ({
  valid: () => 1,
  bad: arg(() => 1, 0, -1, 1.5, "2", [1], [1, 2, 3], null).bad,
});

/** A binary op that broadcasts: wrong second operands are incompatible shapes and dtypes. */
const broadcasting = (): Arg[] => [tensorArg(m22, [f32v2]), tensorArg(v2, [v3, f32v2])];

const reduceOptions = () =>
  options(() => ({ axis: 0 }), {
    axis: arg(() => 0, 2, -3, 0.5, "0", [0, 0], null, [2]),
    keepDims: bool(true),
  });

/** Valid arguments and their malformed neighbours, per primitive (after the backend). */
const ARGS: Readonly<Record<string, readonly Arg[]>> = {
  add: broadcasting(),
  sub: broadcasting(),
  mul: broadcasting(),
  div: broadcasting(),
  maximum: broadcasting(),
  minimum: broadcasting(),
  equal: broadcasting(),
  matmul: [tensorArg(m22, [f32m22, v2]), tensorArg(m22, [() => t64([[1, 2, 3]]), f32m22, v2])],
  linear: [
    tensorArg(m22, [f32m22, v2]),
    tensorArg(m22, [() => t64([[1, 2, 3]]), f32m22]),
    tensorArg(v2, [v3, f32v2, m22], true),
  ],
  exp: [x()],
  log: [x(positive)],
  sqrt: [x(positive)],
  square: [x()],
  abs: [x()],
  neg: [x()],
  sigmoid: [x()],
  tanh: [x()],
  relu: [x()],
  softplus: [x()],
  gelu: [x()],
  geluTanh: [x()],
  pow: [x(positive), num(2)],
  mulScalar: [x(), num(3)],
  addScalar: [x(), num(3)],
  leakyRelu: [x(), num(0.1, { min: 0, optional: true })],
  elu: [x(), num(0.5, { min: 0, optional: true })],
  swish: [x(), num(1, { optional: true })],
  softmax: [x(m22), axis(-1, 2, true)],
  logSoftmax: [x(m22), axis(1, 2, true)],
  sum: [x(m22), reduceOptions()],
  mean: [x(m22), reduceOptions()],
  max: [x(m22), reduceOptions()],
  reshape: [x(m22), arg(() => [4], null, [3], [-1, -1], [2, -2], "4", [4.5], [[4]])],
  transpose: [x(m22), arg(() => [1, 0], [0, 0], [0], [0, 2], "10", [0.5, 1], null)],
  broadcastTo: [x(), arg(() => [3, 2], [3], [2, 3], "3,2", null, [-1, 2], [1e6, 1e6, 2])],
  sumTo: [x(m22), arg(() => [2], [3], [2, 2, 2], null, "2", [-2])],
  astype: [x(), dtype("float32", false)],
  argmax: [x(m22), axis(-1, 2, true)],
  oneHot: [
    tensorArg(() => t64([0, 2, 1]), [() => t64([0, 3, 1]), () => t64([0.5]), () => t64([-1])]),
    count(3, 1, 2 ** 31 - 1),
  ],
  where: [
    tensorArg(() => t64([[1, 0], [0, 1]]), [v3, () => t64([[1, 0, 1]])]),
    tensorArg(m22, [v3, f32m22]),
    tensorArg(m22, [v3, f32m22]),
  ],
  clip: [x(m22), num(-1, { infinite: true }), num(1, { infinite: true })],
  slice: [
    x(m22),
    arg(() => [0, 1], null, [0], [0, 2], [-1, 0], [0.5, 0], "01", [0, 0, 0]),
    arg(() => [2, 1], null, [2], [3, 1], [-2, 1], [1.5, 1], "21"),
  ],
  index: [x(m22), num(1, { int: true, min: -2, max: 1 }), axis(0)],
  take: [x(m22), arg(() => [1, 0, 1], null, [2], [-3], [0.5], "1", [[0]], ["0"]), axis(0)],
  concat: [
    arg(() => [m22(), m22()], null, [], 3, m22(), [m22(), v2()], [m22(), f32m22()], [m22(), 3]),
    axis(0),
  ],
  stack: [
    arg(() => [m22(), m22()], null, [], 3, m22(), [m22(), v2()], [m22(), f32m22()], [m22(), 3]),
    axis(0, 3),
  ],
  pad: [
    x(m22),
    arg(() => [[1, 0], [0, 1]], null, [[1, 0]], [[-1, 0], [0, 0]], [[0.5, 0], [0, 0]], "1", [
      [1e6, 1e6],
      [1e6, 1e6],
    ]),
    num(0, { optional: true, infinite: true }),
  ],
  conv2d: [
    tensorArg(image, [m22, () => g.zeros([1, 3, 3, 2], "float64")]),
    tensorArg(() => g.ones([2, 2, 1, 1], "float64"), [
      m22,
      () => g.ones([4, 4, 1, 1], "float64"),
      () => g.ones([2, 2, 1, 1], "float32"),
    ]),
    options(() => ({ stride: 1 }), {
      stride: pair(),
      dilation: pair(),
      padding: arg(() => "valid", "full", 3, [[1, 0]], [[-1, 0], [0, 0]]),
      groups: num(1, { int: true, min: 1, max: 1 }),
    }),
  ],
  lstmCell: [
    tensorArg(() => g.zeros([2, 8], "float64"), [() => g.zeros([2, 7], "float64"), m22]),
    tensorArg(
      () => g.zeros([2, 2, 2], "float64"),
      [() => g.zeros([2, 3, 2], "float64"), m22],
      true,
    ),
    tensorArg(() => g.zeros([2, 8], "float64"), [() => g.zeros([3, 8], "float64"), m22]),
    tensorArg(() => t64([1, 0]), [v3, m22], true),
  ],
  gruCell: [
    tensorArg(() => g.zeros([2, 6], "float64"), [() => g.zeros([2, 5], "float64"), f32m22]),
    tensorArg(m22, [v2, () => g.zeros([2, 2, 2], "float64"), f32m22], true),
    tensorArg(() => g.zeros([2, 6], "float64"), [() => g.zeros([2, 3], "float64"), m22]),
    tensorArg(() => g.zeros([6], "float64"), [v3, () => g.zeros([6])], true),
    tensorArg(() => t64([1, 0]), [v3, m22], true),
  ],
  maxPool2d: poolArgs(),
  avgPool2d: poolArgs(),
  globalAvgPool2d: [tensorArg(image, [m22])],
  sparseSoftmaxCrossEntropy: [
    tensorArg(m22, [v2]),
    tensorArg(() => t64([1, 0]), [
      () => t64([2, 0]),
      () => t64([0.5, 0]),
      () => t64([-1, 0]),
      () => t64([1, 0, 1]),
      () => t64([NaN, 0]),
    ]),
  ],
  // Targets are data read as numbers and may be of either dtype (documented), so a float32
  // target for float64 logits is a valid call, not a malformed one.
  softmaxCrossEntropyWithProbs: [
    tensorArg(m22, [v2]),
    tensorArg(() => t64([[0, 1], [1, 0]]), [v2, () => t64([[0, 1, 0]])]),
  ],
  sigmoidCrossEntropy: [
    tensorArg(m22, [v2]),
    tensorArg(() => t64([[0, 1], [1, 0]]), [v2, () => t64([[0, 1, 0]])]),
  ],
};

function poolArgs(): Arg[] {
  return [
    tensorArg(image, [m22]),
    options(() => ({ size: 2 }), {
      size: pair(),
      stride: pair(),
      padding: arg(() => "valid", "full", 3, [[1, 0]], [[-1, 0], [0, 0]]),
    }, { optional: false }),
  ];
}

const NAN_OK = new Set(["log", "sqrt", "pow"]);

/** The primitive's name is what its errors must name. */
function viaOps(name: string, args: readonly Arg[]): Spec {
  const method = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  return spec(name, (...a: never[]) => method(...a), args, {
    label: `${name} via untraced().${name}`,
    nanOk: NAN_OK.has(name),
  });
}

type Record_ = { run: (...a: unknown[]) => unknown };

/** `record.run(backend, ...)`: the backend fixed for ops that do not use one. */
function viaRun(name: string, record: Record_, args: readonly Arg[], usesBackend: boolean): Spec {
  const b = usesBackend
    ? arg(() => ts, null, undefined, {}, 3, "ts", { gemm: 3 })
    : fixed(() => ts);
  return spec(name, (...a: never[]) => record.run(...a), [b, ...args], {
    label: `${name}.run`,
    nanOk: NAN_OK.has(name),
  });
}

const USES_BACKEND = new Set(["matmul", "linear", "conv2d"]);

const missing = Object.keys(PRIMITIVES).filter((n) => !(n in ARGS));
if (missing.length > 0) throw new Error(`sweep: no arguments for primitives ${missing}`);

/** Every registered primitive through `t`, and each exported record through `run`. */
export const opSpecs: Spec[] = [
  ...Object.keys(PRIMITIVES).map((name) => viaOps(name, ARGS[name])),
  ...Object.entries(opsMod)
    .filter(([, v]) => typeof v === "object" && v !== null && "run" in v)
    .map(([name, v]) => viaRun(name, v as Record_, ARGS[name], USES_BACKEND.has(name))),
  spec("adamMoments", opsMod.adamMoments, [
    arg(() => ts, null, {}, { gemm: 3 }),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(positive, [v3, f32v2]),
    arg(() => ({ b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 }), null, 3, {
      b1: "0.9",
      b2: 0.999,
      c1: 10,
      c2: 1000,
      eps: 1e-8,
    }),
  ]),
  spec("adamApply", opsMod.adamApply, [
    arg(() => ts, null, {}, { gemm: 3 }),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(positive, [v3, f32v2]),
    arg(() => ({ b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 }), null, 3),
    num(-0.1, {}),
  ]),
  spec("broadcastShapes", opsMod.broadcastShapes, [
    arg(() => [2, 1], null, "2,1", 3, [-1], [1.5]),
    arg(() => [1, 3], null, "1,3", 3, [-1], [1.5]),
  ]),
  badCall(
    "broadcastShapes",
    "broadcastShapes (incompatible)",
    () => opsMod.broadcastShapes([2, 1], [3, 2]),
  ),
  badCall(
    "broadcastShapes",
    "broadcastShapes (huge)",
    () => opsMod.broadcastShapes([65536, 1], [1, 65536]),
  ),
  badCall(
    "add",
    "add (huge broadcast)",
    () => t.add(g.zeros([65536, 1], "float64"), g.zeros([1, 65536], "float64")),
  ),
  badCall("clip", "clip (lo > hi)", () => t.clip(m22(), 1, -1)),
  spec("erf", opsMod.erf, [num(0.5, { infinite: true, nan: true })], { nanOk: true }),
  spec("erfc", opsMod.erfc, [num(0.5, { infinite: true, nan: true })], { nanOk: true }),
];
