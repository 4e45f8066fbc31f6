import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { add, broadcastShapes, div, mul, sub } from "../src/ops/mod.ts";
import type { Primitive } from "../src/ops/primitive.ts";
import { type Tensor, tensor, toNested } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { broadcastOperandsArb, broadcastPairArb, snapshot } from "./_arbitraries.ts";
import { assertGradientsMatch, plain, run, TS } from "./_ops.ts";

type Binary = Primitive<[Tensor, Tensor]>;
const OPS: [string, Binary][] = [["add", add], ["sub", sub], ["mul", mul], ["div", div]];
const RUNS = { numRuns: 40 };
// Divisors are kept at least 0.5 away from 0, where a / b is steep and finite differences
// lose their accuracy.
const DIVISOR = { avoid: [0], margin: 0.5 };

const f64 = (v: number[] | number[][], shape: number[]) => tensor(v.flat(), shape, "float64");
/** Both operands differentiated through a trace: the output and a pullback to [da, db]. */
const both = (op: Binary, a: Tensor, b: Tensor) =>
  vjp((t: Ops, [x, y]: [Tensor, Tensor]) => t.call(op, x, y), [a, b], { backend: TS });

test("broadcastShapes() agrees with the shape the operands were built to broadcast to", () => {
  fc.assert(
    fc.property(broadcastPairArb(), ({ a, b, out }) => {
      assert.deepEqual(broadcastShapes(a, b), out);
      assert.deepEqual(broadcastShapes(b, a), out);
    }),
    { numRuns: 100 },
  );
});

for (const [name, op] of OPS) {
  test(`${name}() VJP matches central differences under broadcasting`, () => {
    fc.assert(
      fc.property(broadcastOperandsArb({}, name === "div" ? DIVISOR : {}), ({ a, b }) => {
        assertGradientsMatch((t, [x, y]: [Tensor, Tensor]) => t.call(op, x, y), [a, b]);
      }),
      RUNS,
    );
  });

  test(`${name}() returns the broadcast shape and cotangents of the input shapes`, () => {
    fc.assert(
      fc.property(broadcastOperandsArb({}, DIVISOR), ({ pair, a, b }) => {
        const [y, pullback] = both(op, a, b);
        assert.deepEqual(y.shape, pair.out);
        const [da, db] = pullback(y);
        assert.deepEqual(da.shape, a.shape);
        assert.deepEqual(db.shape, b.shape);
      }),
      RUNS,
    );
  });

  test(`${name}() computes only the cotangents its pullback is asked for`, () => {
    fc.assert(
      fc.property(broadcastOperandsArb({}, DIVISOR), ({ a, b }) => {
        const [y, pullback] = run(op, a, b);
        const [da, db] = pullback(y, [true, true]);
        const onlyA = pullback(y, [true, false]);
        const onlyB = pullback(y, [false, true]);
        assert.equal(onlyA[1], undefined);
        assert.equal(onlyB[0], undefined);
        assert.deepEqual(onlyA[0], da);
        assert.deepEqual(onlyB[1], db);
      }),
      RUNS,
    );
  });

  test(`${name}() never mutates or aliases its inputs`, () => {
    fc.assert(
      fc.property(broadcastOperandsArb({}, DIVISOR), ({ a, b }) => {
        const before = snapshot(a, b);
        const [y, pullback] = both(op, a, b);
        pullback(y);
        assert.deepEqual(snapshot(a, b), before);
        assert.notEqual(y.data.buffer, a.data.buffer);
        assert.notEqual(y.data.buffer, b.data.buffer);
      }),
      RUNS,
    );
  });

  test(`${name}() rejects shapes that do not broadcast with a TypeError naming both`, () => {
    assert.throws(() => plain.call(op, f64([1, 2, 3, 4, 5, 6], [2, 3]), f64([1, 2], [2])), {
      name: "TypeError",
      message: `Cannot ${name}: shapes [2,3] and [2] do not broadcast (axis -1: 3 vs 2)`,
    });
  });

  test(`${name}() rejects mixed dtypes with a TypeError`, () => {
    const a = tensor([1, 2], [2], "float32");
    assert.throws(() => plain.call(op, a, tensor([1, 2], [2], "float64")), {
      name: "TypeError",
      message: `Cannot ${name}: dtypes differ, float32 and float64`,
    });
  });
}

