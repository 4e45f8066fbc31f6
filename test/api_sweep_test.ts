/**
 * The malformed-argument sweep of the public API: every function exported from every entry
 * point (`mod.ts`, `gradstream/testing`, `/ops`, `/files`, `/kernels`, `/plot`) is called with arguments fast-check draws from pools of malformed
 * values (null, undefined, strings for numbers, NaN, ±Infinity, negative, fractional and huge
 * sizes, unknown dtypes, fake tensors, wrong shapes and dtypes, mis-structured trees, wrong
 * contexts and states), one position at a time. Each call must throw a `TypeError` or
 * `RangeError` whose message names the function the user called; each valid call must return
 * without a NaN. The proportion is printed; the test fails below 99% named errors, on any
 * silent success, and on any export that is neither swept nor excluded with a reason below.
 *
 * To explore beyond the fixed seed: `GRADSTREAM_SWEEP_SEED=123 deno test -A test/api_sweep_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import * as mod from "../mod.ts";
import * as testingMod from "../src/testing/mod.ts";
import * as opsMod from "../src/ops/mod.ts";
import * as filesMod from "../src/files.ts";
import * as kernelsMod from "../src/kernels/mod.ts";
import * as g from "../mod.ts";
import { classify, findNaN, HANG_MS, NONE, type Outcome, show, type Spec } from "./_sweep.ts";
import { valueSpecs } from "./_sweep_specs_values.ts";
import { opSpecs } from "./_sweep_specs_ops.ts";
import { autodiffSpecs } from "./_sweep_specs_autodiff.ts";
import { layerSpecs } from "./_sweep_specs_models.ts";
import { modelSpecs } from "./_sweep_specs_init_losses.ts";
import { contractSpecs } from "./_sweep_specs_contracts.ts";
import { optimSpecs } from "./_sweep_specs_optim.ts";
import { trainSpecs } from "./_sweep_specs_train.ts";
import { kernelSpecs, testingSpecs } from "./_sweep_specs_testing.ts";
import { modelIoSpecs } from "./_sweep_specs_model_io.ts";
import { fileSpecs } from "./_sweep_specs_files.ts";
import { plotSpecs } from "./_sweep_specs_plot.ts";
import { convSpecs } from "./_sweep_specs_conv.ts";
import { zooSpecs } from "./_sweep_specs_zoo.ts";
import { autoencoderSpecs } from "./_sweep_specs_autoencoders.ts";
import { recurrentSpecs } from "./_sweep_specs_recurrent.ts";
import * as plotMod from "../src/plot/mod.ts";
import { textSpecs } from "./_sweep_specs_text.ts";

const SPECS: readonly Spec[] = [
  ...valueSpecs,
  ...opSpecs,
  ...autodiffSpecs,
  ...layerSpecs,
  ...convSpecs,
  ...zooSpecs,
  ...autoencoderSpecs,
  ...recurrentSpecs,
  ...contractSpecs,
  ...modelSpecs,
  ...optimSpecs,
  ...trainSpecs,
  ...testingSpecs,
  ...kernelSpecs,
  ...modelIoSpecs,
  ...fileSpecs,
  ...plotSpecs,
  ...textSpecs,
];

/**
 * Exports the sweep does not call, each with the reason. To cover a new export, add a spec to
 * the `_sweep_specs_*.ts` file of its area (its label starting with the export's name: `spec(
 * "predict", predict, [arg(...), tensorArg(...)])`, or `badCall(...)` for a call wrong as a
 * whole); put it here only if it takes no user input or is not a function, or while it is owned
 * elsewhere, and say why.
 */
