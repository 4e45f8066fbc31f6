// The tap-row lowering (`src/ops/_conv_rows.ts`) runs where a backend has `gemmAdd`: blas, and
// here the ts backend given one (`_conv_helpers.ts`), so that the path is checked against the
// plain im2col lowering of the ts backend on every machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { probeBackend } from "../src/kernels/select.ts";
import type { Conv2dOptions, Padding } from "../src/ops/conv.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { astype, type DType, fromTypedArray, type Tensor } from "../src/tensor.ts";
import { type ConvCase as Case, firstDifference, ts, tsAdd } from "./_conv_helpers.ts";

/** Row stride 1 (what the path takes), any column stride, dilation and padding, 2+ channels. */
const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  k: fc.tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 })),
  sw: fc.integer({ min: 1, max: 2 }),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.constantFrom<Padding>("valid", "same", [[2, 0], [1, 1]]),
  cin: fc.integer({ min: 2, max: 4 }),
  cout: fc.integer({ min: 1, max: 3 }),
  extra: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
}).chain((c) => {
  const span = (k: number, d: number) => (k - 1) * d + 1;
  const shape = [
    c.batch,
    span(c.k[0], c.dilation[0]) + c.extra[0],
    span(c.k[1], c.dilation[1]) + c.extra[1],
    c.cin,
  ];
  return fc.record({
    x: tensorArb(shape, { dtype: "float64" }),
    w: tensorArb([c.k[0], c.k[1], c.cin, c.cout], { dtype: "float64" }),
    b: tensorArb([c.cout], { dtype: "float64" }),
    options: fc.constant<Conv2dOptions>({
      stride: [1, c.sw],
      dilation: c.dilation,
      padding: c.padding,
    }),
  });
});

/** conv2dBias's output and three cotangents on `on`, against the ts backend's lowering. */
function agree(on: Backend, c: Case, dtype: DType): void {
  const p = { x: astype(c.x, dtype), w: astype(c.w, dtype), b: astype(c.b, dtype) };
  const f = (t: Parameters<Parameters<typeof vjp>[0]>[0], q: typeof p) =>
    t.conv2dBias(q.x, q.w, q.b, c.options);
  const [y0, back0] = vjp(f, p, { backend: ts });
  const [y1, back1] = vjp(f, p, { backend: on });
  const dy = fromTypedArray(y0.data.map((_, i) => Math.cos(i)), y0.shape);
  const g0 = back0(dy), g1 = back1(dy);
  const pairs: [Tensor, Tensor][] = [[y1, y0], [g1.x, g0.x], [g1.w, g0.w], [g1.b, g0.b]];
  for (const [got, want] of pairs) {
    assert.deepEqual(got.shape, want.shape);
    const scale = Math.max(1, ...Array.from(want.data, Math.abs));
    const tol = (dtype === "float64" ? 1e-12 : 1e-5) * scale;
    want.data.forEach((v, i) =>
      assert.ok(Math.abs(got.data[i] - v) <= tol, `${got.data[i]} vs ${v}`)
    );
  }
}

test("conv2dBias() by tap rows equals the im2col lowering, value and cotangents (float64)", () => {
  fc.assert(fc.property(caseArb, (c) => agree(tsAdd, c, "float64")), { numRuns: 80 });
});

test("conv2dBias() by tap rows equals the im2col lowering over many chunks of images", () => {
  // The CNN's second convolution in small: 14x14x32 images, 5x5 kernel, "same", 8 images, so
  // the row windows (2^17 elements a chunk) come three images at a time, the last chunk short.
  const wave = (shape: number[], f: (i: number) => number) =>
    fromTypedArray(
      Float64Array.from({ length: shape.reduce((a, d) => a * d) }, (_, i) => f(i)),
      shape,
    );
  const c: Case = {
    x: wave([8, 14, 14, 32], Math.sin),
    w: wave([5, 5, 32, 6], (i) => Math.cos(i) / 10),
    b: wave([6], (i) => i - 2),
    options: { padding: "same" },
  };
  agree(tsAdd, c, "float64");
});

const blas = probeBackend("blas");
test("conv2dBias() by tap rows on the blas backend equals the ts backend's lowering", {
  skip: blas.ok ? false : `blas backend not available here: ${blas.reason}`,
}, () => {
  const on = blas.ok ? blas.kernels : ts;
  assert.ok(on.gemmAdd !== undefined, "blas has gemmAdd, so this takes the tap-row path");
  fc.assert(
    fc.property(caseArb, fc.constantFrom<DType>("float64", "float32"), (c, dt) => agree(on, c, dt)),
    { numRuns: 60 },
  );
});

/**
 * conv2dReluMaxPool by tap rows under a 2x2 pool (`_conv_pooled_rows.ts`: pooled image by
 * image, its argmax an index into the image) against `reluMaxPool2d(conv2dBias(...))` on the
 * same backend: the same bits, value and every cotangent.
 */
function pooledSameBits(on: Backend, c: Case, dtype: DType): void {
  const p = { x: astype(c.x, dtype), w: astype(c.w, dtype), b: astype(c.b, dtype) },
    pool = { size: 2 };
  type P = typeof p;
  type T = Parameters<Parameters<typeof vjp>[0]>[0];
  const conved = untraced().conv2dBias(p.x, p.w, p.b, c.options);
  if (Math.min(conved.shape[1], conved.shape[2]) < 2) return; // no 2x2 window fits
  const [y0, back0] = vjp(
    (t: T, q: P) => t.reluMaxPool2d(t.conv2dBias(q.x, q.w, q.b, c.options), pool),
    p,
    { backend: on },
  );
  const [y1, back1] = vjp(
    (t: T, q: P) => t.conv2dReluMaxPool(q.x, q.w, q.b, c.options, pool),
    p,
    { backend: on },
  );
  assert.equal(firstDifference(y1, y0), "none", "value");
  const dy = fromTypedArray(y0.data.map((_, i) => Math.cos(i)), y0.shape);
  const g0 = back0(dy), g1 = back1(dy);
  for (const k of ["x", "w", "b"] as const) {
    assert.equal(firstDifference(g1[k], g0[k]), "none", `${k}'s cotangent`);
  }
}

test("conv2dReluMaxPool by tap rows, pooled image by image, is the composition bit for bit", () => {
  fc.assert(
    fc.property(caseArb, fc.constantFrom<DType>("float64", "float32"), (c, dt) => {
      pooledSameBits(tsAdd, c, dt);
      if (blas.ok) pooledSameBits(blas.kernels, c, dt);
    }),
    { numRuns: 60 },
  );
});
