/**
 * Sweep specs for models: the layer factories and each layer's `init`, `apply` and VJP (wrong
 * keys, shapes, contexts, parameter and state trees, inputs and cotangents). The initialisers
 * and losses are in `_sweep_specs_init_losses.ts`, the combinators meeting broken layers in
 * `_sweep_specs_contracts.ts`.
 *
 * @module
 */

import * as g from "../mod.ts";
import { type ApplyContext, EVAL, type Layer, trainContext } from "../src/layers/layer.ts";
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
  shape,
  type Spec,
  spec,
  t32,
  t64,
  tensorArg,
  treeArg,
} from "./_sweep.ts";

export type AnyLayer = Layer<g.Tree, g.Tree>;

const badContexts = [
  null,
  undefined,
  {},
  { training: "yes" },
  { training: 1 },
  { training: true, key: [1] },
  { training: false, key: "k" },
  "train",
  true,
];

/** Malformed `Ops` values: what a layer's `apply` is handed as `t` by mistake. */
const badOps = [undefined, 3, {}, g.backend("ts"), { relu: 3 }];

/**
 * Specs for a layer's `init` and `apply(t, params, state, x, ctx)` over `untraced()`, and the
 * call in the old four-argument form (params where `t` goes). Gradients are the trace's: a
 * malformed cotangent is swept through `vjp`.
 */
export function protocol(
  name: string,
  make: () => AnyLayer,
  inShape: readonly number[],
  x: () => g.Tensor,
  wrong: {
    inShapes?: readonly (readonly number[])[];
    params?: readonly (() => unknown)[];
    state?: readonly (() => unknown)[];
    x?: readonly (() => g.Tensor)[];
    contexts?: readonly unknown[];
  } = {},
): Spec[] {
  const built = () => make().init(g.key(1), inShape);
  const ctx = () => trainContext(g.key(2));
  return [
    {
      label: `${name}(...).init`,
      name,
      call: (k, s) => make().init(k as g.Key, s as g.Shape),
      args: [
        key(),
        wrong.inShapes
          ? arg(() => [...inShape], null, "3", [-1], ...wrong.inShapes)
          : shape(inShape),
      ],
    },
    {
      label: `${name}(...).apply`,
      name,
      call: (t, p, s, xx, c) =>
        make().apply(t as g.Ops, p as g.Tree, s as g.Tree, xx as g.Tensor, c as ApplyContext),
      args: [
        arg(() => g.untraced(), null, ...badOps),
        treeArg(() => built().params, wrong.params ?? []),
        treeArg(() => built().state, wrong.state ?? []),
        tensorArg(x, wrong.x ?? []),
        arg(ctx, null, ...badContexts, ...(wrong.contexts ?? [])),
      ],
    },
    badCall(name, `${name}(...).apply (the old form, without t)`, () => {
      const { params, state } = built();
      return (make().apply as unknown as (...a: unknown[]) => unknown)(params, state, x(), ctx());
    }),
  ];
}

const x23 = () => t64([[1, 2, 3], [4, 5, 6]]);
const f64 = { dtype: "float64" as const };

