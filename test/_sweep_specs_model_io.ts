/**
 * Sweep specs for inspecting and keeping a model: `summary`/`summarize`, `predict`, the
 * history rows and files, and the progress operators. The asynchronous file functions
 * (`saveModel`, `loadModel`, `writeHistory`) reject rather than throw, so their malformed
 * arguments are swept in `test/model_io_errors_test.ts` instead.
 *
 * @module
 */

import * as g from "../mod.ts";
import { arg, count, fn, num, options, shape, type Spec, spec, t64, tensorArg } from "./_sweep.ts";

const model = () => g.serial(g.dense(2, { dtype: "float64" }), g.reluLayer());
const state = () => g.initTrain(model(), g.sgd(0.1), g.key(0), [3]);

const summaryRow = () => ({
  epoch: 0,
  steps: 2,
  samples: 4,
  trainLoss: 0.5,
  train: { loss: 0.5 },
  samplesPerSec: 10,
  seconds: 0.4,
  state: state(),
});

/** Summaries, predictions, history and progress. */
export const modelIoSpecs: Spec[] = [
  spec("summary", g.summary, [arg(model, null, {}, g.dense, 3, "dense"), shape([3])]),
  spec("summarize", g.summarize, [arg(model, null, {}, g.dense, 3, "dense"), shape([3])]),
  spec("predict", g.predict, [
    arg(model, null, {}, g.dense, 3, "dense"),
    arg(state, null, 3, {}, { params: null }),
    tensorArg(() => t64([[1, 2, 3], [4, 5, 6]]), [() => t64([1, 2, 3]), () => t64([[1, 2]])]),
    options(() => ({ batchSize: 1 }), {
      batchSize: count(1, 1, 2 ** 31 - 1),
      backend: arg(() => g.backend("ts"), null, "ts", 3, {}, { gemm: 3 }),
    }),
  ]),
  spec("historyRow", g.historyRow, [arg(summaryRow, null, 3, "row", [])]),
  spec("historyCsv", g.historyCsv, [arg(() => [summaryRow()], null, 3, "rows", {}, [null], [3])]),
  spec("historyJson", g.historyJson, [arg(() => [summaryRow()], null, 3, "rows", {}, [null])]),
  spec("saveHistory", g.saveHistory, [arg(() => "out/history.csv", null, 3, "", "history.txt")]),
  spec("progress", g.progress, [
    options(() => ({ epochs: 2 }), {
      epochs: (() => {
        // Any positive integer is a valid epoch count (no upper limit to sweep).
        const n = num(2, { int: true, min: 1, optional: true });
        return {
          valid: n.valid,
          bad: n.bad.filter((v) => !(typeof v === "number" && Number.isInteger(v) && v >= 1)),
        };
      })(),
      metrics: arg(() => ({}), 3, "accuracy", { accuracy: 3 }),
    }),
  ]),
  spec("epochSummaries", g.epochSummaries, [
    options(() => ({ validate: () => ({ loss: 1 }) }), {
      validate: fn(() => () => ({ loss: 1 }), true),
    }),
  ]),
];
