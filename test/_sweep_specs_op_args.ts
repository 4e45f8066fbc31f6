/**
 * The valid arguments and their malformed neighbours for every primitive, which
 * `_sweep_specs_ops.ts` calls through `untraced()` and through each record's `run`.
 *
 * @module
 */

import { backend } from "../src/kernels/select.ts";
import * as g from "../mod.ts";
import { type Arg, arg, bool, count, dtype, num, options, t32, t64, tensorArg } from "./_sweep.ts";

export const ts = backend("ts");
export const m22 = () => t64([[1, 2], [3, 4]]);
export const v2 = () => t64([1, 2]);
export const v3 = () => t64([1, 2, 3]);
export const f32v2 = () => t32([1, 2]);
export const f32m22 = () => t32([[1, 2], [3, 4]]);
export const positive = () => t64([1, 4]);
export const image = () => g.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1], "float64");
export const axis = (valid: number, rank = 2, optional = false) =>
  num(valid, { int: true, min: -rank, max: rank - 1, optional });
export const x = (make: () => g.Tensor = v2) => tensorArg(make);
export const pair = () => ({
  valid: () => 1,
  bad: arg(() => 1, 0, -1, 1.5, "2", [1], [1, 2, 3], null).bad,
});

/** A binary op that broadcasts: wrong second operands are incompatible shapes and dtypes. */
export const broadcasting = (): Arg[] => [tensorArg(m22, [f32v2]), tensorArg(v2, [v3, f32v2])];

export const reduceOptions = () =>
  options(() => ({ axis: 0 }), {
    axis: arg(() => 0, 2, -3, 0.5, "0", [0, 0], null, [2]),
    keepDims: bool(true),
  });

/** Valid arguments and their malformed neighbours, per primitive (after the backend). */
export const ARGS: Readonly<Record<string, readonly Arg[]>> = {
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
  conv2d: convArgs(),
  conv2dBias: convArgs("bias"),
  conv2dReluMaxPool: [...convArgs("optional bias"), poolArgs()[1]],
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
  lstmSequence: [
    tensorArg(() => g.zeros([1, 2, 2], "float64"), [m22, () => g.zeros([1, 2, 3], "float64")]),
    tensorArg(
      () => g.zeros([2, 1, 1], "float64"),
      [m22, () => g.zeros([2, 2, 1], "float64")],
      true,
    ),
    tensorArg(() => g.zeros([2, 4], "float64"), [() => g.zeros([2, 5], "float64"), f32m22]),
    tensorArg(() => g.zeros([1, 4], "float64"), [() => g.zeros([2, 4], "float64"), m22]),
    tensorArg(() => g.zeros([4], "float64"), [v3, () => g.zeros([4])], true),
    tensorArg(() => g.zeros([1, 2], "float64"), [v3, m22], true),
    bool(true),
  ],
  gruSequence: [
    tensorArg(() => g.zeros([1, 2, 2], "float64"), [m22, () => g.zeros([1, 2, 3], "float64")]),
    tensorArg(() => g.zeros([1, 1], "float64"), [v2, () => g.zeros([2, 1], "float64")], true),
    tensorArg(() => g.zeros([2, 3], "float64"), [() => g.zeros([2, 4], "float64"), f32m22]),
    tensorArg(() => g.zeros([1, 3], "float64"), [() => g.zeros([2, 3], "float64"), m22]),
    tensorArg(() => g.zeros([3], "float64"), [v2, () => g.zeros([3])], true),
    tensorArg(() => g.zeros([3], "float64"), [v2, () => g.zeros([3])], true),
    tensorArg(() => g.zeros([1, 2], "float64"), [v3, m22], true),
    bool(true),
  ],
  maxPool2d: poolArgs(),
  reluMaxPool2d: poolArgs(),
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
  gaussianKl: [tensorArg(m22, [v2, v3])],
  gaussianSample: [
    tensorArg(m22, [v2, v3]),
    tensorArg(() => t64([[0.5], [-1]]), [v2, m22, () => t32([[0.5], [-1]])]),
  ],
  bernoulliNllRows: [
    tensorArg(m22, [v2]),
    tensorArg(() => t64([[0, 1], [1, 0]]), [v2, () => t64([[0, 2], [1, 0]])]),
  ],
};

/** A convolution's input and kernel, its bias (`bias`: required or optional), then its options. */
function convArgs(bias?: "bias" | "optional bias"): Arg[] {
  const x = tensorArg(image, [m22, () => g.zeros([1, 3, 3, 2], "float64")]);
  const w = tensorArg(() => g.ones([2, 2, 1, 1], "float64"), [
    m22,
    () => g.ones([4, 4, 1, 1], "float64"),
    () => g.ones([2, 2, 1, 1], "float32"),
  ]);
  const b = tensorArg(() => g.zeros([1], "float64"), [
    m22,
    () => g.zeros([2], "float64"),
    () => g.zeros([1], "float32"),
  ], bias === "optional bias");
  const o = options(() => ({ stride: 1 }), {
    stride: pair(),
    dilation: pair(),
    padding: arg(() => "valid", "full", 3, [[1, 0]], [[-1, 0], [0, 0]]),
    groups: num(1, { int: true, min: 1, max: 1 }),
  });
  return bias === undefined ? [x, w, o] : [x, w, b, o];
}

export function poolArgs(): Arg[] {
  return [
    tensorArg(image, [m22]),
    options(() => ({ size: 2 }), {
      size: pair(),
      stride: pair(),
      padding: arg(() => "valid", "full", 3, [[1, 0]], [[-1, 0], [0, 0]]),
    }, { optional: false }),
  ];
}
