/**
 * Activations, softmax and logSoftmax at infinite inputs: forward values and pullbacks take
 * their limits instead of NaN (kept apart from the API sweep, which calls with malformed input).
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import * as g from "../mod.ts";
import { findNaN } from "./_sweep.ts";

/** `op(x)` and its pullback of ones, through a trace on the TypeScript backend. */
function withPullback(op: (t: g.Ops, x: g.Tensor) => g.Tensor, x: g.Tensor): [g.Tensor, g.Tensor] {
  const [y, pullback] = g.vjp(op, x, { backend: g.backend("ts") });
  return [y, pullback(g.ones(y.shape, y.dtype))];
}

test("activations and their pullbacks take their limits at ±Infinity instead of NaN", () => {
  const xs = [-Infinity, -1e308, -1000, 0, 1000, 1e308, Infinity];
  const ops: [string, (t: g.Ops, x: g.Tensor) => g.Tensor][] = [
    ["sigmoid", (t, x) => t.sigmoid(x)],
    ["tanh", (t, x) => t.tanh(x)],
    ["relu", (t, x) => t.relu(x)],
    ["leakyRelu", (t, x) => t.leakyRelu(x, 0.1)],
    ["elu", (t, x) => t.elu(x)],
    ["softplus", (t, x) => t.softplus(x)],
    ["swish", (t, x) => t.swish(x)],
    ["swish(β = -2)", (t, x) => t.swish(x, -2)],
    ["gelu", (t, x) => t.gelu(x)],
    ["geluTanh", (t, x) => t.geluTanh(x)],
  ];
  for (const dt of ["float64", "float32"] as const) {
    const x = g.tensor(xs, [xs.length], dt);
    for (const [name, op] of ops) {
      const [y, dx] = withPullback(op, x);
      assert.equal(findNaN(y), undefined, `${name} (${dt}) forward: ${Array.from(y.data)}`);
      assert.equal(findNaN(dx), undefined, `${name} (${dt}) pullback: ${Array.from(dx.data)}`);
    }
  }
  // The limits themselves, where they are 0 (the cases).
  for (const name of ["swish", "gelu", "geluTanh"] as const) {
    const [y, dx] = withPullback(
      (t, x) => t[name](x),
      g.tensor([-Infinity, Infinity], [2], "float64"),
    );
    assert.ok(y.data[0] === 0 && y.data[1] === Infinity, `${name}: ${Array.from(y.data)}`);
    assert.ok(dx.data[0] === 0 && dx.data[1] === 1, `${name}' : ${Array.from(dx.data)}`);
  }
});

test("softmax and logSoftmax take their limits when a logit is +Infinity", () => {
  const x = g.tensor([[Infinity, 0, -Infinity], [Infinity, Infinity, 1]], [2, 3], "float64");
  const [y, dy] = withPullback((t, v) => t.softmax(v), x);
  assert.deepEqual(Array.from(y.data), [1, 0, 0, 0.5, 0.5, 0]);
  assert.equal(findNaN(dy), undefined);
  const [l, dl] = withPullback((t, v) => t.logSoftmax(v), x);
  assert.equal(l.data[0], 0);
  assert.equal(l.data[3], -Math.LN2);
  assert.ok(l.data[1] < -1e300, "the other entries saturate at the most negative number");
  assert.equal(findNaN(dl), undefined);
});
