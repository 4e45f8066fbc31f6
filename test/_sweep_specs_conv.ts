/**
 * Sweep specs of the convolutional layer factories (`conv2d`, `conv1d`, `maxPool2d`,
 * `reluMaxPool2d`, `avgPool2d`, `globalAvgPool2d`): malformed sizes and options, and their
 * init/apply protocol.
 * (The primitives of the same names are swept through `untraced()` in `_sweep_specs_ops.ts`.)
 *
 * @module
 */

import * as g from "../mod.ts";
import { arg, badCall, bool, count, dtype, fn, options, type Spec, spec, t64 } from "./_sweep.ts";
import { type AnyLayer, protocol } from "./_sweep_specs_models.ts";

const f64 = { dtype: "float64" as const };
const size = () => arg(() => 3, 0, -1, 1.5, "3", [3], [3, 0], null, [3, 3, 3]);
const padding = () => arg(() => "same", "full", 3, null, [[1, 1]], [[1, 1], [-1, 0]]);
const image = () =>
  g.tensor(Array.from({ length: 50 }, (_, i) => Math.sin(i)), [2, 5, 5, 1], "float64");
const sequence = () =>
  g.tensor(Array.from({ length: 24 }, (_, i) => Math.cos(i)), [2, 6, 2], "float64");
const convOptions = () =>
  options(() => ({ ...f64, padding: "same" }), {
    stride: arg(() => 1, 0, -1, 1.5, "1", null),
    padding: padding(),
    dilation: arg(() => 1, 0, -1, 1.5, "1", null),
    groups: arg(() => 1, 0, -1, 1.5, "1", null),
    bias: bool(true),
    init: fn(() => g.glorotUniform, true),
    biasInit: fn(() => g.zerosInit, true),
    dtype: dtype(),
  });
const poolOptions = () =>
  options(() => ({}), {
    stride: arg(() => 2, 0, -1, 1.5, "2", null),
    padding: arg(() => "valid", "full", 3, null),
  });

/** The convolutional layers' factories and protocol. */
export const convSpecs: Spec[] = [
  spec("conv2d", g.conv2d, [count(2, 1, 2 ** 31 - 1), size(), convOptions()]),
  ...protocol(
    "conv2d",
    () => g.conv2d(2, 3, { ...f64, padding: "same" }) as AnyLayer,
    [5, 5, 1],
    image,
    {
      inShapes: [[5, 5], [5]],
      x: [() => t64([[1, 2, 3]]), () => g.tensor([1], [1, 1, 1, 1], "float32")],
    },
  ),
  spec("conv1d", g.conv1d, [count(2, 1, 2 ** 31 - 1), size(), convOptions()]),
  ...protocol("conv1d", () => g.conv1d(3, 2, f64) as AnyLayer, [6, 2], sequence, {
    inShapes: [[6], [1, 2], [6, 2, 1]],
    x: [() => t64([[1, 2, 3]])],
  }),
  spec("maxPool2d", g.maxPool2d, [arg(() => 2, 0, -1, 1.5, "2", null), poolOptions()]),
  ...protocol("maxPool2d", () => g.maxPool2d(2) as AnyLayer, [5, 5, 1], image, {
    inShapes: [[1, 1, 1], [5, 5]],
  }),
  spec("reluMaxPool2d", g.reluMaxPool2d, [arg(() => 2, 0, -1, 1.5, "2", null), poolOptions()]),
  ...protocol("reluMaxPool2d", () => g.reluMaxPool2d(2) as AnyLayer, [5, 5, 1], image, {
    inShapes: [[1, 1, 1], [5, 5]],
  }),
  spec("avgPool2d", g.avgPool2d, [arg(() => 2, 0, -1, 1.5, "2", null), poolOptions()]),
  ...protocol("avgPool2d", () => g.avgPool2d(2) as AnyLayer, [5, 5, 1], image),
  spec("globalAvgPool2d", g.globalAvgPool2d, []),
  badCall(
    "globalAvgPool2d",
    "globalAvgPool2d(2)",
    () => (g.globalAvgPool2d as (...a: unknown[]) => unknown)(2),
  ),
  ...protocol("globalAvgPool2d", () => g.globalAvgPool2d() as AnyLayer, [5, 5, 1], image),
];
