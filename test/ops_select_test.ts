import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { vjp } from "../src/autodiff/trace.ts";
import { clip, maximum, minimum, where } from "../src/ops/select.ts";
import { sizeOf, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";
import { assertGrad, at, run, RUNS, snapshot, t, unravel } from "./_ops_new.ts";

/**
 * Three shapes that broadcast together, made from a base by dropping leading axes and setting
 * some to 1, with the broadcast shape derived from the construction.
 */
const shapesArb = (count: number) =>
  shapeArb({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 3 }).chain((base) => {
    const operand = fc.tuple(
      fc.integer({ min: 0, max: base.length }),
      fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
    ).map(([drop, ones]) => ({ drop, ones }));
    return fc.array(operand, { minLength: count, maxLength: count }).map((ops) => {
      const shapes = ops.map(({ drop, ones }) =>
        base.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d))
      );
      const start = Math.min(...ops.map((o) => o.drop));
      const out = base.slice(start).map((d, i) =>
        ops.every(({ drop, ones }) => start + i < drop || ones[start + i]) ? 1 : d
      );
      return { shapes, out };
    });
  });

const maskArb = (shape: number[]) =>
  fc.array(fc.constantFrom(0, 1, -2, 0.5), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((v) => tensor(v, shape, "float64"));

const whereArb = shapesArb(3).chain(({ shapes: [c, a, b], out }) =>
  fc.record({ cond: maskArb(c), a: tensorArb(a), b: tensorArb(b), out: fc.constant(out) })
);

const pairArb = shapesArb(2).chain(({ shapes: [a, b], out }) =>
  fc.record({ a: tensorArb(a), b: tensorArb(b), out: fc.constant(out) })
);

/** On a grid of quarters, b a quarter-step off a: no two elements within a finite-difference step. */
const separatedArb = pairArb.map(({ a, b, out }) => {
  const grid = (x: Tensor, shift: number) =>
    tensor(Array.from(x.data, (v) => Math.round(4 * v) / 4 + shift), x.shape, "float64");
  return { a: grid(a, 0), b: grid(b, 0.125), out };
});

const elements = (out: number[], f: (idx: number[]) => number) =>
  Array.from({ length: sizeOf(out) }, (_, j) => f(unravel(j, out)));

test("where() VJP matches central differences for a and b under broadcasting", () => {
  fc.assert(
    fc.property(whereArb, ({ cond, a, b }) => {
      assertGrad((t, p: { a: Tensor; b: Tensor }) => t.where(cond, p.a, p.b), { a, b });
    }),
    RUNS,
  );
});

test("where() equals a plain loop over the broadcast shape", () => {
  fc.assert(
    fc.property(whereArb, ({ cond, a, b, out }) => {
      const y = t.where(cond, a, b);
      assert.deepEqual(y.shape, out);
      const ref = elements(out, (idx) => (at(cond, idx) !== 0 ? at(a, idx) : at(b, idx)));
      assert.deepEqual(Array.from(y.data), ref);
    }),
    RUNS,
  );
});

test("where() routes dy by the mask; the mask's cotangent is zeros", () => {
  const cond = tensor([[1], [0]]);
  const [y, back] = run(where, cond, tensor([1, 2]), tensor([[10, 20], [30, 40]]));
  assert.deepEqual(toNested(y), [[1, 2], [30, 40]]);
  const [dc, da, db] = back(tensor([[1, 2], [3, 4]]), [true, true, true]);
  assert.deepEqual(toNested(dc!), [[0], [0]]);
  assert.deepEqual(toNested(da!), [1, 2]);
  assert.deepEqual(toNested(db!), [[0, 0], [3, 4]]);
  assert.deepEqual(back(y, [false, false, true]).slice(0, 2), [undefined, undefined]);
});

for (
  const [name, op, pick] of [["maximum", maximum, Math.max], [
    "minimum",
    minimum,
    Math.min,
  ]] as const
) {
  test(`${name}() VJP matches central differences under broadcasting`, () => {
    fc.assert(
      fc.property(separatedArb, ({ a, b }) => {
        assertGrad((t, p: Tensor[]) => t.call(op, p[0], p[1]), [a, b]);
      }),
      RUNS,
    );
  });

  test(`${name}() equals a plain loop over the broadcast shape`, () => {
    fc.assert(
      fc.property(pairArb, ({ a, b, out }) => {
        const y = t.call(op, a, b);
        assert.deepEqual(y.shape, out);
        assert.deepEqual(Array.from(y.data), elements(out, (i) => pick(at(a, i), at(b, i))));
      }),
      RUNS,
    );
  });

  test(`${name}() splits the gradient of a tie evenly, as PyTorch`, () => {
    const [y, back] = run(op, tensor([1, 2, 3]), tensor([2]));
    assert.deepEqual(Array.from(y.data), name === "maximum" ? [2, 2, 3] : [1, 2, 2]);
    assert.deepEqual(back(tensor([1, 1, 1]), [false, true])[0], undefined);
    const [da, db] = back(tensor([1, 1, 1]), [true, true]);
    const first = name === "maximum" ? [0, 0.5, 1] : [1, 0.5, 0];
    assert.deepEqual(Array.from(da!.data), first);
    assert.deepEqual(Array.from(db!.data), [3 - first.reduce((s, v) => s + v, 0)]);
    // The same tensor on both sides: the halves add up to dy.
    const x = tensor([1, -2], [2], "float64");
    const [, pull] = vjp((t, p: Tensor) => t.call(op, p, p), x);
    assert.deepEqual(Array.from(pull(tensor([3, 5], [2], "float64")).data), [3, 5]);
  });

  test(`${name}() propagates NaN and gives it no gradient`, () => {
    const [y, back] = run(op, tensor([NaN, 1]), tensor([0, NaN]));
    assert.ok(y.data.every(Number.isNaN));
    const [da, db] = back(tensor([1, 1]), [true, true]);
    assert.deepEqual([...da!.data, ...db!.data], [0, 0, 0, 0]);
  });

  test(`${name}() rejects shapes that do not broadcast and mixed dtypes`, () => {
    assert.throws(() => t.call(op, tensor([1, 2]), tensor([1, 2, 3])), {
      name: "TypeError",
      message: `Cannot ${name}: shapes [2] and [3] do not broadcast (axis -1: 2 vs 3)`,
    });
    assert.throws(() => t.call(op, tensor([1]), tensor([1], [1], "float64")), {
      name: "TypeError",
      message: `Cannot ${name}: dtypes differ, float32 and float64`,
    });
    assert.throws(() => t.call(op, tensor([1]), 1 as never), { name: "TypeError" });
  });
}

const clipArb = shapeArb({ minRank: 0, maxRank: 3, maxDim: 4 }).chain((shape) =>
  fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }))
    .chain(([lo, width]) =>
      fc.record({
        lo: fc.constant(lo),
        hi: fc.constant(lo + width),
        x: tensorArb(shape, { avoid: [lo, lo + width], margin: 0.01 }),
      })
    )
);

