import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import type { Conv2dOptions, Padding } from "../src/ops/conv.ts";
import { checkGradients } from "../src/testing/gradient_check.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { fromTypedArray, type Tensor, tensor, zeros } from "../src/tensor.ts";

const ts = backend("ts");

/** A drawn convolution with a bias: input, kernel, bias and options that fit together. */
const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.integer({ min: 1, max: 2 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom<Padding>("valid", "same", [[1, 0], [0, 2]]),
  groups: fc.integer({ min: 1, max: 2 }),
  cg: fc.integer({ min: 1, max: 2 }),
  og: fc.integer({ min: 1, max: 2 }),
  extra: fc.integer({ min: 0, max: 2 }),
}).chain((c) => {
  const size = (k: number) => (k - 1) * c.dilation + 1 + c.extra;
  const options: Conv2dOptions = {
    stride: c.stride,
    dilation: c.dilation,
    padding: c.padding,
    groups: c.groups,
  };
  const cout = c.og * c.groups;
  return fc.record({
    x: tensorArb([c.batch, size(c.k[0]), size(c.k[1]), c.cg * c.groups], { dtype: "float64" }),
    w: tensorArb([c.k[0], c.k[1], c.cg, cout], { dtype: "float64" }),
    b: tensorArb([cout], { dtype: "float64" }),
    options: fc.constant(options),
  });
});

const close = (a: Tensor, b: Tensor, what: string) => {
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < a.data.length; i++) {
    assert.ok(Math.abs(a.data[i] - b.data[i]) <= 1e-12 * (1 + Math.abs(b.data[i])), what);
  }
};

test("conv2dBias() equals conv2d() then add(), value and cotangents", () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), ({ x, w, b, options }, s) => {
      const fused = vjp((t, p) => t.conv2dBias(p.x, p.w, p.b, options), { x, w, b }, {
        backend: ts,
      });
      const plain = vjp((t, p) => t.add(t.conv2d(p.x, p.w, options), p.b), { x, w, b }, {
        backend: ts,
      });
      close(fused[0], plain[0], "value");
      const dy = fromTypedArray(
        Float64Array.from(fused[0].data, (_, i) => Math.sin(i + s)),
        fused[0].shape,
      );
      const g1 = fused[1](dy), g0 = plain[1](dy);
      close(g1.x, g0.x, "dx");
      close(g1.w, g0.w, "dw");
      close(g1.b, g0.b, "db");
    }),
    { numRuns: 40 },
  );
});

test("conv2dBias() VJP matches central differences for input, kernel and bias", () => {
  fc.assert(
    fc.property(caseArb, ({ x, w, b, options }) => {
      checkGradients((t, p) => t.sum(t.tanh(t.conv2dBias(p.x, p.w, p.b, options))), {
        x,
        w,
        b,
      });
    }),
    { numRuns: 15 },
  );
});

test("conv2dBias() rejects a bias of the wrong shape or dtype, naming conv2dBias and both", () => {
  const x = tensor(new Array(9).fill(1), [1, 3, 3, 1], "float64");
  const w = tensor(new Array(8).fill(1), [2, 2, 1, 2], "float64");
  for (const b of [tensor([1], [1], "float64"), tensor([1, 2], [2], "float32")]) {
    assert.throws(() => untraced(ts).conv2dBias(x, w, b), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /conv2dBias/);
      assert.match(e.message, /\[2\]/);
      return true;
    });
  }
});

// A batch large enough to span several chunks of the lowering (`src/ops/_conv_gemm.ts`
// chunks at 2^17 window-matrix elements, 2^20 for the kernel's gradient): the result must be
// what each image gives alone (one chunk each), dW their sum.
for (
  const [label, options, cin] of [
    ["stride 1, same padding (dx as a convolution of dy)", { padding: "same" }, 8],
    ["stride 2, explicit padding (dx by col2im)", { stride: 2, padding: [[1, 2], [2, 0]] }, 8],
    // One input channel: the transposed window matrix, the bias row filled per chunk.
    ["one channel, bias, same padding (transposed windows)", { padding: "same" }, 1],
    ["one channel, bias, stride 2, dilation 2", { stride: 2, dilation: 2 }, 1],
  ] as const
) {
  test(`conv2d() over many chunks equals it image by image: ${label}`, () => {
    const t = untraced(ts);
    const wave = (shape: number[], f: (i: number) => number) =>
      fromTypedArray(
        Float32Array.from({ length: shape.reduce((p, d) => p * d) }, (_, i) => f(i)),
        shape,
      );
    const n = 16, x = wave([n, 20, 20, cin], Math.sin), w = wave([5, 5, cin, 4], Math.cos);
    const b = cin === 1 ? wave([4], (i) => i - 1.5) : undefined;
    const f = (xx: Tensor) =>
      vjp(
        (u, p) =>
          b === undefined
            ? u.conv2d(p.x, p.w, options as Conv2dOptions)
            : u.conv2dBias(p.x, p.w, b, options as Conv2dOptions),
        { x: xx, w },
        { backend: ts },
      );
    const [y, back] = f(x);
    const dy = wave(y.shape.slice(), (i) => Math.cos(3 * i));
    const all = back(dy);
    let dw = zeros(w.shape, "float32");
    const per = y.data.length / n, perX = x.data.length / n;
    for (let i = 0; i < n; i++) {
      const xi = t.slice(x, [i, 0, 0, 0], [1, 20, 20, cin]);
      const [yi, bi] = f(xi);
      const gi = bi(t.slice(dy, [i, 0, 0, 0], [1, ...y.shape.slice(1)]));
      for (let e = 0; e < per; e++) assert.ok(Math.abs(yi.data[e] - y.data[i * per + e]) < 1e-4);
      for (let e = 0; e < perX; e++) {
        assert.ok(Math.abs(gi.x.data[e] - all.x.data[i * perX + e]) < 1e-4);
      }
      dw = t.add(dw, gi.w);
    }
    for (let e = 0; e < dw.data.length; e++) {
      assert.ok(Math.abs(dw.data[e] - all.w.data[e]) <= 1e-4 * (1 + Math.abs(dw.data[e])));
    }
  });
}
