/**
 * Sweep specs for optimisation: each optimiser and link (its factory options, then `init`
 * and `update` with wrong gradients, states and params), `chain`, `applyUpdates`,
 * `updateAndApply`, penalties and schedules.
 *
 * @module
 */

import * as g from "../mod.ts";
import {
  arg,
  badCall,
  count,
  fixed,
  fn,
  key,
  num,
  options,
  type Spec,
  spec,
  t32,
  t64,
  tensorArg,
  treeArg,
} from "./_sweep.ts";

const params = () => ({ w: t64([[1, 2], [3, 4]]), b: t64([0.5, -0.5]) });
const grads = () => ({ w: t64([[0.1, -0.2], [0.3, 0.4]]), b: t64([1, -1]) });
const wrongGrads = [
  () => ({ w: t64([[0.1, -0.2], [0.3, 0.4]]) }),
  () => ({ w: t64([1, 2, 3, 4]), b: t64([1, -1]) }),
  () => [t64([1])],
  () => ({ w: t64([[0.1, -0.2], [0.3, 0.4]]), b: t64([1, -1]), c: t64([1]) }),
];
/** A learning rate: a number >= 0 or a schedule, so a function is not malformed here. */
const lr = (valid: number) => {
  const n = num(valid, { min: 0 });
  return { valid: n.valid, bad: n.bad.filter((v) => typeof v !== "function") };
};

/** What an optimiser's `t` may be by mistake (`undefined` is valid: `untraced()`). */
const opsArg = () => arg(() => g.untraced(), null, 3, "ts", {}, g.backend("ts"), { add: 3 });

/** Specs for a transform's init, update and updateAndApply; `stateful` links check moments. */
function protocol(name: string, make: () => g.Transform<unknown>, stateful: boolean): Spec[] {
  const state = () => make().init(params());
  const wrongState = [
    () => ({ count: t64([1, 2]) }),
    () => [{}],
    () => (name === "adam" ? g.sgd(0.1) : g.adam(0.1)).init(params()),
    ...(stateful ? [() => make().init({ w: t64([1]) })] : []),
  ];
  const grads32 = () => ({ w: t32([[0.1, -0.2], [0.3, 0.4]]), b: t32([1, -1]) });
  return [
    {
      label: `${name}(...).init`,
      name,
      call: (p) => make().init(p as g.Tree),
      args: [treeArg(params)],
    },
    {
      label: `${name}(...).update`,
      name,
      call: (gr, s, p, t) => make().update(gr as g.Tree, s, p as g.Tree, t as g.Ops),
      args: [
        treeArg(grads, stateful ? [...wrongGrads, grads32] : wrongGrads),
        treeArg(state, wrongState),
        arg(params, 3, "w", new Map(), new Float32Array(2)),
        opsArg(),
      ],
    },
    {
      label: `updateAndApply(${name}(...))`,
      name: "updateAndApply",
      call: (gr, s, p, t) => g.updateAndApply(make(), gr as g.Tree, s, p as g.Tree, t as g.Ops),
      args: [
        treeArg(grads, wrongGrads),
        treeArg(state, wrongState),
        treeArg(params, [
          () => ({ w: t64([[1, 2], [3, 4]]) }),
          () => ({ w: t64([1]), b: t64([1]) }),
        ]),
        opsArg(),
      ],
    },
  ];
}

const adamOptions = {
  b1: num(0.9, { min: 0, max: 1, maxExclusive: true }),
  b2: num(0.999, { min: 0, max: 1, maxExclusive: true }),
  eps: num(1e-8, { min: 0, minExclusive: true }),
};

