import { test } from "node:test";
import assert from "node:assert/strict";
import { gru, lstm, rnn } from "../src/layers/mod.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, zeros } from "../src/tensor.ts";

const t = untraced();
// deno-lint-ignore no-explicit-any
const factories: [string, (u: any, o?: any) => any][] = [["rnn", rnn], ["lstm", lstm], [
  "gru",
  gru,
]];

/** Throws `Ctor` whose message names the layer and matches every pattern. */
function throwsNaming(
  fn: () => unknown,
  Ctor: ErrorConstructor,
  name: string,
  ...patterns: RegExp[]
) {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof Ctor, `${e.constructor.name}: ${e.message}`);
    assert.ok(e.message.includes(name), e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

for (const [name, make] of factories) {
  test(`${name}() rejects a rank-2 input, naming the layer and the shape`, () => {
    const layer = make(3);
    const { params, state } = layer.init(key(0), [4, 2]);
    throwsNaming(
      () => layer.apply(t, params, state, zeros([4, 2]), EVAL),
      TypeError,
      name,
      /\[4,2\]/,
      /rank 3/,
    );
  });

  test(`${name}() rejects a wrong feature count, naming both counts`, () => {
    const layer = make(3);
    const { params, state } = layer.init(key(0), [4, 2]);
    throwsNaming(
      () => layer.apply(t, params, state, zeros([1, 4, 5]), EVAL),
      TypeError,
      name,
      /2 features/,
      /has 5/,
    );
  });

  test(`${name}() rejects a mask whose shape differs from [batch, time]`, () => {
    const layer = make(3);
    const { params, state } = layer.init(key(0), [4, 2]);
    const inputs = zeros([2, 4, 2]);
    throwsNaming(
      () => layer.apply(t, params, state, { inputs, mask: zeros([2, 3]) }, EVAL),
      TypeError,
      name,
      /\[2, 4\]/,
      /\[2,3\]/,
    );
    throwsNaming(
      () =>
        layer.apply(t, params, state, {
          inputs,
          mask: fromTypedArray(new Float32Array(8).fill(0.5), [2, 4]),
        }, EVAL),
      RangeError,
      name,
      /0\.5/,
    );
  });

  test(`${name}() rejects units 0, an unknown output mode and unknown options`, () => {
    throwsNaming(() => make(0), RangeError, name, /units/, /0/);
    throwsNaming(() => make(2.5), RangeError, name, /units/, /2\.5/);
    throwsNaming(() => make(3, { output: "all" }), RangeError, name, /output/, /"all"/);
    throwsNaming(() => make(3, { outputs: "last" }), TypeError, name, /outputs/);
    throwsNaming(() => make(3, { stateful: 1 }), TypeError, name, /stateful/);
  });

  test(`${name}() rejects an initial state of the wrong shape and a non-null state when not stateful`, () => {
    const layer = make(3);
    const { params, state } = layer.init(key(0), [4, 2]);
    const inputs = zeros([2, 4, 2]);
    const bad = name === "lstm" ? { h: zeros([2, 4]), c: zeros([2, 3]) } : zeros([2, 4]);
    throwsNaming(
      () => layer.apply(t, params, state, { inputs, state: bad }, EVAL),
      TypeError,
      name,
      /\[2,4\]/,
      /\[2,3\]/,
    );
    throwsNaming(
      () => layer.apply(t, params, zeros([2, 3]), inputs, EVAL),
      TypeError,
      name,
      /state must be null/,
    );
  });

  test(`${name}() stateful rejects a batch of another size while a state is carried`, () => {
    const layer = make(3, { stateful: true });
    const { params, state } = layer.init(key(0), [4, 2]);
    const carried = layer.apply(t, params, state, zeros([2, 4, 2]), trainContext()).state;
    throwsNaming(
      () => layer.apply(t, params, carried, zeros([3, 4, 2]), trainContext()),
      TypeError,
      name,
      /2 rows/,
      /3/,
      /resetState/,
    );
  });

  test(`${name} init rejects examples that are not [time, features]`, () => {
    throwsNaming(
      () => make(3).init(key(0), [4]),
      TypeError,
      `${name} init`,
      /\[time, features\]/,
      /\[4\]/,
    );
    throwsNaming(() => make(3).init(key(0), [0, 2]), TypeError, `${name} init`, /\[0,2\]/);
  });
}

test("lstm() rejects a forgetBias without a bias and a non-finite one", () => {
  throwsNaming(
    () => lstm(3, { useBias: false, forgetBias: 2 }),
    RangeError,
    "lstm",
    /forgetBias/,
    /useBias/,
  );
  throwsNaming(() => lstm(3, { forgetBias: NaN }), RangeError, "lstm", /forgetBias/);
});

test("rnn() rejects an activation that is not a function", () => {
  throwsNaming(
    () => rnn(3, { activation: "tanh" as never }),
    TypeError,
    "rnn",
    /activation/,
    /"tanh"/,
  );
});
