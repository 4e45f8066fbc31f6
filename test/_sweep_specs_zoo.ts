/**
 * Sweep specs of the perceptron and RBF parts of the zoo: `trainPerceptron`, `novikoffBound`,
 * the `rbf` layer factory and its init/apply protocol, and `kmeans`.
 *
 * @module
 */

import * as g from "../mod.ts";
import { perceptronEpoch } from "../src/ops/perceptron_step.ts";
import {
  arg,
  badCall,
  bool,
  count,
  dtype,
  fn,
  key,
  num,
  options,
  type Spec,
  spec,
  t32,
  t64,
  tensorArg,
} from "./_sweep.ts";
import { type AnyLayer, protocol } from "./_sweep_specs_models.ts";

const f64 = { dtype: "float64" as const };
const points = () => t64([[2, 1], [-1, -2], [1, 3], [-2, 0]]);
const signs = () => t64([1, -1, 1, -1]);
const wrongX = [
  () => t64([1, 2]),
  () => t32([[2, 1], [-1, -2], [1, 3], [-2, 0]]),
  () => t64([[NaN, 1], [1, 1], [1, 1], [1, 1]]),
];
const wrongY = [
  () => t64([1, 0, 1, -1]),
  () => t64([1, -1]),
  () => t32([1, -1, 1, -1]),
  () => t64([[1, -1, 1, -1]]),
];
const perceptronOptions = () =>
  options(() => ({ epochs: 3 }), {
    epochs: count(3, 1, 1e7, true),
    learningRate: num(1, { min: 0, minExclusive: true, optional: true }),
    bias: bool(true),
    shuffle: key([0, 1], true),
    backend: arg(() => g.backend("ts"), null, {}, "ts", 3),
  });
const separator = () =>
  arg(
    () => ({ w: t64([1, 1]), b: 0.5 }),
    null,
    undefined,
    {},
    { w: t64([1]) },
    { w: t32([1, 1]) },
    { w: t64([1, 1]), b: "0" },
    { w: t64([1, 1]), b: NaN },
    { w: t64([1, 1]), b: t64([1, 2]) },
    { w: t64([0, 1]) }, // does not separate: example 3 ([-2, 0]) is on the line
    { w: t64([0, 0]), b: 0 },
    { w: t64([1, 1]), c: 1 },
  );
const centers = () => t64([[0, 0], [1, 1], [2, 0]]);

/** The perceptron, Novikoff's bound, the RBF layer and k-means. */
export const zooSpecs: Spec[] = [
  spec("trainPerceptron", g.trainPerceptron, [
    tensorArg(points, wrongX),
    tensorArg(signs, wrongY),
    perceptronOptions(),
  ]),
  spec("perceptronEpoch", perceptronEpoch, [
    arg(() => g.backend("ts"), null, {}, "ts"),
    tensorArg(points, wrongX),
    tensorArg(signs, wrongY),
    tensorArg(() => t64([0, 0]), [() => t64([0]), () => t32([0, 0]), () => t64([NaN, 0])]),
    tensorArg(() => t64([0]), [() => t64([0, 0]), () => t32([0])]),
    options(() => ({ learningRate: 1, bias: true }), {
      learningRate: num(1, { min: 0, minExclusive: true }),
      bias: bool(true, false),
      order: arg(() => [3, 2, 1, 0], [0, 1], [0, 1, 2, 4], [0, 1, 2, 1.5], "0123", 3, null),
    }, { optional: false }),
  ]),
  spec("novikoffBound", g.novikoffBound, [
    tensorArg(points, wrongX),
    tensorArg(signs, wrongY),
    separator(),
    options(() => ({}), { bias: bool(true), backend: arg(() => g.backend("ts"), null, 3) }),
  ]),
  badCall(
    "novikoffBound",
    "novikoffBound(bias: false, b != 0)",
    () => g.novikoffBound(points(), signs(), { w: t64([1, 1]), b: 0.5 }, { bias: false }),
  ),
  spec("rbf", g.rbf, [
    count(3, 1, 2 ** 31 - 1),
    options(() => ({ ...f64, centers: centers() }), {
      kernel: arg(() => "gaussian", "laplace", 3, null),
      centers: tensorArg(centers, [
        () => t64([[0, 0]]),
        () => t32([[0, 0], [1, 1], [2, 0]]),
        () => t64([0, 1, 2]),
      ], true),
      init: fn(() => g.glorotUniform, true),
      widths: arg(
        () => 1,
        0,
        -1,
        NaN,
        Infinity,
        "wide",
        "nearer",
        t64([1, 1]),
        t64([1, -1, 1]),
        null,
      ),
      dtype: dtype(),
    }),
  ]),
  badCall("rbf", 'rbf(1, { widths: "nearest" })', () => g.rbf(1, { widths: "nearest" })),
  badCall(
    "rbf",
    "rbf({ init: wrong shape }).init",
    () => g.rbf(2, { init: () => t64([1]), ...f64 }).init(g.key(0), [3]),
  ),
  ...protocol(
    "rbf",
    () => g.rbf(3, { ...f64, widths: "nearest" }) as AnyLayer,
    [2],
    () => points(),
    {
      inShapes: [[2, 2], [], [0]],
      params: [
        () => null,
        () => ({ centers: centers() }),
        () => ({ centers: t64([[0, 0]]), logWidths: t64([0, 0, 0]) }),
        () => ({ centers: centers(), logWidths: t32([0, 0, 0]) }),
      ],
      state: [() => ({})],
      x: [() => t64([1, 2]), () => t64([[1, 2, 3]]), () => t32([[1, 2]])],
    },
  ),
  spec("kmeans", g.kmeans, [
    tensorArg(() => points(), [() => t64([1, 2]), () => t64([[Infinity, 0]])]),
    count(2, 1, 4),
    options(() => ({ key: g.key(0) }), {
      key: key([0, 1]),
      iterations: count(10, 1, 1e6, true),
      backend: arg(() => g.backend("ts"), null, 3),
    }, { optional: false }),
  ]),
];