test("add() of [2,1,3] and [2,1] broadcasts to [2,2,3] with values summed by hand", () => {
  const a = f64([[1, 2, 3], [4, 5, 6]], [2, 1, 3]);
  const b = f64([[10], [20]], [2, 1]);
  const [y, pullback] = both(add, a, b);
  assert.deepEqual(toNested(y), [
    [[11, 12, 13], [21, 22, 23]],
    [[14, 15, 16], [24, 25, 26]],
  ]);
  // Each a element is used twice (once per b row), each b element six times.
  const [da, db] = pullback(tensor(new Float64Array(12).fill(1), [2, 2, 3]));
  assert.deepEqual(Array.from(da.data), [2, 2, 2, 2, 2, 2]);
  assert.deepEqual(toNested(db), [[6], [6]]);
});

test("mul() and div() pull back b·dy and -a/b²·dy summed over the broadcast axis", () => {
  const a = f64([[1, 2], [3, 4]], [2, 2]);
  const b = f64([2, 4], [2]);
  const ones = f64([[1, 1], [1, 1]], [2, 2]);
  const [dMulA, dMulB] = both(mul, a, b)[1](ones);
  const [dDivA, dDivB] = both(div, a, b)[1](ones);
  assert.deepEqual(toNested(dMulA), [[2, 4], [2, 4]]);
  assert.deepEqual(toNested(dMulB), [1 + 3, 2 + 4]);
  assert.deepEqual(toNested(dDivA), [[0.5, 0.25], [0.5, 0.25]]);
  assert.deepEqual(toNested(dDivB), [-(1 + 3) / 4, -(2 + 4) / 16]);
});

test("float32 inputs give float32 outputs and cotangents", () => {
  const [y, pullback] = both(mul, tensor([1, 2]), tensor([3]));
  assert.equal(y.dtype, "float32");
  const [da, db] = pullback(tensor([1, 1]));
  assert.equal(da.dtype, "float32");
  assert.equal(db.dtype, "float32");
});

test("a pullback rejects a cotangent of the wrong shape with a TypeError", () => {
  const [, pullback] = run(add, tensor([1, 2]), tensor([3]));
  assert.throws(() => pullback(tensor([1, 2, 3]), [true, true]), {
    name: "TypeError",
    message: "Cannot add VJP: cotangent shape [3] differs from output shape [2]",
  });
});

test("broadcastTo() and sumTo() VJPs match central differences", () => {
  fc.assert(
    fc.property(
      broadcastPairArb().chain((p) => fc.tuple(fc.constant(p), tensorArb(p.a), tensorArb(p.out))),
      ([pair, small, big]) => {
        assertGradientsMatch((t, x: Tensor) => t.broadcastTo(x, pair.out), small);
        assertGradientsMatch((t, x: Tensor) => t.sumTo(x, pair.a), big);
      },
    ),
    RUNS,
  );
});

test("sumTo() sums the axes broadcastTo() repeats: sumTo(broadcastTo(x)) = count · x", () => {
  const x = f64([1, 2, 3], [3]);
  const back = plain.sumTo(plain.broadcastTo(x, [4, 3]), [1, 3]);
  assert.deepEqual(toNested(back), [[4, 8, 12]]);
});

test("broadcastTo() and sumTo() reject incompatible targets with a TypeError", () => {
  assert.throws(() => plain.broadcastTo(f64([1, 2], [2]), [3]), { name: "TypeError" });
  assert.throws(() => plain.broadcastTo(f64([1, 2, 3, 4], [2, 2]), [2]), {
    name: "TypeError",
    message: "Cannot broadcastTo: shape [2,2] does not broadcast to [2]",
  });
  assert.throws(() => plain.sumTo(f64([1, 2], [2]), [2, 2]), {
    name: "TypeError",
    message: "Cannot sumTo: shape [2] does not reduce to [2,2]",
  });
});
