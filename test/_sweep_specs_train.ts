/**
 * Sweep specs for training and data: batches and streams, the training state and stages,
 * `fit` and `evaluate`, metrics, the dataset helpers and generators (the testing module and the
 * kernel selection functions: `_sweep_specs_testing.ts`).
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
  fn,
  key,
  num,
  options,
  shape,
  type Spec,
  spec,
  t64,
  tensorArg,
} from "./_sweep.ts";

const data = () => ({ x: t64([[1, 2], [3, 4], [5, 6]]), y: t64([0, 1, 0]) });
const badDatasets = [
  () => ({ x: t64([[1, 2]]) }),
  () => ({ x: t64([[1, 2], [3, 4]]), y: t64([1]) }),
  () => ({ x: g.scalar(1, "float64"), y: g.scalar(1, "float64") }),
  () => ({ x: [[1, 2]], y: [1] }),
];
const datasetArg = () => arg(data, null, undefined, 3, "data", {}, ...badDatasets.map((d) => d()));
const model = () => g.serial(g.dense(2, { dtype: "float64" }));
const ts = g.backend("ts");
/** A backend option: malformed ones are names and objects that are not backends. */
const backendArg = () => arg(() => ts, null, "ts", 3, {}, { gemm: 3 }, g.untraced(ts));
const opsArg = () => arg(() => g.untraced(), null, 3, "ts", {}, ts);
const state = () => g.initTrain(model(), g.sgd(0.1), g.key(0), [2], { backend: ts });
/** One step context after backward, as accumulateGrads sees it. */
function stepContext(): g.StepCtx {
  const s = state();
  const grads = g.treeMap((p: g.Tensor) => g.zerosLike(p), s.params);
  const batch = { x: t64([[1, 2]]), y: t64([[0, 1]]), size: 1, epoch: 0, index: 0 };
  return { state: s, batch, grads, loss: 1 } as unknown as g.StepCtx;
}

