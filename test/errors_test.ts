/**
 * One test per finding of the outside sweep in issue 8 ("every bad input gets a clear error;
 * nothing is silent; nothing hangs"): each bad call now throws a `TypeError` or `RangeError`
 * that names the function the user called and the offending value.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  accuracy,
  adam,
  astype,
  backend,
  bernoulli,
  binaryAccuracy,
  dense,
  full,
  key,
  normal,
  oneHot,
  ones,
  reluLayer,
  scalar,
  serial,
  sgd,
  softmaxCrossEntropyOneHot,
  tensor,
  toNested,
  twoMoons,
  uniform,
  untraced,
  updateAndApply,
  vjp,
  zeros,
} from "../mod.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { assertGradients, checkGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";
import type { Key, Ops, Tensor } from "../mod.ts";

const t = untraced(backend("ts"));

const f64 = (values: number[] | number[][]) => tensor(values, undefined, "float64");

test("a null or mis-structured params tree names the layer and both structures", () => {
  const layer = dense(2);
  const { state } = layer.init(key(0), [3]);
  const x = tensor([[1, 2, 3]]);
  assert.throws(() => layer.apply(t, null as never, state, x, EVAL), {
    name: "TypeError",
    message: "Cannot dense: params must have the structure {b:[2],w:[3,2]} " +
      "(as init returned it), got null",
  });
  assert.throws(() => layer.apply(t, { w: zeros([3, 2]) } as never, state, x, EVAL), {
    name: "TypeError",
    message: /Cannot dense: the layer was built with bias: true .* got \{w:\[3,2\]\}/,
  });
});

test("inside serial, a bad params entry names the layer's index and kind", () => {
  const model = serial(dense(4), reluLayer(), dense(2));
  const { params, state } = model.init(key(0), [3]);
  const broken = [params[0], params[1], null];
  assert.throws(() => model.apply(t, broken as never, state, tensor([[1, 2, 3]]), EVAL), {
    name: "TypeError",
    message: /^serial layer 2 \(dense, of 3\): Cannot dense: params must have the structure/,
  });
  assert.throws(() => model.apply(t, params, state, tensor([[1, 2, 3]]), null as never), {
    name: "TypeError",
    message: /^Cannot serial: the context must be \{ training: boolean, key\? \}, got null/,
  });
  assert.throws(() => model.apply(t, [] as never, state, tensor([[1, 2, 3]]), EVAL), {
    name: "TypeError",
    message: /^Cannot serial: params must be an array with one entry per layer \(3\)/,
  });
});

test("oneHot and toNested reject non-tensors with their own names", () => {
  assert.throws(() => oneHot([0, 1] as unknown as Tensor, 2), {
    name: "TypeError",
    message: "oneHot: labels must be a tensor of class indices [N], got [0,1]",
  });
  assert.throws(() => toNested(null as unknown as Tensor), {
    name: "TypeError",
    message: "toNested: the argument must be a tensor, got null",
  });
});

test("sizes nobody can allocate are RangeErrors naming the call, not engine errors", () => {
  assert.throws(() => zeros([1e6, 1e6]), { name: "RangeError", message: /^zeros: shape/ });
  assert.throws(() => oneHot(zeros([65536]), 65536), { name: "RangeError", message: /^oneHot:/ });
  assert.throws(() => dense(1e6).init(key(0), [1e6]), {
    name: "RangeError",
    message: /^dense init: the weight shape \[1000000,1000000\] has 1000000000000 elements/,
  });
});

test("messages name the function the user called, not the helper it delegates to", () => {
  assert.throws(() => adam(NaN), {
    name: "RangeError",
    message: "adam: the learning rate must be a finite non-negative number, got NaN",
  });
  assert.throws(() => zeros([-1]), { name: "TypeError", message: /^zeros: shape \[-1\]/ });
  for (
    const [name, call] of [
      ["uniform", (k: Key) => uniform(k, [2])],
      ["normal", (k: Key) => normal(k, [2])],
      ["twoMoons", (k: Key) => twoMoons(k, 4)],
    ] as const
  ) {
    assert.throws(() => call([1, -1] as unknown as Key), {
      name: "TypeError",
      message: new RegExp(`^${name}: key must be a pair of uint32 words, got \\[1,-1\\]`),
    });
  }
  assert.throws(() => adam(0.1).update({ w: zeros([2]) }, null as never, { w: zeros([2]) }), {
    name: "TypeError",
    message:
      /^adam update: expected a state array of 2 link states \(as init returned it\), got null/,
  });
});

test("unknown dtype strings are TypeErrors, never a silent float32", () => {
  const bad = "int32" as "float32";
  const calls: [string, () => unknown][] = [
    ["tensor", () => tensor([1, 2], [2], bad)],
    ["zeros", () => zeros([2], bad)],
    ["astype", () => astype(ones([2]), bad)],
    ["uniform", () => uniform(key(0), [2], { dtype: bad })],
    ["bernoulli", () => bernoulli(key(0), [2], 0.5, bad)],
    ["twoMoons", () => twoMoons(key(0), 4, { dtype: bad })],
    ["oneHot", () => oneHot(tensor([0, 1]), 2, bad)],
    ["dense", () => dense(2, { dtype: bad })],
  ];
  for (const [name, call] of calls) {
    assert.throws(call, {
      name: "TypeError",
      message: `${name}: dtype must be "float32" or "float64", got "int32" (a string)`,
    });
  }
});

test("metrics reject out-of-range and fractional labels and non-0/1 targets", () => {
  const scores = f64([[0.2, 0.8], [0.9, 0.1]]);
  for (const labels of [[2, 0], [0.5, 1], [-1, 0]]) {
    assert.throws(() => accuracy(scores, f64(labels)), {
      name: "RangeError",
      message: /^accuracy: label at row 0 is .*; labels are integer class indices in \[0, 2\)/,
    });
  }
  assert.throws(() => binaryAccuracy()(f64([0.2, 0.7]), f64([0, 0.5])), {
    name: "RangeError",
    message: "binaryAccuracy: target at row 1 is 0.5; targets are 0 or 1",
  });
});

test("one-hot cross-entropy rejects a negative target instead of returning a negative loss", () => {
  assert.throws(() => softmaxCrossEntropyOneHot(t, f64([[0, 5]]), f64([[-1, 1]])), {
    name: "RangeError",
    message: /^softmaxCrossEntropyOneHot: target at row 0, class 0 is -1/,
  });
});

test("a gradient check that compares no element is not a pass", () => {
  const square = (ops: Ops, x: Tensor) => ops.square(x);
  const empty = zeros([0], "float64");
  const report = checkGradients(square, empty);
  assert.equal(report.checked, 0);
  assert.equal(report.ok, false);
  assert.throws(() => assertGradients(square, empty), {
    name: "RangeError",
    message: /^assertGradients: the inputs have no elements, so no gradient was checked/,
  });
});

test("numbers passed as strings are TypeErrors, not coerced", () => {
  const calls: [string, () => unknown][] = [
    ["full", () => full([2], "3" as unknown as number)],
    ["scalar", () => scalar("3" as unknown as number)],
    ["bernoulli", () => bernoulli(key(0), [2], "0.5" as unknown as number)],
    ["dense", () => dense("3" as unknown as number)],
    ["adam", () => adam("0.1" as unknown as number)],
    ["key", () => key("7" as unknown as number)],
  ];
  for (const [name, call] of calls) {
    assert.throws(call, {
      name: "TypeError",
      message: new RegExp(`^${name}: .*"\\S+" \\(a string\\)`),
    });
  }
});

test("an optimiser rejects float64 gradients for a state made for float32 params", () => {
  const opt = adam(0.1);
  const params = { w: zeros([2]) };
  const state = opt.init(params);
  assert.throws(() => updateAndApply(opt, { w: zeros([2], "float64") }, state, params), {
    name: "TypeError",
    message:
      /^updateAndApply: adam update: scaleByAdam .*: leaf 0 \(shape \[2\]\) is float64 in the gradients but float32 in the state/,
  });
  // A stateless optimiser has no moments to disagree with; it keeps the params' dtype.
  const [next] = updateAndApply(
    sgd(0.1),
    { w: ones([2], "float64") },
    sgd(0.1).init(params),
    params,
  );
  assert.equal(next.w.dtype, "float32");
});

test("the public arbitraries reject a negative dimension instead of hanging", () => {
  assert.throws(() => shapeArb({ minDim: -1 }), {
    name: "RangeError",
    message: /^shapeArb: minDim/,
  });
  assert.throws(() => tensorArb([-2]), { name: "TypeError", message: /^tensorArb: shape \[-2\]/ });
  assert.throws(() => shapeArb({ minRank: 3, maxRank: 1 }), {
    name: "RangeError",
    message: /^shapeArb: maxRank must be an integer in \[3, 16\]/,
  });
  // Still usable for what they are for.
  fc.assert(fc.property(shapeArb({ maxRank: 2, maxDim: 3 }), (s) => s.length <= 2));
});

test("swish, gelu and geluTanh take the limit 0 at -Infinity, and their pullbacks stay finite", () => {
  const x = f64([-Infinity, Infinity]);
  for (const name of ["swish", "gelu", "geluTanh"] as const) {
    const [y, pullback] = vjp((ops, v) => ops[name](v), x, { backend: backend("ts") });
    assert.ok(y.data[0] === 0 && y.data[1] === Infinity, `${name}: ${Array.from(y.data)}`);
    const dx = pullback(f64([1, 1]));
    assert.ok(dx.data[0] === 0 && dx.data[1] === 1, `${name}': ${Array.from(dx.data)}`);
  }
});

test("trainContext rejects a malformed key with a hint on making keys", () => {
  assert.throws(() => trainContext([1] as unknown as Key), {
    name: "TypeError",
    message:
      /^trainContext: key must be a pair of uint32 words, got \[1\] \(make keys with key\(seed\)/,
  });
});
