/**
 * Sweep specs for the public testing module (gradient checker, arbitraries) and the kernel
 * selection functions.
 *
 * @module
 */

import * as g from "../mod.ts";
import * as testing from "../src/testing/mod.ts";
import * as kernels from "../src/kernels/mod.ts";
import { EVAL } from "../src/layers/layer.ts";
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
  t64,
  tensorArg,
  treeArg,
} from "./_sweep.ts";

const f = (t: g.Ops, x: g.Tensor) => t.square(x);
const x64 = () => t64([1, 2]);

/** The public testing module. */
export const testingSpecs: Spec[] = [
  ...(["checkGradients", "assertGradients"] as const).map((name) =>
    spec(name, testing[name], [
      fn(() => f),
      treeArg(x64, [() => g.tensor([1, 2]), () => ({ w: g.tensor([1]) })]),
      options(() => ({ tolerance: 1e-5 }), {
        step: num(1e-5, { min: 0, minExclusive: true }),
        tolerance: num(1e-6, { min: 0 }),
        floor: num(1e-3, { min: 0, minExclusive: true }),
        key: key(undefined, true),
        maxPerLeaf: num(64, { int: true, min: 1 }),
      }),
    ])
  ),
  badCall(
    "assertGradients",
    "assertGradients(nothing to check)",
    () => testing.assertGradients(f, g.zeros([0], "float64")),
  ),
  badCall(
    "checkGradients",
    "checkGradients(f returns a number)",
    () => testing.checkGradients((() => 3) as never, x64()),
  ),
  spec("checkLayerGradients", testing.checkLayerGradients, [
    arg(() => g.dense(2, { dtype: "float64" }), null, {}, g.dense),
    fixed(() => g.dense(2, { dtype: "float64" }).init(g.key(0), [2]).params),
    fixed(() => null),
    tensorArg(() => t64([[1, 2]])),
    fixed(() => EVAL),
    options(() => undefined, { tolerance: num(1e-5, { min: 0 }) }),
  ]),
  spec("shapeArb", testing.shapeArb, [
    options(() => ({ maxRank: 2 }), {
      minRank: count(0, 0, 16),
      maxRank: count(2, 0, 16),
      minDim: count(1, 0),
      maxDim: num(4, { int: true, min: 1 }),
    }, { strict: false }),
  ]),
  badCall(
    "shapeArb",
    "shapeArb(maxDim 1000, maxRank 8)",
    () => testing.shapeArb({ maxDim: 1000, maxRank: 8 }),
  ),
  spec("tensorArb", testing.tensorArb, [
    shape([2, 2]),
    options(() => ({ min: -1, max: 1 }), {
      dtype: dtype(),
      min: num(-1),
      max: num(1),
      margin: num(0.01, { min: 0 }),
      avoid: arg(() => [0], 3, ["0"], [NaN], "0"),
    }, { strict: false }),
  ]),
  spec("shapedTensorArb", testing.shapedTensorArb, [
    options(() => ({ maxRank: 2 }), { maxRank: count(2, 0, 16), dtype: dtype(), min: num(-1) }, {
      strict: false,
    }),
  ]),
];

/** Kernel selection and the checked gemm entry points (gradstream/kernels). */
export const kernelSpecs: Spec[] = [
  spec("probeBackend", kernels.probeBackend, [arg(() => "ts", "gpu", 3, null, undefined)]),
  spec("chooseBackend", kernels.chooseBackend, [
    arg(() => "ts", 3, null, {}),
    fn(() => kernels.probeBackend, true),
  ]),
  ...(["tsKernels", "referenceKernels"] as const).map((name) =>
    spec("gemm", (...a: unknown[]) => (kernels[name].gemm as (...a: unknown[]) => void)(...a), [
      fixed(() => false),
      fixed(() => false),
      count(1, 0),
      count(1, 0),
      count(2, 0),
      arg(() => new Float32Array(2), null, new Float64Array(2), new Float32Array(1)),
      arg(() => new Float32Array(2), null, new Float64Array(2)),
      arg(() => new Float32Array(1), null, [0]),
    ], { label: `${name}.gemm` })
  ),
  spec("loadWasmKernels", kernels.loadWasmKernels, [
    options(() => ({}), { relaxed: bool(false) }, { strict: false }),
  ]),
];