test("clip() VJP matches central differences away from the bounds", () => {
  fc.assert(
    fc.property(clipArb, ({ x, lo, hi }) => {
      assertGrad((t, p: Tensor) => t.clip(p, lo, hi), x);
    }),
    RUNS,
  );
});

test("clip() equals min(max(x, lo), hi) elementwise; its gradient is 1 on [lo, hi] only", () => {
  fc.assert(
    fc.property(clipArb, ({ x, lo, hi }) => {
      const [y, back] = run(clip, x, lo, hi);
      assert.deepEqual(
        Array.from(y.data),
        Array.from(x.data, (v) => Math.min(Math.max(v, lo), hi)),
      );
      const ones = tensor(new Array(x.data.length).fill(1), x.shape, "float64");
      const expect = Array.from(x.data, (v) => (v >= lo && v <= hi ? 1 : 0));
      assert.deepEqual(Array.from(back(ones, [true])[0]!.data), expect);
    }),
    RUNS,
  );
});

test("clip() counts the bounds themselves as inside", () => {
  const [y, back] = run(clip, tensor([-1, 0, 1, 2]), 0, 1);
  assert.deepEqual(Array.from(y.data), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(back(tensor([1, 1, 1, 1]), [true])[0]!.data), [0, 1, 1, 0]);
  assert.deepEqual(Array.from(t.clip(tensor([-5, 5]), 0, Infinity).data), [0, 5]);
});

test("clip() rejects lo > hi and NaN bounds with a RangeError, non-numbers with a TypeError", () => {
  const x = tensor([1]);
  assert.throws(() => t.clip(x, 2, 1), {
    name: "RangeError",
    message: "Cannot clip: lo must be <= hi, got lo = 2 and hi = 1",
  });
  assert.throws(() => t.clip(x, NaN, 1), { name: "RangeError", message: /^Cannot clip: lo/ });
  assert.throws(() => t.clip(x, 0, "1" as never), {
    name: "TypeError",
    message: /Cannot clip: hi/,
  });
});

test("where(), maximum(), minimum() and clip() write into no input and keep float32", () => {
  fc.assert(
    fc.property(whereArb, ({ cond, a, b }) => {
      const before = snapshot(cond, a, b);
      for (
        const [y, back, n] of [
          [...run(where, cond, a, b), 3],
          [...run(maximum, a, b), 2],
          [...run(minimum, a, b), 2],
          [...run(clip, a, -1, 1), 1],
        ] as const
      ) {
        back(y, new Array(n).fill(true));
        assert.ok([cond, a, b].every((x) => x.data.buffer !== y.data.buffer));
      }
      assert.deepEqual(snapshot(cond, a, b), before);
    }),
    RUNS,
  );
  const f32 = tensor([1, 2]);
  for (
    const [y, back] of [run(where, f32, f32, f32), run(maximum, f32, f32), run(clip, f32, 0, 1)]
  ) {
    assert.equal(y.dtype, "float32");
    const ds = back(tensor([1, 1], [2], "float64"), [true, true, true]);
    assert.ok(ds.every((d) => d!.dtype === "float32"));
  }
});

test("where() rejects differing choice dtypes, non-broadcasting shapes and non-tensors", () => {
  const a = tensor([1, 2]);
  assert.throws(() => t.where(a, a, tensor([1, 2], [2], "float64")), {
    name: "TypeError",
    message: "Cannot where: dtypes differ, float32 and float64",
  });
  assert.throws(() => t.where(tensor([1, 0, 1]), a, a), {
    name: "TypeError",
    message: "Cannot where: shapes [3] and [2] do not broadcast (axis -1: 3 vs 2)",
  });
  assert.throws(() => t.where(true as never, a, a), {
    name: "TypeError",
    message: "Cannot where: the condition must be a tensor, got true",
  });
  // A float64 mask may choose between float32 tensors.
  assert.equal(t.where(tensor([1, 0], [2], "float64"), a, a).dtype, "float32");
});
