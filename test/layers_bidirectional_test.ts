import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bidirectional, dense, gru, lstm, rnn, serial } from "../src/layers/mod.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key, normal } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { checkGradients, checkLayerGradients } from "../src/testing/mod.ts";
import type { RecurrentLayer } from "../src/layers/recurrent.ts";
import type { Tree } from "../src/tree.ts";

const f64 = { dtype: "float64" as const };
const t = untraced();
type AnyRecurrent = RecurrentLayer<Tree, Tree, "sequence" | "last">;
const makers = { rnn, lstm, gru } as unknown as Record<
  string,
  (u: number, o: object) => AnyRecurrent
>;

const caseArb = fc.record({
  cell: fc.constantFrom("rnn" as const, "lstm" as const, "gru" as const),
  output: fc.constantFrom("sequence" as const, "last" as const),
  combine: fc.constantFrom("concat" as const, "sum" as const),
  batch: fc.integer({ min: 1, max: 3 }),
  time: fc.integer({ min: 1, max: 4 }),
  features: fc.integer({ min: 1, max: 3 }),
  units: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(1000),
});

test("bidirectional() returns the shape init reports and its gradient matches central differences", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const layer = bidirectional(makers[c.cell](c.units, { output: c.output, ...f64 }), {
        combine: c.combine,
      });
      const { outShape, params, state } = layer.init(key(c.seed), [c.time, c.features]);
      const x = normal(key(c.seed + 1), [c.batch, c.time, c.features], f64);
      const { y } = layer.apply(t, params, state, x, EVAL);
      assert.deepEqual(y.shape, [c.batch, ...(outShape as number[])]);
      const r = checkLayerGradients(layer, params, state, x, EVAL, { maxPerLeaf: 16 });
      assert.ok(r.ok, `max error ${r.maxError} at ${r.worst?.path}`);
    }),
    { numRuns: 25 },
  );
});

test("bidirectional()'s backward half is the layer run on the time-reversed sequence", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const inner = makers[c.cell](c.units, { output: c.output, ...f64 });
      const layer = bidirectional(inner, { combine: "concat" });
      const { params, state } = layer.init(key(c.seed), [c.time, c.features]);
      const x = normal(key(c.seed + 1), [c.batch, c.time, c.features], f64);
      const y = layer.apply(t, params, state, x, EVAL).y;
      const order = Array.from({ length: c.time }, (_, s) => c.time - 1 - s);
      let back = inner.apply(t, params[1], null, t.take(x, order, 1), EVAL).y as Tensor;
      if (c.output === "sequence") back = t.take(back, order, 1);
      const u = c.units, rows = back.data.length / u;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < u; j++) assert.equal(y.data[r * 2 * u + u + j], back.data[r * u + j]);
      }
    }),
    { numRuns: 30 },
  );
});

test("bidirectional() with a mask reads each row's valid steps in both directions", () => {
  const inner = lstm(2, { output: "last", ...f64 });
  const layer = bidirectional(inner, { combine: "concat" });
  const { params, state } = layer.init(key(3), [4, 2]);
  const x = normal(key(4), [2, 4, 2], f64);
  const mask = fromTypedArray(Float64Array.from([1, 1, 0, 0, 1, 1, 1, 1]), [2, 4]);
  const y = layer.apply(t, params, state, { inputs: x, mask }, EVAL).y;
  // Row 0 alone, cut to its two valid steps, gives the same outputs.
  const row = fromTypedArray(Float64Array.from(x.data.subarray(0, 4)), [1, 2, 2]);
  const alone = layer.apply(t, params, state, row, EVAL).y;
  alone.data.forEach((v, j) => assert.ok(Math.abs(v - y.data[j]) < 1e-12));
  const r = checkGradients(
    (tt, p: { params: typeof params; x: Tensor }) =>
      layer.apply(tt, p.params, state, { inputs: p.x, mask }, EVAL).y,
    { params, x },
  );
  assert.ok(r.ok, `max error ${r.maxError}`);
});

test("bidirectional() stacks in serial under a dense head", () => {
  const model = serial(
    bidirectional(gru(3, f64)),
    lstm(2, { output: "last", ...f64 }),
    dense(1, f64),
  );
  const { outShape, params, state } = model.init(key(0), [5, 2]);
  assert.deepEqual(outShape, [1]);
  const r = checkLayerGradients(model, params, state, normal(key(1), [2, 5, 2], f64), EVAL, {
    maxPerLeaf: 16,
  });
  assert.ok(r.ok, `max error ${r.maxError}`);
});

test("bidirectional() rejects a layer that is not recurrent, output both, stateful, or a bad combine", () => {
  assert.throws(
    () => bidirectional(dense(2) as never),
    (e: Error) => e instanceof TypeError && /bidirectional.*rnn, lstm or gru/.test(e.message),
  );
  assert.throws(
    () => bidirectional(lstm(2, { output: "both" })),
    (e: Error) => e instanceof RangeError && /bidirectional.*"both"/.test(e.message),
  );
  assert.throws(
    () => bidirectional(gru(2, { stateful: true })),
    (e: Error) => e instanceof RangeError && /stateful/.test(e.message),
  );
  assert.throws(
    () => bidirectional(rnn(2), { combine: "mean" as never }),
    (e: Error) => e instanceof RangeError && /combine.*"mean"/.test(e.message),
  );
});