const NOT_SWEPT: Readonly<Record<string, string>> = {
  // Values, not functions.
  BACKEND_ORDER: "a constant",
  DEFAULT_DTYPE: "a constant",
  EVAL: "a constant (the evaluation context)",
  PRIMITIVES: "a table of primitive records: each is swept through untraced() and its run",
  FASHION_MNIST_CLASSES: "a constant",
  FASHION_MNIST_DIR: "a constant",
  MNIST_FILES: "a constant",
  TREE_METADATA_KEY: "a constant",
  referenceKernels: "a backend value: its gemm is swept as referenceKernels.gemm",
  tsKernels: "a backend value: its gemm is swept as tsKernels.gemm",
  NonFiniteLossError: "an error class the library throws; users catch it, they do not build it",
  // Functions without arguments.
  defaultBackend: "takes no arguments",
  defaultBlasPaths: "takes no arguments",
  stdoutIsTerminal: "takes no arguments",
  // Total functions: any value is a valid argument (tested below to return, not throw).
  isTensor: "a predicate: total, see the test below",
  describeTree: "describes any value for a message: total, see the test below",
  // Helpers of the library's own checks, taking their caller's name (`op`) as the first
  // argument; exported from mod.ts by train/mod.ts's `export *`.
  checkBackend: "an internal check taking its caller's name (swept through initTrain)",
  loadBlasKernels: "loads a native library; whether one loads depends on the machine",
  // Asynchronous functions and what else is not called here.
  saveCheckpoint: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  loadCheckpoint: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  saveTorchStateDict: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  loadTorchStateDict: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  decodeIdxFile: "an internal step of readIdx, taking its caller's name (swept through readIdx)",
  isStoredTensor: "a predicate: total (any value is a valid argument)",
  gunzipIfNeeded: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  readIdx: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  findMnistDir: "takes no arguments (async; searches the usual install places)",
  loadMnist: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  loadFashionMnist: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  readText: "async (rejects, not throws): checked in test/data_text_test.ts",
  terminalColumns: "takes no arguments",
  DEFAULT_MARGINS: "a constant",
  FONT_FAMILY: "a constant",
  PALETTE: "a constant",
  rasterize: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  toPng: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  saveFigure: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  saveModel: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  loadModel: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  writeHistory: "async (rejects, not throws): swept in test/model_io_errors_test.ts",
  formatSummary: "progress display: owned by the progress-display work",
  formatValue: "progress display: owned by the progress-display work",
};

/**
 * The package's entry points, whose every export the sweep must cover. A new subpath export
 * (`gradstream/plot`, say) is added here, with its module imported above.
 */
const ENTRY_POINTS: Readonly<Record<string, Record<string, unknown>>> = {
  ".": mod,
  "./testing": testingMod,
  "./plot": plotMod,
  "./ops": opsMod,
  "./files": filesMod,
  "./kernels": kernelsMod,
};

const SEED = Number(globalThis.process?.env?.GRADSTREAM_SWEEP_SEED ?? 20261201);
const RUNS = Number(globalThis.process?.env?.GRADSTREAM_SWEEP_RUNS ?? 48);

/** The export a spec covers: the identifier its label starts with. */
function covered(spec: Spec): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(spec.label)?.[0] ?? spec.label;
}

test("every export of every entry point is swept or excluded with a reason", () => {
  const swept = new Set(SPECS.map(covered));
  const exports = Object.values(ENTRY_POINTS).flatMap((m) => Object.keys(m));
  const missing = exports.filter((name) => !swept.has(name) && !(name in NOT_SWEPT));
  assert.deepEqual(missing, [], `exports without a sweep spec or a reason: ${missing.join(", ")}`);
  const stale = Object.keys(NOT_SWEPT).filter((name) => !exports.includes(name));
  assert.deepEqual(stale, [], `exclusions of names no longer exported: ${stale.join(", ")}`);
});

test("the valid call of every sweep spec returns a result without NaN", () => {
  const failures: string[] = [];
  for (const s of SPECS) {
    if (s.mustThrow) continue;
    const args = s.args.map((a) => a.valid());
    try {
      const result = s.call(...args);
      const nan = s.nanOk ? undefined : findNaN(result);
      if (nan !== undefined) failures.push(`${s.label}: ${nan}`);
      s.ok?.(result);
    } catch (e) {
      failures.push(`${s.label}(${args.map(show).join(", ")}): threw ${String(e)}`);
    }
  }
  assert.deepEqual(failures, []);
});

interface Finding {
  label: string;
  outcome: Outcome;
  detail: string;
}

