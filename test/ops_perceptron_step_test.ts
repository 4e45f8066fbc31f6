import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { perceptronEpoch } from "../src/ops/perceptron_step.ts";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { item, scalar, type Tensor, tensor, zeros } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { backend } from "../src/kernels/select.ts";
import { snapshot } from "./_arbitraries.ts";

/** The rule composed from primitives, one example at a time: what the fused epoch must equal. */
function composedEpoch(
  t: Ops,
  x: Tensor,
  y: Tensor,
  w0: Tensor,
  b0: Tensor,
  eta: number,
  bias: boolean,
  order: readonly number[],
) {
  let w = w0, b = b0, mistakes = 0;
  for (const i of order) {
    const row = t.index(x, i, 0);
    const s = item(t.add(t.sum(t.mul(row, w)), b));
    if (y.data[i] * s <= 0) {
      const step = eta * y.data[i];
      w = t.add(w, t.mulScalar(row, step));
      if (bias) b = t.addScalar(b, step);
      mistakes++;
    }
  }
  return { w, b, mistakes };
}

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 12 }),
  d: fc.integer({ min: 1, max: 4 }),
  dtype: fc.constantFrom("float32" as const, "float64" as const),
  eta: fc.double({ min: 0.01, max: 3, noNaN: true }),
  bias: fc.boolean(),
}).chain((c) =>
  fc.record({
    c: fc.constant(c),
    x: tensorArb([c.n, c.d], { dtype: c.dtype }),
    w: tensorArb([c.d], { dtype: c.dtype }),
    b: fc.double({ min: -1, max: 1, noNaN: true }),
    y: fc.array(fc.constantFrom(-1, 1), { minLength: c.n, maxLength: c.n }),
    order: fc.shuffledSubarray(Array.from({ length: c.n }, (_, i) => i), {
      minLength: c.n,
      maxLength: c.n,
    }),
  })
);

test("perceptronEpoch equals the rule composed from primitives, bit for bit (float32 and float64)", () => {
  const ts = backend("ts"), t = untraced(ts);
  fc.assert(
    fc.property(caseArb, ({ c, x, w, b, y, order }) => {
      const labels = tensor(y, [c.n], c.dtype), bias = scalar(b, c.dtype);
      const fused = perceptronEpoch(ts, x, labels, w, bias, {
        learningRate: c.eta,
        bias: c.bias,
        order,
      });
      const want = composedEpoch(t, x, labels, w, bias, c.eta, c.bias, order);
      assert.equal(fused.mistakes, want.mistakes);
      assert.deepEqual(Array.from(fused.w.data), Array.from(want.w.data));
      assert.deepEqual(Array.from(fused.b.data), Array.from(want.b.data));
    }),
    { numRuns: 80 },
  );
});

test("perceptronEpoch leaves its inputs untouched", () => {
  fc.assert(
    fc.property(caseArb, ({ c, x, w, y }) => {
      const labels = tensor(y, [c.n], c.dtype), b = scalar(0, c.dtype);
      const before = snapshot(x, labels, w, b);
      perceptronEpoch(untraced().backend, x, labels, w, b, { learningRate: 1, bias: true });
      assert.deepEqual(snapshot(x, labels, w, b), before);
    }),
    { numRuns: 20 },
  );
});

test("perceptronEpoch names bad labels, shapes, dtypes and orders", () => {
  const be = untraced().backend;
  const x = tensor([[1, 2], [3, 4]]), y = tensor([1, -1]), w = zeros([2]), b = scalar(0);
  const o = { learningRate: 1, bias: true };
  const named = (Ctor: typeof TypeError, part: string) => (e: unknown) =>
    e instanceof Ctor && e.message.includes("perceptronEpoch") && e.message.includes(part);
  assert.throws(() => perceptronEpoch(be, x, tensor([1, 2]), w, b, o), named(RangeError, "y[1]"));
  assert.throws(() => perceptronEpoch(be, x, y, zeros([3]), b, o), named(TypeError, "shapes"));
  assert.throws(
    () => perceptronEpoch(be, x, y, zeros([2], "float64"), b, o),
    named(TypeError, "dtype"),
  );
  assert.throws(
    () => perceptronEpoch(be, x, y, w, b, { ...o, order: [0, 2] }),
    named(RangeError, "order[1]"),
  );
  assert.throws(
    () => perceptronEpoch(be, x, y, w, b, { ...o, order: [0] }),
    named(TypeError, "order"),
  );
  assert.throws(
    () => perceptronEpoch(be, x, y, w, b, { ...o, learningRate: -1 }),
    named(RangeError, "learningRate"),
  );
});
