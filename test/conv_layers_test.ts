import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  conv1d,
  type Conv1dLayerOptions,
  conv2d,
  type Conv2dLayerOptions,
} from "../src/layers/conv.ts";
import { dense } from "../src/layers/dense.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import type { Initializer, InitOptions } from "../src/init.ts";
import { key } from "../src/random.ts";
import { astype, fromTypedArray, zeros } from "../src/tensor.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { backend } from "../src/kernels/select.ts";
import { load, probed, skipReason } from "./_backends.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";

const t = untraced();

type Pads = "valid" | "same" | [[number, number], [number, number]];
const padArb: fc.Arbitrary<Pads> = fc.oneof(
  fc.constant("valid" as const),
  fc.constant("same" as const),
  fc.tuple(
    fc.tuple(fc.nat(2), fc.nat(2)),
    fc.tuple(fc.nat(2), fc.nat(2)),
  ) as fc.Arbitrary<[[number, number], [number, number]]>,
);

/** The smallest size of an axis on which the dilated kernel fits with the padding. */
function fits(k: number, d: number, pad: Pads, a: 0 | 1): number {
  const span = (k - 1) * d + 1;
  if (pad === "same") return 1;
  const p = pad === "valid" ? 0 : pad[a][0] + pad[a][1];
  return Math.max(1, span - p);
}

/** A conv2d configuration (groups drawn, depthwise when channels per group are 1) and a batch that fits it. */
const configArb = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  cg: fc.integer({ min: 1, max: 2 }),
  fg: fc.integer({ min: 1, max: 2 }),
  kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: padArb,
  bias: fc.boolean(),
  extra: fc.tuple(fc.nat(3), fc.nat(3)),
  seed: fc.nat(),
}).map((c) => {
  const h = fits(c.kernel[0], c.dilation[0], c.padding, 0) + c.extra[0];
  const w = fits(c.kernel[1], c.dilation[1], c.padding, 1) + c.extra[1];
  const options: Conv2dLayerOptions = {
    stride: c.stride,
    dilation: c.dilation,
    padding: c.padding,
    groups: c.groups,
    bias: c.bias,
    dtype: "float64",
  };
  return { ...c, options, filters: c.groups * c.fg, inShape: [h, w, c.groups * c.cg] };
});

/** A configuration with its layer, fresh parameters and a float64 batch. */
const caseArb = configArb.chain((c) =>
  tensorArb([c.batch, ...c.inShape]).map((x) => {
    const layer = conv2d(c.filters, c.kernel, c.options);
    const { outShape, params } = layer.init(key(c.seed), c.inShape);
    return { ...c, layer, outShape, params, x };
  })
);

test("conv2d() returns the shape init reports (stride, odd sizes, every padding, dilation, groups)", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, outShape, x }) => {
      const { y } = layer.apply(t, params, null, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 200 },
  );
});

test("conv2d() gradient matches central differences for kernel, bias and input", () => {
  fc.assert(
    fc.property(caseArb, ({ layer, params, x }) => {
      const report = checkLayerGradients(layer, params, null, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 40 },
  );
});

test("conv2d() depthwise (groups = channels) convolves each channel with its own filters", () => {
  const layer = conv2d(4, 2, { groups: 2, bias: false, dtype: "float64" });
  const { params } = layer.init(key(3), [3, 3, 2]);
  assert.deepEqual(params.w.shape, [2, 2, 1, 4]);
  const x = fromTypedArray(Float64Array.from({ length: 18 }, (_, i) => i % 2 === 0 ? i : 0), [
    1,
    3,
    3,
    2,
  ]);
  const { y } = layer.apply(t, params, null, x, EVAL);
  // Channel 1 of x is zero, so the filters of group 1 (outputs 2 and 3) see nothing.
  for (let p = 0; p < 4; p++) {
    assert.equal(y.data[p * 4 + 2], 0);
    assert.equal(y.data[p * 4 + 3], 0);
  }
  assert.ok(y.data.some((v) => v !== 0));
});

test("conv2d() with a 1x1 kernel equals dense over the channels of each pixel", () => {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 2 }),
        h: fc.integer({ min: 1, max: 4 }),
        w: fc.integer({ min: 1, max: 4 }),
        c: fc.integer({ min: 1, max: 4 }),
        f: fc.integer({ min: 1, max: 4 }),
      })
        .chain((s) => tensorArb([s.n, s.h, s.w, s.c]).map((x) => ({ ...s, x }))),
      ({ n, h, w, c, f, x }) => {
        const conv = conv2d(f, 1, { dtype: "float64", biasInit: rampInit });
        const { params } = conv.init(key(1), [h, w, c]);
        const { y } = conv.apply(t, params, null, x, EVAL);
        const d = dense(f, { dtype: "float64" });
        const dp = { w: fromTypedArray(params.w.data, [c, f]), b: params.b };
        const flat = fromTypedArray(x.data, [n * h * w, c]);
        const ref = d.apply(t, dp, null, flat, EVAL).y;
        assert.deepEqual(y.shape, [n, h, w, f]);
        y.data.forEach((v, i) =>
          assert.ok(Math.abs(v - ref.data[i]) < 1e-12, `${v} vs ${ref.data[i]}`)
        );
      },
    ),
    { numRuns: 50 },
  );
});

