import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend, probeBackend } from "../src/kernels/select.ts";
import type { Pool2dOptions } from "../src/ops/pool.ts";
import { checkGradients } from "../src/testing/gradient_check.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { type DType, fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { key } from "../src/random.ts";
import { maxPool2d, reluMaxPool2d } from "../src/layers/pool.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { serial } from "../src/layers/serial.ts";
import { trainContext } from "../src/layers/layer.ts";
import { distinctTensorArb, snapshot } from "./_arbitraries.ts";
import { type Case, caseArb, cast, withTensor } from "./_pool_cases.ts";

const ts = backend("ts");
const t = untraced(ts);

const fused = (o: Pool2dOptions) => (t: Ops, x: Tensor) => t.reluMaxPool2d(x, o);
const composed = (o: Pool2dOptions) => (t: Ops, x: Tensor) => t.maxPool2d(t.relu(x), o);

/**
 * Cases of the 2x2 stride-2 path the CNN takes (even and odd sizes; channels filling SIMD
 * vectors of four and a remainder), and every other kind.
 */
const twoByTwo: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 2, max: 7 }),
  w: fc.integer({ min: 2, max: 7 }),
  c: fc.integer({ min: 1, max: 9 }),
}).map((d) => ({ shape: [d.batch, d.h, d.w, d.c], options: { size: 2 } }));
const cases = fc.oneof(twoByTwo, caseArb);

/** Values from {-1, -0, 0, 1, 2, NaN} (ties, zeros of both signs, NaN) or drawn doubles. */
const valuesArb = (c: Case, dtype: DType) =>
  fc.oneof(
    tensorArb(c.shape, { dtype }),
    fc.array(fc.constantFrom(-1, -0, 0, 1, 2, NaN), {
      minLength: c.shape.reduce((a, b) => a * b, 1),
      maxLength: c.shape.reduce((a, b) => a * b, 1),
    }).map((v) => cast(fromTypedArray(Float64Array.from(v), c.shape), dtype)),
  );

const bits = (x: Tensor) =>
  Array.from(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));

for (const dtype of ["float64", "float32"] as const) {
  test(`reluMaxPool2d() equals maxPool2d(relu(x)) bit for bit, value and cotangent, in ${dtype}`, () => {
    const arb = cases.chain((c) => fc.record({ c: fc.constant(c), x: valuesArb(c, dtype) }));
    fc.assert(
      fc.property(arb, ({ c, x }) => {
        const [y0, back0] = vjp(composed(c.options), x, { backend: ts });
        const [y1, back1] = vjp(fused(c.options), x, { backend: ts });
        assert.deepEqual(y1.shape, y0.shape);
        assert.deepEqual(bits(y1), bits(y0));
        const dy = fromTypedArray(y0.data.map((_, i) => (i % 5) - 2.5), y0.shape);
        assert.deepEqual(bits(back1(dy)), bits(back0(dy)));
      }),
      { numRuns: 200 },
    );
  });
}

test("reluMaxPool2d() VJP matches central differences", () => {
  // Distinct values a quarter apart, moved 0.05 away from the rectifier's kink at 0.
  const arb = cases.chain((c) =>
    fc.record({
      c: fc.constant(c),
      x: distinctTensorArb(c.shape).map((x) =>
        fromTypedArray(x.data.map((v) => (v >= 0 ? v + 0.05 : v - 0.05)), x.shape)
      ),
    })
  );
  fc.assert(
    fc.property(arb, ({ c, x }) => {
      const r = checkGradients(fused(c.options), x);
      assert.ok(r.ok, `max error ${r.maxError} at ${JSON.stringify(r.worst)}`);
    }),
    { numRuns: 60 },
  );
});

test("reluMaxPool2d() never writes into its input or the cotangent", () => {
  fc.assert(
    fc.property(withTensor("float32"), ({ c, x }) => {
      const [y, pullback] = vjp(fused(c.options), x, { backend: ts });
      const dy = fromTypedArray(y.data.map((_, i) => i % 3 - 1), y.shape);
      const before = snapshot(x, dy);
      pullback(dy);
      assert.deepEqual(snapshot(x, dy), before);
    }),
    { numRuns: 30 },
  );
});

for (const b of ["wasm", "blas"] as const) {
  const probe = probeBackend(b);
  test(`reluMaxPool2d() gives the ts backend's output and cotangent on the ${b} backend`, {
    skip: probe.ok ? false : `${b} backend not available here: ${probe.reason}`,
  }, () => {
    const other = probe.ok ? probe.kernels : ts;
    const arb = cases.chain((c) => fc.record({ c: fc.constant(c), x: valuesArb(c, "float32") }));
    fc.assert(
      fc.property(arb, ({ c, x }) => {
        const [y0, back0] = vjp(fused(c.options), x, { backend: ts });
        const [y1, back1] = vjp(fused(c.options), x, { backend: other });
        // -0 among the cotangents: the scatter stores 0 + (-0) = +0, and so must any kernel.
        const dy = fromTypedArray(
          y0.data.map((_, i) => (i % 7 === 0 ? -0 : Math.cos(i))),
          y0.shape,
        );
        assert.deepEqual(bits(y1), bits(y0));
        assert.deepEqual(bits(back1(dy)), bits(back0(dy)));
      }),
      { numRuns: 50 },
    );
  });
}

test("reluMaxPool2d() rectifies each window's maximum and routes only positive ones back", () => {
  const x = tensor([-3, -1, 2, 4, -5, -2, -7, 1, NaN, 0, 0, 0], [1, 2, 6, 1]);
  const [y, pullback] = vjp((t, p: Tensor) => t.reluMaxPool2d(p, { size: 2 }), x, {
    backend: ts,
  });
  // Rows [-3, -1, 2, 4, -5, -2] and [-7, 1, NaN, 0, 0, 0]: windows of max 1, NaN and 0.
  assert.deepEqual(Array.from(y.data), [1, NaN, 0]);
  const dx = pullback(tensor([10, 20, 30], [1, 1, 3, 1]));
  assert.deepEqual(Array.from(dx.data), [0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0]);
});

test("reluMaxPool2d() names itself and the bad value in its errors", () => {
  assert.throws(
    () => t.reluMaxPool2d(tensor([1, 2], [1, 2]), { size: 2 }),
    /reluMaxPool2d.*rank 4/,
  );
  assert.throws(
    () => t.reluMaxPool2d(tensor([1, 2], [1, 1, 2, 1]), { size: 3 }),
    /reluMaxPool2d.*window/,
  );
  assert.throws(
    () => t.reluMaxPool2d(tensor([1], [1, 1, 1, 1]), {} as Pool2dOptions),
    /reluMaxPool2d.*size/,
  );
});

test("the reluMaxPool2d layer equals reluLayer() then maxPool2d(), and init's shape is apply's", () => {
  const x = tensorArb([2, 7, 6, 3]);
  fc.assert(
    fc.property(x, (x) => {
      const one = reluMaxPool2d(2, { stride: 1, padding: "same" });
      const two = serial(reluLayer(), maxPool2d(2, { stride: 1, padding: "same" }));
      const { outShape } = one.init(key(0), [7, 6, 3]);
      const ctx = trainContext(key(1));
      const y1 = one.apply(t, null, null, x, ctx).y;
      const init2 = two.init(key(0), [7, 6, 3]);
      const y2 = two.apply(t, init2.params, init2.state, x, ctx).y;
      assert.deepEqual(y1.shape.slice(1), outShape);
      assert.deepEqual(y1, y2);
    }),
    { numRuns: 20 },
  );
});