function sweep(): { counts: Record<Outcome, number>; findings: Finding[] } {
  const counts: Record<Outcome, number> = {
    named: 0,
    unnamed: 0,
    engine: 0,
    other: 0,
    silent: 0,
    hang: 0,
  };
  const findings: Finding[] = [];
  const record = (s: Spec, outcome: Outcome, detail: () => string) => {
    counts[outcome]++;
    if (outcome !== "named" && findings.length < 5000) {
      findings.push({ label: s.label, outcome, detail: detail() });
    }
  };
  const attempt = (s: Spec, args: unknown[], what: () => string) => {
    let result: unknown;
    const start = performance.now();
    const slow = () => performance.now() - start > HANG_MS;
    try {
      result = s.call(...args);
    } catch (e) {
      const outcome = slow() ? "hang" : classify(e, s.name);
      record(s, outcome, () => `${what()} -> ${String(e).slice(0, 240)}`);
      return;
    }
    record(s, slow() ? "hang" : "silent", () => `${what()} -> returned ${show(result)}`);
  };
  SPECS.forEach((s, index) => {
    if (s.mustThrow) {
      attempt(s, [], () => "the call");
      return;
    }
    const positions = s.args.map((a, i) => [a, i] as const).filter(([a]) => a.bad !== NONE);
    if (positions.length === 0) return;
    const draw = fc.constantFrom(...positions).chain(([a, i]) => a.bad.map((v) => [i, v] as const));
    fc.assert(
      fc.property(draw, ([i, v]) => {
        const args = s.args.map((a, j) => (j === i ? v : a.valid()));
        attempt(s, args, () => `argument ${i} = ${show(v)}`);
        return true;
      }),
      { seed: SEED + index, numRuns: RUNS },
    );
  });
  return { counts, findings };
}

test("malformed arguments to every public function get a TypeError or RangeError naming it", () => {
  const { counts, findings } = sweep();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const share = counts.named / total;
  console.log(
    `api sweep: ${total} malformed calls over ${SPECS.length} specs: ${counts.named} named ` +
      `typed errors (${(100 * share).toFixed(2)}%), ${counts.unnamed} typed errors naming ` +
      `another function, ${counts.engine} engine errors, ${counts.other} other errors, ` +
      `${counts.silent} silent successes, ${counts.hang} hangs (over ${HANG_MS} ms) (seed ${SEED})`,
  );
  // One line per (call, outcome), with how often it happened and one example.
  const groups = new Map<string, { n: number; example: string }>();
  for (const f of findings) {
    const k = `[${f.outcome}] ${f.label}`;
    const entry = groups.get(k) ?? { n: 0, example: f.detail };
    entry.n++;
    groups.set(k, entry);
  }
  const lines = [...groups].map(([k, v]) => `  ${k} (${v.n}x): ${v.example}`);
  const report = lines.slice(0, 80).join("\n");
  if (findings.length > 0) console.log(lines.join("\n"));
  assert.ok(share >= 0.99, `only ${(100 * share).toFixed(2)}% named typed errors:\n${report}`);
  assert.equal(counts.silent, 0, `silent successes:\n${report}`);
  assert.equal(counts.engine, 0, `engine errors:\n${report}`);
  assert.equal(counts.hang, 0, `hangs:\n${report}`);
});

test("isTensor and describeTree accept any value without throwing", () => {
  const values: unknown[] = [null, undefined, 3, "x", {}, [], [[]], 1n, Symbol("s"), new Map(), {
    dtype: "float32",
    shape: [2],
    data: new Float32Array(3),
  }, () => 1];
  for (const v of values) {
    assert.equal(typeof g.isTensor(v), "boolean");
    assert.equal(typeof g.describeTree(v as g.Tree), "string");
  }
  assert.equal(g.isTensor({ dtype: "float32", shape: [3], data: new Float32Array(2) }), false);
  assert.equal(g.isTensor({ dtype: "float64", shape: [2], data: new Float32Array(2) }), false);
  assert.ok(g.describeTree(Array.from({ length: 500 }, () => g.zeros([3]))).length <= 161);
});
