import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dense } from "../src/layers/dense.ts";
import { parallel } from "../src/layers/parallel.ts";
import { residual } from "../src/layers/residual.ts";
import { serial } from "../src/layers/serial.ts";
import { type ApplyContext, EVAL, type Layer, trainContext } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { type Tree, treeMap } from "../src/tree.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";
import { callCounter, contextRecorder, layerVjp, localTanh } from "./_layer_fixtures.ts";
import { dimArb, f64, seedArb, snapshot, t } from "./_parallel_helpers.ts";

/** Two float64 branches of different widths over the same input, and a batch. */
const parallelArb = fc.record({ batch: dimArb, inDim: dimArb, u: dimArb, v: dimArb, seed: seedArb })
  .chain(({ batch, inDim, u, v, seed }) =>
    tensorArb([batch, inDim]).map((x) => {
      const model = parallel(dense(u, f64), serial(dense(v, f64), localTanh()));
      return { model, ...model.init(key(seed), [inDim]), x, u, v };
    })
  );

test("parallel() gradient matches central differences for every branch's params and the input", () => {
  fc.assert(
    fc.property(parallelArb, ({ model, params, state, x }) => {
      const report = checkLayerGradients(model, params, state, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 50 },
  );
});

test("parallel() returns the shape init reports, after the batch axis", () => {
  fc.assert(
    fc.property(parallelArb, ({ model, params, state, outShape, x, u, v }) => {
      assert.deepEqual(outShape, [u + v]);
      const { y } = model.apply(t, params, state, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 30 },
  );
});

test("parallel() concatenates its branches' outputs row by row on the last axis", () => {
  fc.assert(
    fc.property(parallelArb, ({ model, params, state, x, u, v }) => {
      const y = model.apply(t, params, state, x, EVAL).y;
      const a = dense(u).apply(t, params[0], null, x, EVAL).y;
      const b = serial(dense(v), localTanh()).apply(t, params[1], [null, null], x, EVAL).y;
      for (let r = 0; r < x.shape[0]; r++) {
        const row = [...y.data.subarray(r * (u + v), (r + 1) * (u + v))];
        const expected = [
          ...a.data.subarray(r * u, (r + 1) * u),
          ...b.data.subarray(r * v, (r + 1) * v),
        ];
        assert.deepEqual(row, expected);
      }
    }),
    { numRuns: 30 },
  );
});

test("parallel() never mutates its input, parameters or cotangent", () => {
  fc.assert(
    fc.property(parallelArb, ({ model, params, state, x }) => {
      const before = snapshot(x, params);
      const { y, pullback } = layerVjp(model, params, state, x, EVAL);
      const dy = fromTypedArray(new Float64Array(y.data.length).fill(2), y.shape);
      const grads = pullback(dy);
      assert.deepEqual(snapshot(x, params), before);
      assert.ok(dy.data.every((v) => v === 2) && grads.x.data !== x.data);
    }),
    { numRuns: 20 },
  );
});

test("parallel() splits keys per branch and threads each branch's state", () => {
  const log: ApplyContext[] = [];
  const model = parallel(contextRecorder(log), callCounter(), contextRecorder(log));
  const { params, state } = model.init(key(0), [2]);
  const x = tensor([[1, 2]]);
  const { y, state: next } = model.apply(t, params, state, x, trainContext(key(5)));
  assert.deepEqual([...y.data], [1, 2, 1, 2, 1, 2]);
  assert.notEqual(log[0].key!.join(), log[1].key!.join());
  assert.equal((next[1] as Tensor).data[0], 1);
  assert.equal(model.apply(t, params, next, x, EVAL).state, next);
});

test("parallel() rejects branches whose outputs differ before the last axis", () => {
  const fixed = (outShape: number[]): Layer<null, null> => ({
    init: () => ({ outShape, params: null, state: null }),
    apply: () => {
      throw new Error("not used");
    },
  });
  assert.throws(() => parallel(fixed([2, 3]), fixed([3, 3])).init(key(0), [1]), {
    name: "TypeError",
    message: /branch outputs must agree on every axis but the last.*\[2,3\], \[3,3\] \(branch 1/,
  });
  assert.throws(() => parallel(fixed([2]), fixed([2, 2])).init(key(0), [1]), { name: "TypeError" });
  assert.throws(() => parallel(fixed([])).init(key(0), [1]), { name: "TypeError" });
});

test("parallel() rejects no branches with RangeError and a wrong cotangent with TypeError", () => {
  assert.throws(() => parallel(), { name: "RangeError", message: /parallel: needs at least one/ });
  const model = parallel(dense(2), dense(1));
  const { params, state } = model.init(key(0), [2]);
  const { pullback } = layerVjp(model, params, state, tensor([[1, 2]]), EVAL);
  assert.throws(() => pullback(tensor([[1, 2]])), {
    name: "TypeError",
    message: /cotangent .*shape \[1,2\] for a tensor of shape \[1,3\]/,
  });
});

test("parallel() rejects an unknown combine with RangeError and non-layers with TypeError", () => {
  assert.throws(() => parallel(dense(2), { combine: "max" as "sum" }), {
    name: "RangeError",
    message: /parallel: combine must be "concat", "sum" or "tuple", got "max"/,
  });
  assert.throws(() => parallel(dense(2), 3 as unknown as Layer), {
    name: "TypeError",
    message: /parallel: argument 1 is not a layer/,
  });
});

/** Two float64 branches of one width v over the same input, and a batch. */
const sameWidthArb = fc.record({ batch: dimArb, inDim: dimArb, v: dimArb, seed: seedArb })
  .chain(({ batch, inDim, v, seed }) =>
    tensorArb([batch, inDim]).map((x) => ({ x, v, seed, inDim }))
  );

test('parallel(..., { combine: "tuple" }) returns the branch outputs with a tuple outShape', () => {
  fc.assert(
    fc.property(parallelArb, ({ params, state, x, u, v }) => {
      const model = parallel(dense(u, f64), serial(dense(v, f64), localTanh()), {
        combine: "tuple",
      });
      const { outShape } = model.init(key(0), [x.shape[1]]);
      assert.deepEqual(outShape, [[u], [v]]);
      const { y } = model.apply(t, params, state, x, EVAL);
      const [a, b] = y as Tensor[];
      assert.deepEqual([a.shape, b.shape], [[x.shape[0], u], [x.shape[0], v]]);
      assert.deepEqual([...a.data], [...dense(u).apply(t, params[0], null, x, EVAL).y.data]);
    }),
    { numRuns: 20 },
  );
});

test('parallel(..., { combine: "tuple" }) gradient matches central differences', () => {
  fc.assert(
    fc.property(parallelArb, ({ params, state, x, u, v }) => {
      const model = parallel(dense(u, f64), serial(dense(v, f64), localTanh()), {
        combine: "tuple",
      });
      const report = checkLayerGradients(model, params, state, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 30 },
  );
});

test('parallel(..., { combine: "sum" }) adds equal-shaped branches, with gradients to match', () => {
  fc.assert(
    fc.property(sameWidthArb, ({ x, v, seed, inDim }) => {
      const model = parallel(dense(v, f64), serial(dense(v, f64), localTanh()), { combine: "sum" });
      const { outShape, params, state } = model.init(key(seed), [inDim]);
      assert.deepEqual(outShape, [v]);
      const { y } = model.apply(t, params, state, x, EVAL);
      const a = dense(v).apply(t, params[0], null, x, EVAL).y;
      const b = serial(dense(v), localTanh()).apply(t, params[1], [null, null], x, EVAL).y;
      for (let i = 0; i < y.data.length; i++) assert.equal(y.data[i], a.data[i] + b.data[i]);
      const report = checkLayerGradients(model, params, state, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 30 },
  );
});

test('parallel(..., { combine: "sum" }) rejects branches of different shapes', () => {
  assert.throws(() => parallel(dense(2), dense(3), { combine: "sum" }).init(key(0), [2]), {
    name: "TypeError",
    message: /combine "sum" needs branch outputs of one shape, got \[2\], \[3\] \(branch 1/,
  });
});

test("a tuple of branches feeds a layer over a tree, inside serial", () => {
  // The tuple's outShape is a tree: a layer over one tensor refuses it, naming itself.
  const pair = parallel(dense(2), dense(3), { combine: "tuple" });
  assert.throws(() => serial(pair, dense(1)).init(key(0), [4]), {
    name: "TypeError",
    message:
      /^serial layer 1 \(dense, of 2\): dense init: takes one tensor per example.*\[\[2\],\[3\]\]/,
  });
  // A layer over the pair takes it.
  const join: Layer<null, null, readonly Tensor[], Tensor> = {
    name: "join",
    init: (_k, s) => {
      const [a, b] = s as number[][];
      return { outShape: [a[0] + b[0]], params: null, state: null };
    },
    apply: (t, _p, state, xs) => ({ y: t.concat(xs, -1), state }),
  };
  const model = serial(pair, join, dense(1));
  const { outShape, params, state } = model.init(key(0), [4]);
  assert.deepEqual(outShape, [1]);
  const { y } = model.apply(t, params, state, tensor([[1, 2, 3, 4]]), EVAL);
  assert.deepEqual(y.shape, [1, 1]);
});

test("parallel() and residual() init accept a tree of example shapes", () => {
  const first: Layer<null, null, { a: Tensor }, Tensor> = {
    init: (_k, s) => ({ outShape: (s as { a: number[] }).a, params: null, state: null }),
    apply: (_t, _p, state, x) => ({ y: x.a, state }),
  };
  assert.deepEqual(parallel(first, first).init(key(0), { a: [3] }).outShape, [6]);
  const keep: Layer<null, null, Tree, Tree> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (t, _p, state, x) => ({ y: treeMap((v) => t.mulScalar(v, 2), x), state }),
  };
  const block = residual(keep);
  assert.deepEqual(block.init(key(0), { a: [3], b: [1, 2] }).outShape, { a: [3], b: [1, 2] });
  const x = { a: tensor([[1, 2, 3]]), b: tensor([[[4, 5]]]) };
  const { y } = block.apply(t, null, null, x, EVAL) as unknown as { y: { a: Tensor; b: Tensor } };
  assert.deepEqual([...y.a.data, ...y.b.data], [3, 6, 9, 12, 15]);
});