/** A non-zero bias 0.5, -0.5, -1.5, ..., so the known-value test sees it added. */
const rampInit: Initializer = (_k, shape, o) => {
  const b = zeros(shape, o?.dtype);
  const data = Float64Array.from(b.data, (_, i) => 0.5 - i);
  return fromTypedArray(o?.dtype === "float32" ? Float32Array.from(data) : data, shape);
};

test("conv2d() gives its initialisers the convolution's fans (kh·kw·cin/groups, kh·kw·filters/groups)", () => {
  const seen: InitOptions[] = [];
  const spy: Initializer = (_k, shape, o) => {
    seen.push(o ?? {});
    return zeros(shape, o?.dtype);
  };
  conv2d(6, [3, 2], { groups: 2, init: spy, biasInit: spy }).init(key(0), [8, 8, 4]);
  assert.equal(seen.length, 2);
  assert.equal(seen[0].fanIn, 3 * 2 * 2);
  assert.equal(seen[0].fanOut, 3 * 2 * 3);
});

// ---- conv1d ---------------------------------------------------------------------------

const conv1dArb = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  groups: fc.integer({ min: 1, max: 2 }),
  cg: fc.integer({ min: 1, max: 2 }),
  fg: fc.integer({ min: 1, max: 2 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 3 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  padding: fc.oneof(
    fc.constant("valid" as const),
    fc.constant("same" as const),
    fc.tuple(fc.nat(2), fc.nat(2)),
  ),
  extra: fc.nat(3),
  seed: fc.nat(),
}).chain((c) => {
  const pad: Pads = typeof c.padding === "string" ? c.padding : [[0, 0], c.padding];
  const length = fits(c.k, c.dilation, pad, 1) + c.extra;
  const cin = c.groups * c.cg;
  const options: Conv1dLayerOptions = {
    stride: c.stride,
    dilation: c.dilation,
    padding: c.padding,
    groups: c.groups,
    dtype: "float64",
  };
  const layer = conv1d(c.groups * c.fg, c.k, options);
  const { outShape, params } = layer.init(key(c.seed), [length, cin]);
  return tensorArb([c.batch, length, cin]).map((x) => ({
    ...c,
    options,
    layer,
    outShape,
    params,
    x,
  }));
});

test("conv1d() returns the shape init reports", () => {
  fc.assert(
    fc.property(conv1dArb, ({ layer, params, outShape, x }) => {
      const { y } = layer.apply(t, params, null, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 150 },
  );
});

test("conv1d() gradient matches central differences for kernel, bias and input", () => {
  fc.assert(
    fc.property(conv1dArb, ({ layer, params, x }) => {
      const report = checkLayerGradients(layer, params, null, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 30 },
  );
});

test("conv1d() equals conv2d() on images of height 1", () => {
  fc.assert(
    fc.property(conv1dArb, ({ k, options, layer, params, x }) => {
      const { y } = layer.apply(t, params, null, x, EVAL);
      const p = options.padding ?? "valid";
      const layer2 = conv2d(params.w.shape[2], [1, k], {
        ...options,
        stride: [1, options.stride ?? 1],
        dilation: [1, options.dilation ?? 1],
        padding: typeof p === "string" ? p : [[0, 0], [p[0], p[1]]],
      });
      const [n, length, c] = x.shape;
      const p2 = { w: fromTypedArray(params.w.data, [1, ...params.w.shape]), b: params.b };
      const y2 = layer2.apply(t, p2, null, fromTypedArray(x.data, [n, 1, length, c]), EVAL).y;
      assert.deepEqual([...y.data], [...y2.data]);
    }),
    { numRuns: 50 },
  );
});

for (const name of ["blas", "wasm"] as const) {
  const k = load(probed(name));
  test(`conv2d() computes on the ${name} backend what it computes on ts (float32)`, {
    skip: skipReason(name, k),
  }, () => {
    fc.assert(
      fc.property(caseArb, ({ filters, kernel, options, inShape, seed, x }) => {
        const layer = conv2d(filters, kernel, { ...options, dtype: "float32" });
        const { params } = layer.init(key(seed), inShape);
        const x32 = astype(x, "float32");
        const ref = layer.apply(untraced(backend("ts")), params, null, x32, EVAL).y;
        const y = layer.apply(untraced(k as Backend), params, null, x32, EVAL).y;
        assert.deepEqual(y.shape, ref.shape);
        y.data.forEach((v, i) =>
          assert.ok(Math.abs(v - ref.data[i]) <= 1e-4 * (1 + Math.abs(ref.data[i])))
        );
      }),
      { numRuns: 40 },
    );
  });
}
