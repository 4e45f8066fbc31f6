/**
 * Sweep specs for models: the layer factories, each layer's `init`, `apply` and VJP (wrong
 * keys, shapes, contexts, parameter and state trees, inputs and cotangents), the initialisers
 * and the losses.
 *
 * @module
 */

import * as g from "../mod.ts";
import { type ApplyContext, EVAL, type Layer, trainContext } from "../src/layers/layer.ts";
import {
  type Arg,
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

type Broken = "init" | "apply" | "aux shape" | "aux not a tensor";

/** A layer written by hand that returns the wrong things, inside each combinator. */
const broken = (what: Broken): AnyLayer => ({
  init: (_k, s) => (what === "init" ? 3 : { outShape: s, params: null, state: null }) as never,
  apply: (t, _p, state, x) =>
    (what === "apply"
      ? { y: 3 }
      : what === "aux shape"
      ? { y: x, state, aux: { kl: t.mul(x, x) } }
      : { y: x, state, aux: { kl: 3 } }) as never,
});

/** Combinators meeting hand-written layers that break the contract. */
export const contractSpecs: Spec[] = (["serial", "parallel", "residual"] as const).flatMap(
  (name) => {
    const wrap = (l: AnyLayer) =>
      (name === "serial"
        ? g.serial(l)
        : name === "parallel"
        ? g.parallel(l)
        : g.residual(l)) as AnyLayer;
    const x = () => t64([[1, 2]]);
    const applied = (what: Broken) => () => {
      const l = wrap(broken(what));
      const { params, state } = l.init(g.key(0), [2]);
      return l.apply(g.untraced(), params, state, x(), EVAL);
    };
    return [
      badCall(name, `${name}(init returns 3)`, () => wrap(broken("init")).init(g.key(0), [2])),
      badCall(name, `${name}(apply returns { y: 3 })`, applied("apply")),
      badCall(name, `${name}(an aux term of shape [1,2])`, applied("aux shape")),
      badCall(name, `${name}(an aux term that is a number)`, applied("aux not a tensor")),
    ];
  },
);
