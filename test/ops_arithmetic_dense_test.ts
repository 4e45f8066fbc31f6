import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { add, div, mul, sub } from "../src/ops/mod.ts";
import type { Primitive } from "../src/ops/primitive.ts";
import { type DType, type Tensor, tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { run } from "./_ops.ts";

// Operands of one shape take the dense loops of src/ops/_dense_loops.ts (one monomorphic loop
// per element type) instead of the strided nest: the same numbers, element by element, as the
// definition computed in float64 and rounded once to the dtype; and the cotangents likewise.

type Binary = Primitive<[Tensor, Tensor]>;
const round = (dtype: DType) => (x: number) => dtype === "float32" ? Math.fround(x) : x;
const CASES: [string, Binary, (a: number, b: number) => number][] = [
  ["add", add, (a, b) => a + b],
  ["sub", sub, (a, b) => a - b],
  ["mul", mul, (a, b) => a * b],
  ["div", div, (a, b) => a / b],
];
const sameShapeArb = (dtype: DType) =>
  fc.oneof(
    fc.integer({ min: 0, max: 40 }).map((n) => [n]),
    fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })),
  ).chain((shape) =>
    fc.record({
      a: tensorArb(shape, { dtype, min: -3, max: 3 }),
      b: tensorArb(shape, { dtype, min: 0.5, max: 3 }),
      dy: tensorArb(shape, { dtype, min: -2, max: 2 }),
    })
  );

for (const dtype of ["float32", "float64"] as const) {
  for (const [name, op, f] of CASES) {
    test(`${name}() of same-shape ${dtype} operands is the definition rounded once, cotangents too`, () => {
      const r = round(dtype);
      fc.assert(
        fc.property(sameShapeArb(dtype), ({ a, b, dy }) => {
          const [y, pullback] = run(op, a, b);
          assert.equal(y.dtype, dtype);
          assert.deepEqual(y.shape, a.shape);
          assert.deepEqual([...y.data], [...a.data].map((x, i) => r(f(x, b.data[i]))));
          const [da, db] = pullback(dy, [true, true]) as Tensor[];
          const g = [...dy.data];
          const want: Record<string, [number[], number[]]> = {
            add: [g, g],
            sub: [g, g.map((x) => -x)],
            mul: [g.map((x, i) => r(x * b.data[i])), g.map((x, i) => r(x * a.data[i]))],
          };
          if (name in want) {
            assert.deepEqual([...da.data], want[name][0].map(r));
            assert.deepEqual([...db.data], want[name][1].map(r));
          }
          for (const d of [da, db]) assert.equal(d.dtype, dtype);
        }),
        { numRuns: 60 },
      );
    });
  }
}

test("add() hands an unbroadcast input the cotangent itself (tensors are immutable), not a copy", () => {
  const a = tensor([1, 2, 3], [3], "float32"), b = tensor([4, 5, 6], [3], "float32");
  const dy = tensor([0.5, -1, 2], [3], "float32");
  const [, pullback] = run(add, a, b);
  const [da, db] = pullback(dy, [true, true]) as Tensor[];
  assert.equal(da, dy);
  assert.equal(db, dy);
  // A broadcast input still gets its own, summed cotangent.
  const [, pb] = run(add, tensor([1, 2, 3, 4, 5, 6], [2, 3], "float32"), b);
  const [, dbSum] = pb(tensor([1, 1, 1, 2, 2, 2], [2, 3], "float32"), [true, true]) as Tensor[];
  assert.deepEqual([...dbSum.data], [3, 3, 3]);
});
