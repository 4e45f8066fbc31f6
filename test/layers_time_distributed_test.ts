import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dense, lstm, serial, timeDistributed } from "../src/layers/mod.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key, normal } from "../src/random.ts";
import { fromTypedArray } from "../src/tensor.ts";
import { checkLayerGradients } from "../src/testing/mod.ts";

const f64 = { dtype: "float64" as const };
const t = untraced();

const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  time: fc.integer({ min: 1, max: 4 }),
  features: fc.integer({ min: 1, max: 3 }),
  units: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(1000),
});

test("timeDistributed() applies the layer to each step with shared parameters", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const inner = dense(c.units, f64);
      const layer = timeDistributed(inner);
      const { outShape, params, state } = layer.init(key(c.seed), [c.time, c.features]);
      const x = normal(key(c.seed + 1), [c.batch, c.time, c.features], f64);
      const { y } = layer.apply(t, params, state, x, EVAL);
      assert.deepEqual(y.shape, [c.batch, ...(outShape as number[])]);
      for (let b = 0; b < c.batch; b++) {
        for (let s = 0; s < c.time; s++) {
          const at = (b * c.time + s) * c.features;
          const row = fromTypedArray(x.data.slice(at, at + c.features), [1, c.features]);
          const ref = inner.apply(t, params, null, row, EVAL).y;
          ref.data.forEach((v, j) => assert.equal(y.data[(b * c.time + s) * c.units + j], v));
        }
      }
    }),
    { numRuns: 40 },
  );
});

test("timeDistributed() under an lstm: gradient matches central differences", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      const model = serial(lstm(c.units, f64), timeDistributed(dense(2, f64)));
      const { params, state } = model.init(key(c.seed), [c.time, c.features]);
      const x = normal(key(c.seed + 1), [c.batch, c.time, c.features], f64);
      const r = checkLayerGradients(model, params, state, x, EVAL, { maxPerLeaf: 16 });
      assert.ok(r.ok, `max error ${r.maxError} at ${r.worst?.path}`);
    }),
    { numRuns: 15 },
  );
});

test("timeDistributed() rejects a non-layer and inputs that are not sequences, naming itself", () => {
  assert.throws(
    () => timeDistributed(3 as never),
    (e: Error) => e instanceof TypeError && e.message.includes("timeDistributed"),
  );
  const layer = timeDistributed(dense(2));
  assert.throws(
    () => layer.init(key(0), [3]),
    (e: Error) => e instanceof TypeError && /timeDistributed init.*\[3\]/.test(e.message),
  );
  const { params, state } = layer.init(key(0), [4, 3]);
  assert.throws(
    () => layer.apply(t, params, state, normal(key(1), [2, 3]), EVAL),
    (e: Error) => e instanceof TypeError && /timeDistributed.*\[2,3\]/.test(e.message),
  );
});