/** Training and data. */
export const trainSpecs: Spec[] = [
  spec("batches", g.batches, [
    datasetArg(),
    options(() => ({ batchSize: 2, shuffle: g.key(1), epochs: 1 }), {
      batchSize: count(2, 1, 2 ** 31 - 1),
      shuffle: key(undefined, true),
      dropLast: bool(false),
      epochs: (() => {
        const n = num(1, { int: true, min: 0 });
        return { valid: n.valid, bad: n.bad.filter((v) => v !== Infinity) };
      })(),
      startEpoch: count(0, 0, 0xffffffff),
    }, { optional: false }),
  ], { ok: (r) => void [...(r as Iterable<unknown>)] }),
  badCall(
    "batches",
    "batches(3 examples, batchSize 4, dropLast)",
    () => g.batches(data(), { batchSize: 4, dropLast: true }),
  ),
  spec("datasetSize", g.datasetSize, [datasetArg()]),
  spec("takeRows", g.takeRows, [
    tensorArg(() => t64([[1, 2], [3, 4]]), [() => g.scalar(1, "float64")]),
    count(0, 0),
    count(2, 0, 2),
    arg(() => [1, 0], [2, 0], [-1, 0], [0.5, 0], "01", 3, [NaN, 0]),
  ]),
  spec("streamBatches", g.streamBatches, [
    arg(() => [data(), data()], null, 3, "chunks", {}),
    options(() => ({ batchSize: 2 }), {
      batchSize: count(2, 1, 2 ** 31 - 1),
      dropLast: bool(false),
      epoch: num(0, { int: true, min: 0 }),
    }, { optional: false }),
  ]),
  spec("openSource", g.openSource, [arg(() => [1, 2], null, 3, "abc", {}, undefined)]),
  spec("initTrain", g.initTrain, [
    arg(model, null, {}, g.dense, 3),
    arg(() => g.sgd(0.1), null, {}, g.sgd, 3),
    key(),
    shape([2]),
    options(() => ({ backend: ts }), { backend: backendArg() }),
  ]),
  badCall(
    "initTrain",
    "initTrain(a model that rejects the shape)",
    () => g.initTrain(model(), g.sgd(0.1), g.key(0), [2, 2]),
  ),
  spec("forward", g.forward, [arg(model, null, {}, g.dense, 3)]),
  spec("backward", g.backward, [fn(() => g.meanSquaredError)]),
  spec("regularize", g.regularize, [fn(() => g.l2(0.1))]),
  spec("step", g.step, [arg(() => g.sgd(0.1), null, {}, g.sgd, 3)]),
  spec("mapGrads", g.mapGrads, [fn(() => (x: g.Tree) => x)]),
  spec("accumulateGrads", g.accumulateGrads, [count(4, 1, 2 ** 31 - 1)]),
  spec("emaParams", g.emaParams, [num(0.9, { min: 0, max: 1 })]),
  spec("mergeGrads", g.mergeGrads, [arg(() => [stepContext()], null, [], 3, "ctx", [null], [{}], {
    state: null,
  })]),
  badCall("mergeGrads", "mergeGrads(contexts without grads)", () => {
    const c = stepContext();
    return g.mergeGrads([{ ...c, grads: undefined }, c]);
  }),
  spec("train", g.train, [
    options(() => ({ model: model(), loss: g.meanSquaredError, optimizer: g.sgd(0.1) }), {
      model: arg(model, null, g.dense, 3),
      loss: fn(() => g.meanSquaredError),
      optimizer: arg(() => g.sgd(0.1), null, g.sgd, 3),
      penalty: arg(() => [g.l2(0.1)], 3, "l2", [3], {}),
    }, { optional: false }),
  ]),
  spec("fit", g.fit, [
    arg(state, null, {}, { params: null }, 3),
    arg(() => g.batches(data(), { batchSize: 2, epochs: 1 }), null, 3, "batches", {}),
    arg(() => g.train({ model: model(), loss: g.meanSquaredError, optimizer: g.sgd(0.1) }), 3, "x"),
  ]),
  spec("evaluate", g.evaluate, [
    arg(model, null, {}, g.dense, 3),
    arg(state, null, 3, {}, { params: null }),
    datasetArg(),
    options(() => ({ loss: g.softmaxCrossEntropy, batchSize: 2 }), {
      batchSize: count(2, 1, 2 ** 31 - 1),
      loss: fn(() => g.meanSquaredError, true),
      metrics: arg(() => ({}), 3, "accuracy", { accuracy: 3 }, [g.accuracy]),
      backend: backendArg(),
    }),
  ]),
  badCall(
    "evaluate",
    "evaluate(params of another model)",
    () =>
      g.evaluate(model(), { params: [{ w: t64([[1]]), b: t64([1]) }], modelState: [null] }, data()),
  ),
  spec("accuracy", (p: g.Tensor, y: g.Tensor, t: g.Ops) => g.accuracy(p, y, t), [
    tensorArg(() => t64([[0.1, 0.9], [0.8, 0.2]]), [
      () => t64([0.1, 0.9]),
      () => t64([[0.5], [0.5]]),
    ]),
    tensorArg(() => t64([1, 0]), [
      () => t64([2, 0]),
      () => t64([0.5, 0]),
      () => t64([-1, 0]),
      () => t64([1, 0, 1]),
      () => t64([NaN, 1]),
    ]),
    opsArg(),
  ], { label: "accuracy" }),
  badCall(
    "accuracy",
    "accuracy(empty batch)",
    () => g.accuracy(g.zeros([0, 2], "float64"), g.zeros([0], "float64")),
  ),
  spec("binaryAccuracy", g.binaryAccuracy, [num(0.5, { optional: true })]),
  spec("binaryAccuracy", (p: g.Tensor, t: g.Tensor) => g.binaryAccuracy()(p, t), [
    tensorArg(() => t64([0.2, 0.7]), [() => t64([[0.2, 0.7]])]),
    tensorArg(() => t64([0, 1]), [() => t64([0, 0.5]), () => t64([2, 1]), () => t64([0, 1, 1])]),
  ], { label: "binaryAccuracy()(...)" }),
  spec("argmaxRows", g.argmaxRows, [
    tensorArg(() => t64([[1, 2], [4, 3]]), [() => t64([1, 2])]),
    opsArg(),
  ]),
  spec("oneHot", g.oneHot, [
    tensorArg(() => t64([0, 2, 1]), [
      () => t64([0, 3, 1]),
      () => t64([0.5]),
      () => t64([-1]),
      () => t64([[0, 1]]),
    ]),
    count(3, 1, 2 ** 31 - 1),
    dtype(),
  ]),
  badCall("oneHot", "oneHot(huge)", () => g.oneHot(g.zeros([65536], "float64"), 65536)),
  ...(["twoMoons", "spirals", "circles"] as const).map((name) =>
    spec(name, g[name], [
      key(),
      count(12),
      options(() => ({ noise: 0.1, dtype: "float64" }), {
        noise: num(0.1, { min: 0 }),
        dtype: dtype(),
        ...(name === "spirals" ? { classes: count(3, 2, 1 << 20) } : {}),
        ...(name === "circles"
          ? { factor: num(0.5, { min: 0, max: 1, minExclusive: true, maxExclusive: true }) }
          : {}),
      }),
    ])
  ),
  spec("featureStats", g.featureStats, [
    tensorArg(() => t64([[1, 2], [3, 4]]), [() => g.zeros([0, 2], "float64")]),
  ]),
  spec("featureRange", g.featureRange, [
    tensorArg(() => t64([[1, 2], [3, 4]]), [() => g.scalar(1, "float64")]),
  ]),
  spec("standardize", g.standardize, [
    tensorArg(() => t64([[1, 2], [3, 4]])),
    arg(() => g.featureStats(t64([[1, 2], [3, 4]])), null, 3, {}, {
      mean: t64([1]),
      std: t64([1]),
    }),
    options(() => undefined, { epsilon: num(1e-8, { min: 0 }) }),
  ]),
  spec("randomShifts", g.randomShifts, [
    key(),
    tensorArg(() => t64([[1, 2, 3, 4], [5, 6, 7, 8]]), [() => t64([1, 2, 3, 4])]),
    options(() => ({ height: 2, width: 2, max: 1 }), {
      height: count(2, 1, 2),
      width: count(2, 1, 2),
      channels: count(1, 1, 1, true),
      max: count(1, 0, 1),
      flip: bool(false),
    }, { optional: false }),
  ]),
  spec("minMaxScale", g.minMaxScale, [
    tensorArg(() => t64([[1, 2], [3, 4]])),
    arg(() => g.featureRange(t64([[1, 2], [3, 4]])), null, 3, {}, { min: t64([1]), max: t64([1]) }),
    options(() => undefined, { min: num(-1), max: num(1) }),
  ]),
  spec("trainTestSplit", g.trainTestSplit, [
    key(),
    datasetArg(),
    num(0.3, { min: 0, max: 1, minExclusive: true, maxExclusive: true }),
  ]),
  spec("shuffleDataset", g.shuffleDataset, [key(), datasetArg()]),
  spec("takeExamples", g.takeExamples, [
    datasetArg(),
    arg(() => [2, 0], null, 3, "20", [3], [-1], [0.5], [NaN], ["1"], {}),
  ]),
  spec("sliceDataset", g.sliceDataset, [
    datasetArg(),
    count(1, 0),
    num(2, { int: true, min: 1, optional: true }),
  ]),
];
