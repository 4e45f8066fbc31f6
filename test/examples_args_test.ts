import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { exampleArgs } from "../examples/_args.ts";

const url = new URL("../examples/mnist_cnn.ts", import.meta.url).href;
const read = (...argv: string[]) => exampleArgs(url, argv);

test("exampleArgs() reads switches, integers, numbers and words, or their fallbacks", () => {
  const args = read("--quick", "--epochs", "3", "--temperature", "0.5", "--out", "tmp/x");
  assert.equal(args.name, "mnist_cnn");
  assert.equal(args.has("--quick"), true);
  assert.equal(args.has("--fashion"), false);
  assert.equal(args.int("--epochs", 8, 1), 3);
  assert.equal(args.int("--seed", 7, 0), 7);
  assert.equal(args.number("--temperature", 0.8, 0.01), 0.5);
  assert.equal(args.string("--out", "out", "a folder"), "tmp/x");
  assert.equal(args.string("--mode", "plain"), "plain");
  assert.equal(args.backend(), "auto");
  assert.equal(read("--backend", "wasm").backend(), "wasm");
});

test("exampleArgs() refuses a bad value, naming the example, the flag and the value", () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => read("--epochs", "0").int("--epochs", 8, 1),
      /^mnist_cnn: --epochs takes an integer >= 1, got 0$/,
    ],
    [() => read("--epochs", "2.5").int("--epochs", 8, 1), /got 2\.5$/],
    [() => read("--epochs", "x").int("--epochs", 8, 1), /got x$/],
    [() => read("--epochs").int("--epochs", 8, 1), /--epochs takes an integer >= 1, got nothing$/],
    [() => read("--epochs", "--quick").int("--epochs", 8, 1), /got --quick$/],
    [() => read("--t", "inf").number("--t", 1, 0), /^mnist_cnn: --t takes a number >= 0, got inf$/],
    [() => read("--t", "-1").number("--t", 1, 0), /got -1$/],
    [() => read("--out").string("--out", "o", "a folder"), /--out takes a folder, got nothing$/],
    [() => read("--out", "--quick").string("--out", "o"), /--out takes a value, got --quick$/],
    [
      () => read("--backend", "gpu").backend(),
      /^mnist_cnn: --backend takes blas, wasm, ts or auto, got gpu$/,
    ],
  ];
  for (const [f, message] of cases) assert.throws(f, { name: "RangeError", message });
});

test("an example run with a bad flag fails at once, its error naming the example and value", () => {
  // The runtime that runs this test runs the example (Deno needs `run`; Bun runs a file as is).
  const script = fileURLToPath(new URL("../examples/perceptron.ts", import.meta.url));
  const deno = "Deno" in globalThis;
  const run = spawnSync(
    process.execPath,
    [...(deno ? ["run", "--allow-read", "--allow-env"] : []), script, "--seed", "-3"],
    { encoding: "utf8", timeout: 60_000 },
  );
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /perceptron: --seed takes an integer >= 0, got -3/);
});