/** Optimisers, links, penalties and schedules. */
export const optimSpecs: Spec[] = [
  spec("sgd", g.sgd, [lr(0.1)]),
  ...protocol("sgd", () => g.sgd(0.1) as g.Transform<unknown>, false),
  spec("momentum", g.momentum, [
    lr(0.1),
    options(() => ({ decay: 0.5 }), { decay: adamOptions.b1 }),
  ]),
  ...protocol("momentum", () => g.momentum(0.1) as g.Transform<unknown>, true),
  spec("nesterov", g.nesterov, [
    lr(0.1),
    options(() => ({ decay: 0.5 }), { decay: adamOptions.b1 }),
  ]),
  ...protocol("nesterov", () => g.nesterov(0.1) as g.Transform<unknown>, true),
  spec("rmsprop", g.rmsprop, [
    lr(0.1),
    options(() => ({ decay: 0.5 }), {
      decay: adamOptions.b1,
      eps: adamOptions.eps,
    }),
  ]),
  ...protocol("rmsprop", () => g.rmsprop(0.1) as g.Transform<unknown>, true),
  spec("adam", g.adam, [lr(0.1), options(() => ({ b1: 0.8 }), adamOptions)]),
  ...protocol("adam", () => g.adam(0.1) as g.Transform<unknown>, true),
  spec("adamw", g.adamw, [
    lr(0.1),
    options(() => ({ weightDecay: 0.1 }), {
      ...adamOptions,
      weightDecay: num(0.1, { min: 0 }),
      mask: fn(() => g.excludeBiases, true),
    }),
  ]),
  ...protocol("adamw", () => g.adamw(0.1) as g.Transform<unknown>, true),
  spec("adam", (s: g.Schedule) => g.adam(s).update(grads(), g.adam(s).init(params()), params()), [
    arg(
      () => (step: number) => 0.1 / (step + 1),
      () => NaN,
      () => -1,
      () => "0.1",
      () => undefined,
    ),
  ], { label: "adam(schedule).update (bad schedule values)" }),
  spec("scale", g.scale, [num(2)]),
  ...protocol("scale", () => g.scale(2) as g.Transform<unknown>, false),
  spec("scaleByLearningRate", g.scaleByLearningRate, [lr(0.1)]),
  ...protocol(
    "scaleByLearningRate",
    () => g.scaleByLearningRate(0.1) as g.Transform<unknown>,
    false,
  ),
  spec("traceMomentum", g.traceMomentum, [options(() => ({ decay: 0.5 }), {
    decay: adamOptions.b1,
    nesterov: { valid: () => true, bad: fixedBad("yes", 1) },
  })]),
  ...protocol("traceMomentum", () => g.traceMomentum() as g.Transform<unknown>, true),
  spec("scaleByRms", g.scaleByRms, [options(() => ({ decay: 0.5 }), {
    decay: adamOptions.b1,
    eps: adamOptions.eps,
  })]),
  ...protocol("scaleByRms", () => g.scaleByRms() as g.Transform<unknown>, true),
  spec("scaleByAdam", g.scaleByAdam, [options(() => ({ b1: 0.5 }), adamOptions)]),
  ...protocol("scaleByAdam", () => g.scaleByAdam() as g.Transform<unknown>, true),
  spec("addDecayedWeights", g.addDecayedWeights, [
    num(0.1, { min: 0 }),
    fn(() => g.excludeBiases, true),
  ]),
  ...protocol("addDecayedWeights", () => g.addDecayedWeights(0.1) as g.Transform<unknown>, false),
  spec("clipByGlobalNorm", g.clipByGlobalNorm, [num(1, { min: 0, minExclusive: true })]),
  ...protocol("clipByGlobalNorm", () => g.clipByGlobalNorm(1) as g.Transform<unknown>, false),
  spec("clipByValue", g.clipByValue, [num(1, { min: 0, minExclusive: true })]),
  ...protocol("clipByValue", () => g.clipByValue(1) as g.Transform<unknown>, false),
  spec("chain", g.chain, [arg(() => g.scale(1), null, {}, g.adam, 3, { init: () => null })]),
  ...protocol(
    "chain",
    () => g.chain(g.clipByValue(1), g.scaleByAdam(), g.scale(-0.1)) as g.Transform<unknown>,
    true,
  ),
  spec("globalNorm", g.globalNorm, [treeArg(grads), opsArg()]),
  spec("applyUpdates", g.applyUpdates, [
    treeArg(params, wrongGrads),
    treeArg(grads, wrongGrads),
    opsArg(),
  ]),
  spec("updateAndApply", g.updateAndApply, [
    arg(() => g.sgd(0.1), null, {}, g.sgd, 3),
    fixed(grads),
    fixed(() => g.sgd(0.1).init(params())),
    fixed(params),
  ]),
  spec("excludeBiases", g.excludeBiases, [
    arg(() => ["w"], null, "w", 3),
    tensorArg(() => t64([[1]])),
  ]),
  ...(["l1", "l2"] as const).flatMap((name) => [
    spec(name, g[name], [num(0.1, { min: 0 }), fn(() => g.excludeBiases, true)]),
    spec(name, (t: g.Ops, p: g.Tree) => g[name](0.1)(t, p), [opsArg(), treeArg(params)], {
      label: `${name}(0.1)(t, params)`,
    }),
    spec(name, (t: g.Ops, p: g.Tree) => g[name](0.1, g.excludeBiases)(t, p), [
      fixed(() => g.untraced()),
      treeArg(params),
    ], { label: `${name}(0.1, excludeBiases)(t, params)` }),
    badCall(
      name,
      `${name}(0.1) (the old form, without t)`,
      () => (g[name](0.1) as unknown as (p: unknown) => unknown)(params()),
    ),
  ]),
  spec("sumPenalties", g.sumPenalties, [arg(() => g.l2(0.1), null, 3, {}, "l2")]),
  spec(
    "sumPenalties",
    (t: g.Ops, p: g.Tree) => g.sumPenalties(g.l1(0.1), g.l2(0.1))(t, p),
    [opsArg(), treeArg(params)],
    { label: "sumPenalties(...)(t, params)" },
  ),
  ...scheduleSpecs(),
];

