/**
 * The malformed-argument sweep of the asynchronous file functions, which reject rather than
 * throw (so `api_sweep_test.ts`, which calls synchronously, leaves them here): each malformed
 * argument, one position at a time, must reject with a `TypeError` or `RangeError` naming the
 * function called, and a missing file must be an error naming both the function and the file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as mod from "../mod.ts";
import * as files from "../src/files.ts";
import * as plot from "../src/plot/mod.ts";
import { classify, show } from "./_sweep.ts";

/** The main entry point and gradstream/files, where the readers and writers now live. */
const g = { ...mod, ...files };

const dir = await mkdtemp(join(tmpdir(), "gradstream-io-sweep-"));
const model = () => g.serial(g.dense(2, { dtype: "float64" }), g.reluLayer(), g.dense(1));
const state = () => g.initTrain(model(), g.sgd(0.1), g.key(0), [3]);
const trees = () => model().init(g.key(0), [3]);
const badPaths = [null, undefined, 3, "", {}, ["a"], new URL("https://example.com/x")];
const figure = () => plot.lineChart([{ name: "a", y: [1, 2] }], { width: 120, height: 80 });
const badModels = [null, undefined, 3, "dense", {}, g.dense];

/** One asynchronous function: a valid call's arguments and, per position, malformed values. */
interface AsyncSpec {
  name: string;
  call: (...args: never[]) => Promise<unknown>;
  valid: () => unknown[];
  bad: readonly (readonly unknown[])[];
}

const specs: AsyncSpec[] = [
  {
    name: "saveModel",
    call: g.saveModel,
    valid: () => [join(dir, "m.safetensors"), model(), state()],
    bad: [badPaths, badModels, [null, 3, "state", {}]],
  },
  {
    name: "loadModel",
    call: g.loadModel,
    valid: () => [join(dir, "m.safetensors"), model(), [3]],
    bad: [badPaths, badModels, [null, 3, "3", [0], [-1], [1.5], [4]]],
  },
  {
    name: "writeHistory",
    call: g.writeHistory,
    valid: () => [join(dir, "h.csv"), [{ epoch: 1, loss: 0.5 }], {}],
    bad: [[...badPaths, join(dir, "h.txt")], [null, 3, "rows", {}, [null], [3]], [
      null,
      3,
      { format: "xml" },
      { nope: 1 },
    ]],
  },
  {
    name: "saveCheckpoint",
    call: g.saveCheckpoint,
    valid: () => [join(dir, "c.safetensors"), { params: { w: g.tensor([1, 2]) } }, {}],
    bad: [badPaths, [null, 3, "tree", [1]], [null, 3, { metadata: 3 }, { metadata: { a: 1 } }]],
  },
  {
    name: "loadCheckpoint",
    call: g.loadCheckpoint,
    valid: () => [join(dir, "c.safetensors")],
    bad: [badPaths],
  },
  {
    name: "saveTorchStateDict",
    call: g.saveTorchStateDict,
    valid: () => [join(dir, "t.safetensors"), trees(), {}],
    bad: [badPaths, [null, 3, "x", {}, { params: null }], [3, { numBatchesTracked: -1 }]],
  },
  {
    name: "loadTorchStateDict",
    call: g.loadTorchStateDict,
    valid: () => [join(dir, "t.safetensors"), trees()],
    bad: [badPaths, [null, 3, "x", {}, { params: null }]],
  },
  {
    name: "readIdx",
    call: g.readIdx,
    valid: () => [join(dir, "labels.idx")],
    bad: [badPaths],
  },
  {
    name: "loadMnist",
    call: g.loadMnist,
    valid: () => [{ dir: join(dir, "no-mnist") }],
    bad: [[null, 3, "dir", { dir: 3 }, { dtype: "int8" }, { nope: 1 }]],
  },
  {
    name: "loadFashionMnist",
    call: g.loadFashionMnist,
    valid: () => [{ dir: join(dir, "no-mnist") }],
    bad: [[null, 3, "dir", { dir: 3 }, { dtype: "int8" }, { nope: 1 }]],
  },
  {
    name: "rasterize",
    call: plot.rasterize,
    valid: () => [figure(), { scale: 1 }],
    bad: [[null, 3, {}, "<div>", { svg: 3 }], [null, 3, { scale: 0 }, { scale: "2" }, { nope: 1 }, {
      scale: 16,
      background: 3,
    }]],
  },
  {
    name: "toPng",
    call: plot.toPng,
    valid: () => [figure(), {}],
    bad: [[null, 3, "<div>"], [null, { scale: -1 }, { nope: 1 }]],
  },
  {
    name: "saveFigure",
    call: plot.saveFigure,
    valid: () => [figure(), join(dir, "fig"), "chart", {}],
    bad: [[null, 3, {}], [null, 3, ""], [null, 3, "a/b", "", "../x"], [null, { scale: 99 }]],
  },
];

test("the valid calls of the asynchronous file functions succeed, in order", async () => {
  // Each reader reads what the writer before it wrote; the MNIST loaders, given a folder
  // without the files, must say which file is missing.
  await writeFile(join(dir, "labels.idx"), new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  for (const s of specs) {
    const run = (s.call as (...a: unknown[]) => Promise<unknown>)(...s.valid());
    if (s.name === "loadMnist" || s.name === "loadFashionMnist") {
      await assert.rejects(run, (e: Error) => e.message.startsWith(`${s.name}:`), s.name);
    } else {
      await run;
    }
  }
});

test("malformed arguments to the asynchronous file functions reject, naming the function", async () => {
  const failures: string[] = [];
  let calls = 0;
  for (const s of specs) {
    for (const [i, values] of s.bad.entries()) {
      for (const v of values) {
        const args = s.valid();
        args[i] = v;
        calls++;
        try {
          await (s.call as (...a: unknown[]) => Promise<unknown>)(...args);
          failures.push(`${s.name}: argument ${i} = ${show(v)} succeeded`);
        } catch (e) {
          const outcome = classify(e, s.name);
          if (outcome !== "named") {
            failures.push(`${s.name}: argument ${i} = ${show(v)}: ${outcome}: ${String(e)}`);
          }
        }
      }
    }
  }
  assert.ok(calls > 80, `only ${calls} calls`);
  assert.deepEqual(failures, []);
});

test("a missing file is an error naming the function and the file", async () => {
  const missing = join(dir, "missing.safetensors");
  const cases: [string, () => Promise<unknown>][] = [
    ["loadModel", () => g.loadModel(missing, model(), [3])],
    ["loadCheckpoint", () => g.loadCheckpoint(missing)],
    ["loadTorchStateDict", () => g.loadTorchStateDict(missing, trees())],
    ["readIdx", () => g.readIdx(missing)],
  ];
  for (const [name, run] of cases) {
    await assert.rejects(run, (e: Error) => {
      assert.match(e.message, new RegExp(`^${name}: .*missing\\.safetensors`), name);
      return true;
    });
  }
});

test("cleanup", async () => {
  await rm(dir, { recursive: true, force: true });
});
