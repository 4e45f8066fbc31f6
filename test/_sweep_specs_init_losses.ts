/**
 * Sweep specs for the initialisers and the losses (`lossSpec` is also used by the
 * autoencoders' specs, through `_sweep_specs_models.ts`).
 *
 * @module
 */

import * as g from "../mod.ts";
import {
  type Arg,
  arg,
  badCall,
  dtype,
  key,
  num,
  options,
  shape,
  type Spec,
  spec,
  t64,
  tensorArg,
} from "./_sweep.ts";

/** Initialisers and losses. */
export const modelSpecs: Spec[] = [
  spec("computeFans", g.computeFans, [shape([3, 4])]),
  ...([
    "glorotNormal",
    "glorotUniform",
    "heNormal",
    "heUniform",
    "lecunNormal",
    "lecunUniform",
    "zerosInit",
  ] as const).map((name) =>
    spec(name, g[name], [
      key(),
      shape([3, 4]),
      options(() => ({ dtype: "float64" }), {
        fanIn: num(3, { min: 0, minExclusive: true }),
        fanOut: num(4, { min: 0, minExclusive: true }),
        dtype: dtype(),
      }),
    ])
  ),
  spec("constantInit", g.constantInit, [num(0.5)]),
  spec("constantInit", (k: g.Key, s: g.Shape, o: g.InitOptions) => g.constantInit(0.5)(k, s, o), [
    key(),
    shape([2]),
    options(() => undefined, { dtype: dtype() }),
  ], { label: "constantInit(c)(...)" }),
  ...lossSpecs(),
];

/** A loss called as `loss(t, prediction, target)`; `t` malformed, and the old two-argument form. */
/** Specs for a loss `(t, prediction, target)` and its call in the old form without `t`. */
export function lossSpec(name: string, loss: g.Loss, p: Arg, y: Arg, label = name): Spec[] {
  return [
    spec(name, loss, [arg(() => g.untraced(), null, undefined, 3, {}, g.backend("ts")), p, y], {
      label,
    }),
    badCall(
      name,
      `${label} (the old form, without t)`,
      () => (loss as unknown as (...a: unknown[]) => unknown)(p.valid(), y.valid()),
    ),
  ];
}

function lossSpecs(): Spec[] {
  const p = () => t64([[0.5, -1], [2, 0]]);
  const elementwise = (name: string, loss: g.Loss, label = name) =>
    lossSpec(
      name,
      loss,
      tensorArg(p, [() => t64([1, 2, 3]), () => t64([]) as g.Tensor]),
      tensorArg(() => t64([[0, 1], [1, 0]]), [() => t64([1, 2]), () => t64([[1, 2, 3]])]),
      label,
    );
  return [
    ...elementwise("meanSquaredError", g.meanSquaredError),
    ...elementwise("meanAbsoluteError", g.meanAbsoluteError),
    spec("huber", g.huber, [num(1, { min: 0, minExclusive: true, optional: true })]),
    ...elementwise("huber", g.huber(1), "huber(1)(...)"),
    ...lossSpec(
      "binaryCrossEntropyWithLogits",
      g.binaryCrossEntropyWithLogits,
      tensorArg(p),
      tensorArg(() => t64([[0, 1], [1, 0]]), [
        () => t64([[0, 2], [1, 0]]),
        () => t64([[0, -1], [1, NaN]]),
      ]),
    ),
    ...lossSpec(
      "softmaxCrossEntropy",
      g.softmaxCrossEntropy,
      tensorArg(p, [() => t64([1, 2]), () => t64([[]]) as g.Tensor]),
      tensorArg(() => t64([1, 0]), [
        () => t64([2, 0]),
        () => t64([0.5, 0]),
        () => t64([-1, 0]),
        () => t64([1, 0, 1]),
        () => t64([NaN, 0]),
      ]),
    ),
    ...lossSpec(
      "softmaxCrossEntropyOneHot",
      g.softmaxCrossEntropyOneHot,
      tensorArg(p, [() => t64([1, 2])]),
      tensorArg(() => t64([[0, 1], [1, 0]]), [
        () => t64([[0, -1], [1, 0]]),
        () => t64([[0, NaN], [1, 0]]),
        () => t64([1, 0]),
      ]),
    ),
  ];
}
