import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, TS } from "./_ops.ts";

type Softmax = (t: Ops, x: Tensor, axis?: number) => Tensor;
const OPS: [string, Softmax][] = [
  ["softmax", (t, x, axis) => t.softmax(x, axis)],
  ["logSoftmax", (t, x, axis) => t.logSoftmax(x, axis)],
];
/** The op's output at `x` and its pullback, through a trace. */
const traced = (op: Softmax, x: Tensor, axis?: number) =>
  vjp((t, v: Tensor) => op(t, v, axis), x, { backend: TS });
const RUNS = { numRuns: 30 };

/** A tensor of rank 1..3 with values in [-6, 6] and one of its axes, maybe negative. */
const withAxis = shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((shape) =>
  fc.record({
    x: tensorArb(shape, { min: -6, max: 6 }),
    axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
  })
);

/** Sums of `t` along `axis`, by index arithmetic written out here. */
function sumsAlong(t: Tensor, axis: number): number[] {
  const ax = axis < 0 ? axis + t.shape.length : axis;
  const n = t.shape[ax];
  const inner = t.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let start = 0; start < t.data.length; start++) {
    if (Math.floor(start / inner) % n !== 0) continue;
    let s = 0;
    for (let j = 0; j < n; j++) s += t.data[start + j * inner];
    out.push(s);
  }
  return out;
}

for (const [name, op] of OPS) {
  test(`${name}() VJP matches central differences along any axis`, () => {
    fc.assert(
      fc.property(
        withAxis,
        ({ x, axis }) => assertGradientsMatch((t, v: Tensor) => op(t, v, axis), x),
      ),
      RUNS,
    );
  });

  test(`${name}() never mutates or aliases its input`, () => {
    fc.assert(
      fc.property(withAxis, ({ x, axis }) => {
        const before = snapshot(x);
        const [y, pullback] = traced(op, x, axis);
        pullback(y);
        assert.deepEqual(snapshot(x), before);
        assert.notEqual(y.data.buffer, x.data.buffer);
      }),
      RUNS,
    );
  });

  test(`${name}() is finite at ±1000 and at the largest magnitudes`, () => {
    const x = tensor(
      [[1000, -1000, 0], [-1000, -1000, -1000], [1e300, -1e300, 0], [
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
        1,
      ]],
      [4, 3],
      "float64",
    );
    const [y, pullback] = traced(op, x);
    assert.ok(y.data.every(Number.isFinite), `${name} = ${y.data}`);
    assert.ok(pullback(tensor(new Float64Array(12).fill(1), [4, 3])).data.every(Number.isFinite));
    const x32 = tensor([1000, -1000, 3e38, -3e38], [2, 2], "float32");
    const [y32, pullback32] = traced(op, x32);
    assert.ok(y32.data.every(Number.isFinite), `${name} = ${y32.data}`);
    assert.ok(pullback32(tensor([1, 1, 1, 1], [2, 2])).data.every(Number.isFinite));
  });

  test(`${name}() rejects an out-of-range axis with a RangeError`, () => {
    assert.throws(() => op(plain, tensor([[1, 2]]), 2), {
      name: "RangeError",
      message: `Cannot ${name}: axis 2 is out of range for shape [1,2] ` +
        `(rank 2; axes are integers in [-2, 1])`,
    });
    assert.throws(() => op(plain, tensor(new Float32Array([1]), []), -1), { name: "RangeError" });
  });
}

test("softmax() sums to 1 along its axis", () => {
  fc.assert(
    fc.property(withAxis, ({ x, axis }) => {
      for (const s of sumsAlong(plain.softmax(x, axis), axis)) assert.ok(Math.abs(s - 1) < 1e-14);
    }),
    RUNS,
  );
});

test("logSoftmax() is the log of softmax()", () => {
  fc.assert(
    fc.property(withAxis, ({ x, axis }) => {
      const p = plain.softmax(x, axis);
      const lp = plain.logSoftmax(x, axis);
      lp.data.forEach((v, i) => assert.ok(Math.abs(v - Math.log(p.data[i])) < 1e-13));
    }),
    RUNS,
  );
});

test("softmax([0, ln 3]) = [1/4, 3/4] and logSoftmax at ±1000 is [0, -2000]", () => {
  const p = plain.softmax(tensor([0, Math.log(3)], [2], "float64"));
  assert.ok(Math.abs(p.data[0] - 0.25) < 1e-16 && Math.abs(p.data[1] - 0.75) < 1e-16);
  assert.deepEqual(toNested(plain.logSoftmax(tensor([1000, -1000], [2], "float64"))), [0, -2000]);
});

test("softmax() over axis 0 normalises columns", () => {
  const p = plain.softmax(tensor([[0, 1000], [0, -1000]], [2, 2], "float64"), 0);
  assert.deepEqual(toNested(p), [[0.5, 1], [0.5, 0]]);
});
