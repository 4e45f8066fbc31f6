import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dense } from "../src/layers/dense.ts";
import { serial } from "../src/layers/serial.ts";
import { type ApplyContext, EVAL, type Layer, trainContext } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { scalar, tensor } from "../src/tensor.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { treeLeaves } from "../src/tree.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";
import { activity, callCounter, contextRecorder, layerVjp, localTanh } from "./_layer_fixtures.ts";

const t = untraced();

const dimArb = fc.integer({ min: 1, max: 4 });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 });

/** A float64 two-layer tanh network, its parameters and an input batch. */
const mlpArb = fc.record({
  batch: dimArb,
  inDim: dimArb,
  hidden: dimArb,
  out: dimArb,
  seed: seedArb,
})
  .chain(({ batch, inDim, hidden, out, seed }) =>
    tensorArb([batch, inDim]).map((x) => {
      const model = serial(
        dense(hidden, { dtype: "float64" }),
        localTanh(),
        dense(out, { dtype: "float64" }),
      );
      return { model, ...model.init(key(seed), [inDim]), x };
    })
  );

test("serial() gradient matches central differences for every layer's params and the input", () => {
  fc.assert(
    fc.property(mlpArb, ({ model, params, state, x }) => {
      const report = checkLayerGradients(model, params, state, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 50 },
  );
});

test("serial() returns the shape init reports, after the batch axis", () => {
  fc.assert(
    fc.property(mlpArb, ({ model, params, state, outShape, x }) => {
      const { y } = model.apply(t, params, state, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 30 },
  );
});

test("serial() never mutates its input, parameters or cotangent", () => {
  fc.assert(
    fc.property(mlpArb, ({ model, params, state, x }) => {
      const snap = () => [[...x.data], ...treeLeaves(params).map((l) => [...l.value.data])];
      const before = snap();
      const { y, pullback } = layerVjp(model, params, state, x, EVAL);
      const dy = tensor(new Float64Array(y.data.length).fill(1), y.shape);
      const grads = pullback(dy);
      assert.deepEqual(snap(), before);
      assert.ok(dy.data.every((v) => v === 1));
      assert.ok(y.data !== x.data && grads.x.data !== x.data);
    }),
    { numRuns: 20 },
  );
});

test("serial(a, b, c) applies and differentiates exactly as chaining a, b and c by hand", () => {
  fc.assert(
    fc.property(mlpArb, ({ model, params, state, x }) => {
      const [a, b, c] = [dense(params[0].w.shape[1]), localTanh(), dense(params[2].w.shape[1])];
      const [y, pullback] = vjp((t, p) => {
        const ha = a.apply(t, p.params[0], null, p.x, EVAL).y;
        const hb = b.apply(t, null, null, ha, EVAL).y;
        return c.apply(t, p.params[1], null, hb, EVAL).y;
      }, { params: [params[0], params[2]], x });
      const composed = layerVjp(model, params, state, x, EVAL);
      assert.deepEqual([...composed.y.data], [...y.data]);
      const dy = tensor(new Float64Array(y.data.length).map((_, i) => i - 1), y.shape);
      const byHand = pullback(dy), g = composed.pullback(dy);
      assert.deepEqual([...g.x.data], [...byHand.x.data]);
      assert.deepEqual([...g.params[0].w.data], [...byHand.params[0].w.data]);
      assert.deepEqual([...g.params[2].b!.data], [...byHand.params[1].b!.data]);
      assert.equal(g.params[1], null);
    }),
    { numRuns: 30 },
  );
});

test("serial() nests: serial(serial(a, b), c) computes what serial(a, b, c) does", () => {
  fc.assert(
    fc.property(mlpArb, ({ model, params, state, x }) => {
      const inner = serial(dense(params[0].w.shape[1]), localTanh());
      const nested = serial(inner, dense(params[2].w.shape[1]));
      const nestedParams = [[params[0], params[1]], params[2]] as const;
      const y1 = model.apply(t, params, state, x, EVAL).y;
      const y2 = nested.apply(t, nestedParams, [[null, null], null], x, EVAL).y;
      assert.deepEqual([...y2.data], [...y1.data]);
    }),
    { numRuns: 20 },
  );
});

test("serial() init gives each layer its own key", () => {
  // Two identical dense layers: with one shared key they would start with equal weights.
  const { params } = serial(dense(3), dense(3)).init(key(0), [3]);
  assert.notDeepEqual([...params[0].w.data], [...params[1].w.data]);
});

test("serial() splits ctx.key into a distinct key per layer", () => {
  fc.assert(
    fc.property(seedArb, (seed) => {
      const log: ApplyContext[] = [];
      const model = serial(contextRecorder(log), contextRecorder(log), contextRecorder(log));
      model.apply(
        t,
        [null, null, null],
        [null, null, null],
        tensor([[1]]),
        trainContext(key(seed)),
      );
      const keys = log.map((c) => c.key!.join());
      assert.equal(new Set([...keys, key(seed).join()]).size, 4);
      assert.ok(log.every((c) => c.training));
    }),
    { numRuns: 20 },
  );
});

test("serial() passes a keyless context through unchanged", () => {
  const log: ApplyContext[] = [];
  serial(contextRecorder(log), contextRecorder(log)).apply(
    t,
    [null, null],
    [null, null],
    tensor([[1]]),
    EVAL,
  );
  assert.deepEqual(log, [EVAL, EVAL]);
});

test("serial() threads each layer's state and keeps it when nothing changes", () => {
  const model = serial(callCounter(), dense(2), callCounter());
  const { params, state } = model.init(key(0), [2]);
  const x = tensor([[1, 2]]);
  const once = model.apply(t, params, state, x, trainContext()).state;
  const twice = model.apply(t, params, once, x, trainContext()).state;
  assert.deepEqual([twice[0].data[0], twice[2].data[0]], [2, 2]);
  assert.equal(twice[1], null);
  assert.deepEqual([state[0].data[0], once[0].data[0]], [0, 1]);
  // In evaluation the counters leave their state alone, so serial returns the very same array.
  assert.equal(model.apply(t, params, twice, x, EVAL).state, twice);
});

test("serial() names the layer whose init rejects the incoming shape", () => {
  // dense wants vectors; a layer reporting a [2, 2] output breaks the chain at layer 1.
  const square: Layer<null, null> = {
    init: () => ({ outShape: [2, 2], params: null, state: null }),
    apply: () => {
      throw new Error("not used");
    },
  };
  assert.throws(() => serial(square, dense(3)).init(key(0), [4]), {
    name: "TypeError",
    message: /^serial layer 1 \(dense, of 2\): dense init: examples must be vectors/,
  });
});

test("serial() names the layer whose apply rejects its input", () => {
  const model = serial(dense(3), dense(2));
  const { params, state } = model.init(key(0), [4]);
  const wrong = [params[0], { w: params[0].w, b: params[1].b }] as unknown as typeof params;
  assert.throws(() => model.apply(t, wrong, state, tensor([[1, 2, 3, 4]]), EVAL), {
    name: "TypeError",
    message:
      /^serial layer 1 \(dense, of 2\): Cannot dense: the weight w has shape \[4,3\], expected \[3,2\]/,
  });
});

test("serial() rejects params or state that are not one entry per layer", () => {
  const model = serial(dense(3), dense(2));
  const { params, state } = model.init(key(0), [4]);
  const x = tensor([[1, 2, 3, 4]]);
  assert.throws(() => model.apply(t, [params[0]] as unknown as typeof params, state, x, EVAL), {
    name: "TypeError",
    message: /serial: params must be an array with one entry per layer \(2\), got an array of 1/,
  });
  assert.throws(() => model.apply(t, params, null as unknown as typeof state, x, EVAL), {
    name: "TypeError",
    message: /serial: state must be an array/,
  });
});

test("serial() rejects no layers with RangeError and non-layers with TypeError", () => {
  assert.throws(() => serial(), {
    name: "RangeError",
    message: /serial: needs at least one layer/,
  });
  assert.throws(() => serial(dense(2), {} as Layer), {
    name: "TypeError",
    message: /serial: argument 1 is not a layer/,
  });
});

test("serial() sums its layers' auxiliary terms by name", () => {
  const model = serial(
    activity(0.5),
    dense(2, { dtype: "float64" }),
    activity(0.25),
    activity(1, "other"),
  );
  const { params, state } = model.init(key(0), [2]);
  const x = tensor([[1, 2]], undefined, "float64");
  const { y, aux } = model.apply(t, params, state, x, EVAL);
  let sq = 0;
  for (const v of y.data) sq += v * v;
  assert.deepEqual(Object.keys(aux ?? {}).sort(), ["activity", "other"]);
  assert.ok(Math.abs(aux!.activity.data[0] - (0.5 * 5 + 0.25 * sq)) < 1e-12);
  assert.ok(Math.abs(aux!.other.data[0] - sq) < 1e-12);
});

test("serial() without auxiliary terms returns none", () => {
  const model = serial(dense(2), localTanh());
  const { params, state } = model.init(key(0), [2]);
  assert.equal("aux" in model.apply(t, params, state, tensor([[1, 2]]), EVAL), false);
});

test("serial()'s gradient check covers its auxiliary terms", () => {
  fc.assert(
    fc.property(mlpArb, ({ params, x }) => {
      const model = serial(
        activity(0.3),
        dense(params[0].w.shape[1], { dtype: "float64" }),
        activity(0.1),
      );
      const report = checkLayerGradients(
        model,
        [null, params[0], null],
        [null, null, null],
        x,
        EVAL,
      );
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 30 },
  );
});

test("serial() init accepts a tree of shapes for a first layer that takes one", () => {
  const first: Layer<null, null> = {
    init: (_k, s) => ({ outShape: (s as { a: number[] }).a, params: null, state: null }),
    apply: (_t, _p, state, x) => ({ y: x, state }),
  };
  const { outShape } = serial(first, dense(3)).init(key(0), { a: [4], b: [2] });
  assert.deepEqual(outShape, [3]);
  void scalar;
});
