import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { Trace, valueAndGrad, vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { primitive } from "../src/ops/primitive.ts";
import { fromTypedArray, type Tensor, tensor, toNested } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";

const TS = backend("ts");
const RUNS = { numRuns: 30 };
const f64 = (values: number[]) => tensor(values, [values.length], "float64");
const scale = (x: Tensor, c: number) => fromTypedArray(x.data.map((v) => c * v), x.shape);

/**
 * y = a ⊙ b (same shapes) that records, in `log`, the `needs` flags it was pulled back with
 * and how many cotangents it computed.
 */
function spyMul(log: { needs: boolean[][]; computed: number }) {
  return primitive("spyMul", 2, (_b, a: Tensor, b: Tensor) => {
    const y = fromTypedArray(a.data.map((v, i) => v * b.data[i]), a.shape);
    return [y, (dy, needs) => {
      log.needs.push([...needs]);
      const grad = (other: Tensor) => {
        log.computed++;
        return fromTypedArray(dy.data.map((g, i) => g * other.data[i]), dy.shape);
      };
      return [needs[0] ? grad(b) : undefined, needs[1] ? grad(a) : undefined];
    }];
  });
}

/** y = Σᵢ (i+1)·xᵢ over a list of same-shaped tensors; dxᵢ = (i+1)·dy, only where needed. */
const weightedSum = primitive("weightedSum", "list", (_b, xs: readonly Tensor[]) => {
  const out = new Float64Array(xs[0].data.length);
  xs.forEach((x, i) => x.data.forEach((v, k) => (out[k] += (i + 1) * v)));
  return [
    fromTypedArray(out, xs[0].shape),
    (dy, needs) => xs.map((_, i) => (needs[i] ? scale(dy, i + 1) : undefined)),
  ];
});

test("a constant input gets no cotangent computed: its needs flag is false", () => {
  const log = { needs: [] as boolean[][], computed: 0 };
  const spy = spyMul(log);
  const x = f64([1, 2, 3]);
  const [, pullback] = vjp((t, w: Tensor) => t.call(spy, x, w), f64([4, 5, 6]));
  const dw = pullback(f64([1, 1, 1]));
  assert.deepEqual(log.needs, [[false, true]]);
  assert.equal(log.computed, 1);
  assert.deepEqual(Array.from(dw.data), [1, 2, 3]);
});

test("a call on constants only records no pullback and never calls one", () => {
  const log = { needs: [] as boolean[][], computed: 0 };
  const spy = spyMul(log);
  const tr = new Trace(TS);
  const w = tr.watch(f64([2]));
  const c = tr.ops.call(spy, f64([3]), f64([4]));
  assert.equal(tr.size, 0);
  const y = tr.ops.mul(c, w);
  assert.equal(tr.size, 1);
  assert.deepEqual(Array.from(tr.pullback(y, f64([1]), w).data), [12]);
  assert.deepEqual(log.needs, []);
});

test("fan-out accumulates: x used twice gets the sum of both cotangents", () => {
  fc.assert(
    fc.property(tensorArb([5]), (x) => {
      // d/dx (x ⊙ x + x) = 2x + 1
      const [, pullback] = vjp((t, v: Tensor) => t.add(t.mul(v, v), v), x, { backend: TS });
      const dx = pullback(fromTypedArray(new Float64Array(5).fill(1), [5]));
      x.data.forEach((v, i) =>
        assert.ok(Math.abs(dx.data[i] - (2 * v + 1)) <= 1e-15 * (1 + Math.abs(v)))
      );
    }),
    RUNS,
  );
});

test("a watched tensor that nothing depends on gets zeros of its shape", () => {
  const a = f64([1, 2]);
  const b = tensor([[1, 2, 3]], [1, 3], "float64");
  const [, pullback] = vjp((t, p: { a: Tensor; b: Tensor }) => t.exp(p.a), { a, b });
  const grads = pullback(f64([1, 1]));
  assert.deepEqual(toNested(grads.b), [[0, 0, 0]]);
  assert.equal(grads.b.dtype, "float64");
  assert.deepEqual(Array.from(grads.a.data), [Math.E, Math.exp(2)]);
});

test("a pullback can be called twice, and is linear in the cotangent", () => {
  fc.assert(
    fc.property(tensorArb([2, 3]), tensorArb([3, 2]), tensorArb([2, 2]), (x, w, dy) => {
      const [, pullback] = vjp((t, v: Tensor) => t.tanh(t.matmul(x, v)), w, { backend: TS });
      const first = pullback(dy);
      const again = pullback(dy);
      const doubled = pullback(scale(dy, 2));
      assert.deepEqual(again, first);
      doubled.data.forEach((v, i) => assert.ok(Math.abs(v - 2 * first.data[i]) <= 1e-15));
    }),
    RUNS,
  );
});

test("tree outputs: a null cotangent leaf counts as zero", () => {
  const x = f64([1, 2]);
  const f = (t: Ops, v: Tensor) => ({
    sq: t.square(v),
    parts: [t.mulScalar(v, 3), null],
  });
  const [y, pullback] = vjp(f, x);
  assert.equal(y.parts[1], null);
  const ones = f64([1, 1]);
  assert.deepEqual(Array.from(pullback({ sq: ones, parts: [null, null] }).data), [2, 4]);
  assert.deepEqual(Array.from(pullback({ sq: null, parts: [ones, null] }).data), [3, 3]);
  assert.deepEqual(Array.from(pullback({ parts: [ones, null] }).data), [3, 3]);
  assert.deepEqual(Array.from(pullback(null).data), [0, 0]);
});

test("cotangents of another structure than the outputs are a TypeError naming vjp", () => {
  const [, pullback] = vjp((t, v: Tensor) => ({ a: t.exp(v), b: t.neg(v) }), f64([1]));
  const message = /^vjp: the cotangents must have the outputs' structure \(null for zero\)/;
  assert.throws(() => pullback([f64([1]), f64([1])]), { name: "TypeError", message });
  assert.throws(() => pullback({ a: f64([1]), c: f64([1]) }), { name: "TypeError", message });
  assert.throws(() => pullback(f64([1])), { name: "TypeError", message });
});

test("a cotangent of the wrong shape for an output is a TypeError", () => {
  const [, pullback] = vjp((t, v: Tensor) => t.exp(v), f64([1, 2]));
  assert.throws(() => pullback(f64([1, 2, 3])), {
    name: "TypeError",
    message: "vjp: a cotangent of the outputs has shape [3] for a tensor of shape [2]",
  });
});

test("a primitive without a pullback on a traced input is a TypeError naming it", () => {
  const noGrad = primitive("roundDown", 1, (_b, x: Tensor) => [
    fromTypedArray(x.data.map(Math.floor), x.shape),
    undefined,
  ]);
  const x = f64([1.5]);
  assert.throws(() => vjp((t, v: Tensor) => t.call(noGrad, v), x), {
    name: "TypeError",
    message: /^roundDown has no derivative, but its input depends on a differentiated value/,
  });
  // On a constant it just computes, in a trace or not.
  const [y] = vjp((t, v: Tensor) => t.mul(t.call(noGrad, x), v), f64([2]));
  assert.deepEqual(Array.from(y.data), [2]);
});

test("a pullback that leaves out a needed cotangent is a TypeError naming it", () => {
  const lazy = primitive("lazy", 1, (_b, x: Tensor) => [scale(x, 1), () => [undefined]]);
  const [y, pullback] = vjp((t, v: Tensor) => t.call(lazy, v), f64([1]));
  assert.throws(() => pullback(y), {
    name: "TypeError",
    message: "lazy's pullback returned no cotangent for input 0",
  });
});

test("a list-arity primitive gets one cotangent per element, only where needed", () => {
  fc.assert(
    fc.property(tensorArb([3]), tensorArb([3]), tensorArb([3]), tensorArb([3]), (a, c, b, dy) => {
      // c is a constant in the middle of the list.
      const [y, pullback] = vjp(
        (t, p: { a: Tensor; b: Tensor }) => t.call(weightedSum, [p.a, c, p.b]),
        { a, b },
        { backend: TS },
      );
      y.data.forEach((v, k) =>
        assert.ok(
          Math.abs(v - (a.data[k] + 2 * c.data[k] + 3 * b.data[k])) <= 1e-12 * (1 + Math.abs(v)),
        )
      );
      const g = pullback(dy);
      assert.deepEqual(g.a, scale(dy, 1));
      assert.deepEqual(g.b, scale(dy, 3));
    }),
    RUNS,
  );
});

test("a list-arity primitive's pullback is told which elements need a cotangent", () => {
  const seen: boolean[][] = [];
  const spyList = primitive("spyList", "list", (_b, xs: readonly Tensor[]) => [
    scale(xs[0], 1),
    (dy, needs) => {
      seen.push([...needs]);
      return xs.map((_, i) => (needs[i] ? scale(dy, i === 0 ? 1 : 0) : undefined));
    },
  ]);
  const c = f64([5]);
  const [y, pullback] = vjp((t, w: Tensor) => t.call(spyList, [c, w, c]), f64([1]));
  pullback(y);
  assert.deepEqual(seen, [[false, true, false]]);
});

test("valueAndGrad() rejects an output of more than one element with a TypeError", () => {
  assert.throws(() => valueAndGrad((t, v: Tensor) => t.exp(v), f64([1, 2])), {
    name: "TypeError",
    message: "valueAndGrad: f must return a tensor with one element, got shape [2]",
  });
  const [value, grad] = valueAndGrad((t, v: Tensor) => t.sum(t.square(v)), f64([1, 2]));
  assert.equal(value, 5);
  assert.deepEqual(Array.from(grad.data), [2, 4]);
});

test("untraced(b) runs on b and does not trace; a trace's ops do", () => {
  const t = untraced(TS);
  assert.equal(t.backend, TS);
  assert.equal(t.tracing, false);
  assert.equal(untraced(TS), t);
  const tr = new Trace(TS);
  assert.equal(tr.ops.backend, TS);
  assert.equal(tr.ops.tracing, true);
});

test("a primitive that returns one of its inputs is a TypeError in a trace", () => {
  const same = primitive("same", 1, (_b, x: Tensor) => [x, (dy) => [dy]]);
  assert.throws(() => vjp((t, v: Tensor) => t.call(same, v), f64([1])), {
    name: "TypeError",
    message: "same returned one of its inputs; a primitive must return a fresh tensor",
  });
});