/** Layers: factories and their init/apply/VJP. */
export const layerSpecs: Spec[] = [
  spec("flatten", g.flatten, []),
  badCall("flatten", "flatten(2)", () => (g.flatten as (...a: unknown[]) => unknown)(2)),
  ...protocol("flatten", () => g.flatten() as AnyLayer, [3], x23),
  spec("reshapeLayer", g.reshapeLayer, [arg(() => [3, 1], null, 3, "3", [0], [1.5], [-1, -1])]),
  ...protocol("reshapeLayer", () => g.reshapeLayer([3, 1]) as AnyLayer, [3], x23),
  spec("trainContext", g.trainContext, [arg(() => g.key(1), 3, "k", [1], [1, 2, 3])]),
  spec("dense", g.dense, [
    count(2, 1, 2 ** 31 - 1),
    options(() => f64, {
      init: fn(() => g.glorotUniform, true),
      bias: bool(true),
      biasInit: fn(() => g.zerosInit, true),
      dtype: dtype(),
    }),
  ]),
  ...protocol("dense", () => g.dense(2, f64) as AnyLayer, [3], x23, {
    inShapes: [[3, 2], [], [0]],
    params: [
      () => null,
      () => ({}),
      () => ({ w: t64([[1, 2]]) }),
      () => ({ w: t64([[1, 2], [3, 4], [5, 6]]), b: t64([1, 2]), c: t64([1]) }),
      () => ({ w: t32([[1, 2], [3, 4], [5, 6]]), b: t32([1, 2]) }),
      () => [t64([1])],
    ],
    state: [() => ({}), () => t64([1])],
    x: [() => t64([1, 2, 3]), () => t64([[1, 2]]), () => t32([[1, 2, 3]])],
  }),
  ...protocol("dense", () => g.dense(2, { ...f64, bias: false }) as AnyLayer, [3], x23, {
    params: [() => ({ w: t64([[1, 2], [3, 4], [5, 6]]), b: t64([1, 2]) })],
  }),
  badCall(
    "dense",
    "dense({ init: wrong shape }).init",
    () => g.dense(2, { init: () => t64([1]) }).init(g.key(0), [3]),
  ),
  badCall(
    "dense",
    "dense({ init: not a tensor }).init",
    () => g.dense(2, { init: (() => [1, 2]) as never }).init(g.key(0), [3]),
  ),
  spec("dropout", g.dropout, [num(0.5, { min: 0, max: 1, maxExclusive: true })]),
  ...protocol("dropout", () => g.dropout(0.5) as AnyLayer, [3], x23, {
    params: [() => ({})],
    state: [() => ({})],
    contexts: [{ training: true }],
  }),
  spec("batchNorm", g.batchNorm, [
    options(() => f64, {
      momentum: num(0.9, { min: 0, max: 1 }),
      eps: num(1e-5, { min: 0, minExclusive: true }),
      dtype: dtype(),
    }),
  ]),
  ...protocol("batchNorm", () => g.batchNorm(f64) as AnyLayer, [3], x23, {
    inShapes: [[], [0]],
    params: [
      () => null,
      () => ({ gamma: t64([1, 1, 1]) }),
      () => ({ gamma: t64([1]), beta: t64([1]) }),
    ],
    state: [
      () => null,
      () => ({ mean: t64([0, 0, 0]) }),
      () => ({ mean: t32([0, 0, 0]), var: t64([1, 1, 1]) }),
    ],
    x: [() => t64([1, 2, 3]), () => t64([[1, 2]])],
  }),
  spec("serial", g.serial, [arg(() => g.dense(2), null, {}, g.dense, 3, { init: 1, apply: 1 })]),
  badCall("serial", "serial()", () => g.serial()),
  badCall("parallel", "parallel()", () => g.parallel()),
  ...protocol(
    "serial",
    () => g.serial(g.dense(2, f64), g.reluLayer(), g.dense(1, f64)) as AnyLayer,
    [3],
    x23,
    {
      inShapes: [[3, 2]],
      params: [
        () => null,
        () => ({}),
        () => [null, null],
        () => [null, null, null],
        () => [{}, null, {}],
      ],
      state: [() => null, () => [null], () => [{}, null, null]],
      x: [() => t64([[1, 2]]), () => t32([[1, 2, 3]])],
    },
  ),
  spec("parallel", g.parallel, [arg(() => g.dense(2), null, {}, g.dense, 3)]),
  ...protocol(
    "parallel",
    () => g.parallel(g.dense(2, f64), g.dense(1, f64)) as AnyLayer,
    [3],
    x23,
    {
      params: [() => null, () => [null], () => [{}, {}]],
      state: [() => null, () => [null]],
      x: [() => t64([[1, 2]])],
    },
  ),
  spec("residual", g.residual, [arg(() => g.dense(3), null, {}, g.dense, 3)]),
  ...protocol("residual", () => g.residual(g.dense(3, f64)) as AnyLayer, [3], x23, {
    inShapes: [[2]],
    params: [() => null, () => ({}), () => [null]],
    x: [() => t64([[1, 2]])],
  }),
  spec("activation", g.activation, [
    fn(() => (t: g.Ops, x: g.Tensor) => t.relu(x)),
    arg(() => "myRelu", 3, null, {}),
  ]),
  ...protocol("myAct", () => g.activation((t, x) => t.elu(x, 0.5), "myAct") as AnyLayer, [3], x23),
  badCall(
    "myBad",
    "activation(fn returning 3).apply",
    () => g.activation((() => 3) as never, "myBad").apply(g.untraced(), null, null, x23(), EVAL),
  ),
  badCall(
    "myGrow",
    "activation(fn changing the shape).apply",
    () =>
      g.activation((t, x) => t.reshape(x, [-1]), "myGrow").apply(
        g.untraced(),
        null,
        null,
        x23(),
        EVAL,
      ),
  ),
  ...([
    "sigmoidLayer",
    "tanhLayer",
    "reluLayer",
    "geluLayer",
    "geluTanhLayer",
    "softplusLayer",
  ] as const)
    .flatMap((name) => [
      spec(name, g[name], []),
      badCall(name, `${name}(0.2)`, () => (g[name] as (...a: unknown[]) => unknown)(0.2)),
      ...protocol(name, () => g[name]() as AnyLayer, [3], x23, {
        params: [() => ({}), () => [null]],
        state: [() => ({})],
        x: [() => g.scalar(1, "float64")],
      }),
    ]),
  spec("leakyReluLayer", g.leakyReluLayer, [num(0.1, { min: 0, optional: true })]),
  ...protocol("leakyReluLayer", () => g.leakyReluLayer(0.1) as AnyLayer, [3], x23),
  spec("eluLayer", g.eluLayer, [num(1, { min: 0, optional: true })]),
  ...protocol("eluLayer", () => g.eluLayer(1) as AnyLayer, [3], x23),
  spec("swishLayer", g.swishLayer, [num(1, { optional: true })]),
  ...protocol("swishLayer", () => g.swishLayer(2) as AnyLayer, [3], x23),
  spec("softmaxLayer", g.softmaxLayer, [num(-1, { int: true, optional: true })]),
  ...protocol("softmaxLayer", () => g.softmaxLayer() as AnyLayer, [3], x23, {
    inShapes: [[]],
    x: [() => g.scalar(1, "float64")],
  }),
  badCall("softmaxLayer", "softmaxLayer(3).init", () => g.softmaxLayer(3).init(g.key(0), [3])),
  spec("logSoftmaxLayer", g.logSoftmaxLayer, [num(-1, { int: true, optional: true })]),
  ...protocol("logSoftmaxLayer", () => g.logSoftmaxLayer() as AnyLayer, [3], x23),
];

/** Re-exported so the specs that build on the loss helper keep importing it from here. */
export { lossSpec } from "./_sweep_specs_init_losses.ts";
