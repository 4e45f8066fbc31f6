import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { avgPool2d, globalAvgPool2d, maxPool2d } from "../src/layers/pool.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor, tensor, zeros } from "../src/tensor.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";

const t = untraced();

/** A pool configuration (padding below the window on each axis) and a batch that fits it. */
const poolArb = fc.record({
  kind: fc.constantFrom("max", "avg"),
  batch: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 3 }),
  size: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), {
    nil: undefined,
  }),
  mode: fc.constantFrom("valid", "same", "explicit"),
  pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
  extra: fc.tuple(fc.nat(4), fc.nat(4)),
}).chain((p) => {
  const [kh, kw] = p.size;
  const padding = p.mode === "explicit"
    ? [[p.pads[0] % kh, p.pads[1] % kh], [p.pads[2] % kw, p.pads[3] % kw]] as [
      [number, number],
      [number, number],
    ]
    : p.mode as "valid" | "same";
  const fit = (k: number, a: 0 | 1) =>
    typeof padding === "string"
      ? (padding === "valid" ? k : 1)
      : Math.max(1, k - padding[a][0] - padding[a][1]);
  const inShape = [fit(kh, 0) + p.extra[0], fit(kw, 1) + p.extra[1], p.c];
  const layer = (p.kind === "max" ? maxPool2d : avgPool2d)(p.size, { stride: p.stride, padding });
  const { outShape } = layer.init(key(0), inShape);
  // Distinct values (a shrunk draw is all zeros): a max is not differentiable at a tie.
  const spread = (x: Tensor) => fromTypedArray(x.data.map((v, i) => v + 0.01 * i), x.shape);
  return tensorArb([p.batch, ...inShape]).map((x) => ({
    ...p,
    padding,
    layer,
    outShape,
    x: spread(x),
  }));
});

test("maxPool2d() and avgPool2d() return the shape init reports (stride, odd sizes, every padding)", () => {
  fc.assert(
    fc.property(poolArb, ({ layer, outShape, x }) => {
      const { y } = layer.apply(t, null, null, x, EVAL);
      assert.deepEqual(y.shape, [x.shape[0], ...(outShape as number[])]);
    }),
    { numRuns: 200 },
  );
});

test("maxPool2d() and avgPool2d() gradients match central differences", () => {
  fc.assert(
    fc.property(poolArb, ({ layer, x }) => {
      const report = checkLayerGradients(layer, null, null, x, EVAL);
      assert.ok(report.ok, `max error ${report.maxError} at ${report.worst?.path}`);
    }),
    { numRuns: 60 },
  );
});

test("maxPool2d(2) keeps the largest of each 2x2 block; avgPool2d(2) its mean", () => {
  const x = tensor([1, 2, 5, 0, 3, 4, -1, 7, 0, 0, 2, 2, 0, 8, 2, 6], [1, 4, 4, 1]);
  assert.deepEqual([...maxPool2d(2).apply(t, null, null, x, EVAL).y.data], [4, 7, 8, 6]);
  assert.deepEqual([...avgPool2d(2).apply(t, null, null, x, EVAL).y.data], [2.5, 2.75, 2, 3]);
});

const globalArb = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 4 }),
  w: fc.integer({ min: 1, max: 4 }),
  c: fc.integer({ min: 1, max: 3 }),
}).chain((s) => tensorArb([s.batch, s.h, s.w, s.c]).map((x) => ({ ...s, x })));

test("globalAvgPool2d() returns the shape init reports: one vector of channels per example", () => {
  fc.assert(
    fc.property(globalArb, ({ h, w, c, x }) => {
      const { outShape } = globalAvgPool2d().init(key(0), [h, w, c]);
      assert.deepEqual(outShape, [c]);
      assert.deepEqual(globalAvgPool2d().apply(t, null, null, x, EVAL).y.shape, [x.shape[0], c]);
    }),
  );
});

test("globalAvgPool2d() is the mean of each channel over height and width", () => {
  fc.assert(
    fc.property(globalArb, ({ batch, h, w, c, x }) => {
      const y = globalAvgPool2d().apply(t, null, null, x, EVAL).y;
      for (let b = 0; b < batch; b++) {
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let p = 0; p < h * w; p++) s += x.data[(b * h * w + p) * c + ch];
          assert.ok(Math.abs(y.data[b * c + ch] - s / (h * w)) < 1e-12);
        }
      }
    }),
  );
});

test("globalAvgPool2d() gradient matches central differences", () => {
  fc.assert(
    fc.property(globalArb, ({ x }) => {
      assert.ok(checkLayerGradients(globalAvgPool2d(), null, null, x, EVAL).ok);
    }),
    { numRuns: 30 },
  );
});

test("pool layers reject a window larger than the padded input, naming both sizes", () => {
  assert.throws(
    () => maxPool2d(3).init(key(0), [2, 5, 1]),
    {
      name: "TypeError",
      message: /maxPool2d init: the window spans 3x3 .*padded input is only 2x5.*\[2,5,1\]/,
    },
  );
  const layer = avgPool2d([2, 2]);
  assert.throws(
    () => layer.apply(t, null, null, zeros([1, 1, 4, 1]), EVAL),
    { name: "TypeError", message: /Cannot avgPool2d: the window spans 2x2 .* 1x4/ },
  );
});

test("pool layers reject a pad as large as the window and malformed options when built", () => {
  assert.throws(() => maxPool2d(2, { padding: [[2, 0], [0, 0]] }), {
    name: "RangeError",
    message: /maxPool2d: each pad must be smaller than the window \[2,2\]/,
  });
  assert.throws(() => avgPool2d(0), { name: "RangeError", message: /avgPool2d: size/ });
  assert.throws(() => maxPool2d(2, { stride: [2, 0] }), {
    name: "RangeError",
    message: /maxPool2d: stride\[1\]/,
  });
  assert.throws(() => maxPool2d(2, { size: 2 } as never), {
    name: "TypeError",
    message: /maxPool2d.*size/,
  });
});

test("pool layers reject a rank-2 batch, examples not [h, w, c] and a tree of shapes", () => {
  for (const layer of [maxPool2d(2), avgPool2d(2), globalAvgPool2d()]) {
    const name = layer.name!;
    assert.throws(
      () => layer.apply(t, null, null, zeros([32, 784]), EVAL),
      {
        name: "TypeError",
        message: new RegExp(
          `Cannot ${name}: expected a batch \\[batch, height, width, channels\\] of rank 4, got shape \\[32,784\\]`,
        ),
      },
    );
    assert.throws(() => layer.init(key(0), [784]), {
      name: "TypeError",
      message: new RegExp(`${name} init: examples must have shape`),
    });
    assert.throws(() => layer.init(key(0), { a: [2, 2, 1] } as never), {
      name: "TypeError",
      message: new RegExp(`${name} init: .*tree of shapes`),
    });
  }
});