function fixedBad(...values: unknown[]) {
  return arg(() => undefined, values[0], ...values.slice(1)).bad;
}

function scheduleSpecs(): Spec[] {
  const step = (name: string, make: () => g.Schedule): Spec =>
    spec(name, (s: number) => make()(s), [num(3, { min: 0 })], { label: `${name}(...)(step)` });
  const steps = (v: number) => num(v, { int: true, min: 1 });
  return [
    spec("constant", g.constant, [num(0.1)]),
    step("constant", () => g.constant(0.1)),
    spec("piecewiseConstant", g.piecewiseConstant, [
      num(0.1),
      arg(() => ({ 10: 0.5 }), null, 3, "10", { "-1": 0.5 }, { 1.5: 0.5 }, { 10: "0.5" }, {
        10: NaN,
      }),
    ]),
    step("piecewiseConstant", () => g.piecewiseConstant(0.1, { 2: 0.5 })),
    spec("stepDecay", g.stepDecay, [options(() => ({ init: 0.1, factor: 0.5, stepSize: 10 }), {
      init: num(0.1),
      factor: num(0.5, { min: 0, minExclusive: true }),
      stepSize: steps(10),
    }, { optional: false, strict: false })]),
    step("stepDecay", () => g.stepDecay({ init: 0.1, factor: 0.5, stepSize: 2 })),
    spec("exponentialDecay", g.exponentialDecay, [options(
      () => ({ init: 0.1, decayRate: 0.5, transitionSteps: 10 }),
      {
        init: num(0.1),
        decayRate: num(0.5, { min: 0, minExclusive: true }),
        transitionSteps: steps(10),
        transitionBegin: num(0, { int: true, min: 0 }),
        staircase: { valid: () => true, bad: fixedBad("yes", 1) },
      },
      { optional: false, strict: false },
    )]),
    step(
      "exponentialDecay",
      () => g.exponentialDecay({ init: 0.1, decayRate: 0.5, transitionSteps: 2 }),
    ),
    spec("cosineDecay", g.cosineDecay, [options(() => ({ init: 0.1, decaySteps: 10 }), {
      init: num(0.1),
      decaySteps: steps(10),
      alpha: num(0, { min: 0, max: 1 }),
    }, { optional: false, strict: false })]),
    step("cosineDecay", () => g.cosineDecay({ init: 0.1, decaySteps: 10 })),
    spec("linearSchedule", g.linearSchedule, [options(
      () => ({ init: 0.1, end: 0.01, transitionSteps: 10 }),
      {
        init: num(0.1),
        end: num(0.01),
        transitionSteps: steps(10),
        transitionBegin: num(0, { int: true, min: 0 }),
      },
      { optional: false, strict: false },
    )]),
    step("linearSchedule", () => g.linearSchedule({ init: 0.1, end: 0.01, transitionSteps: 10 })),
    spec("linearWarmup", g.linearWarmup, [options(() => ({ peak: 0.1, warmupSteps: 5 }), {
      init: num(0),
      peak: num(0.1),
      warmupSteps: num(5, { int: true, min: 0 }),
      after: fn(() => g.constant(0.1), true),
    }, { optional: false, strict: false })]),
    step("linearWarmup", () => g.linearWarmup({ peak: 0.1, warmupSteps: 5 })),
    spec("warmupCosine", g.warmupCosine, [options(
      () => ({ peak: 0.1, warmupSteps: 5, decaySteps: 20 }),
      { init: num(0), peak: num(0.1), end: num(0), warmupSteps: num(5, { int: true, min: 0 }) },
      { optional: false, strict: false },
    )]),
    step("warmupCosine", () => g.warmupCosine({ peak: 0.1, warmupSteps: 5, decaySteps: 20 })),
    spec("joinSchedules", g.joinSchedules, [
      arg(() => [g.constant(1), g.constant(2)], null, [], [g.constant(1), 3], "ab", [g.constant]),
      arg(() => [5], null, [], [5, 6], [-1], [0.5], ["5"]),
    ]),
    step("joinSchedules", () => g.joinSchedules([g.constant(1), g.constant(2)], [5])),
    spec("stepKey", g.stepKey, [key(), count(3, 0, 2 ** 53 - 1)]),
  ];
}
