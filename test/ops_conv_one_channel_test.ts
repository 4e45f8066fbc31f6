// The kernel's gradient of a one-channel convolution on a backend with `gemmAdd`
// (`kernelGradAdding` in src/ops/_conv_one_channel.ts: small chunks of images added into the result,
// and with a bias the bias's cotangent from the same product) equals the ts backend's
// lowering, over one chunk and many, with and without a bias, and under the fused conv, ReLU
// and pool of a CNN's first layer.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { probeBackend } from "../src/kernels/select.ts";
import type { Conv2dOptions, Padding } from "../src/ops/conv.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { astype, type DType, fromTypedArray, type Tensor } from "../src/tensor.ts";
import { type ConvCase as Case, firstDifference, ts, tsAdd } from "./_conv_helpers.ts";

/** One input channel, any stride, dilation and padding. */
const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.constantFrom<Padding>("valid", "same", [[2, 0], [1, 1]]),
  cout: fc.integer({ min: 1, max: 4 }),
  extra: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
}).chain((c) => {
  const span = (k: number, d: number) => (k - 1) * d + 1;
  const h = span(c.k[0], c.dilation[0]) + c.extra[0];
  const w = span(c.k[1], c.dilation[1]) + c.extra[1];
  return fc.record({
    x: tensorArb([c.batch, h, w, 1], { dtype: "float64" }),
    w: tensorArb([c.k[0], c.k[1], 1, c.cout], { dtype: "float64" }),
    b: tensorArb([c.cout], { dtype: "float64" }),
    options: fc.constant<Conv2dOptions>({
      stride: c.stride,
      dilation: c.dilation,
      padding: c.padding,
    }),
  });
});

const wave = (shape: number[], f: (i: number) => number) =>
  fromTypedArray(
    Float64Array.from({ length: shape.reduce((a, d) => a * d) }, (_, i) => f(i)),
    shape,
  );
/**
 * The MNIST CNN's first layer in small: 28x28x1 images, 5x5 kernel, "same", 7 images of 8
 * channels, so its windows come 2 images a chunk (2^16 elements of both operands) and the
 * last chunk is short.
 */
const MANY: Case = {
  x: wave([7, 28, 28, 1], Math.sin),
  w: wave([5, 5, 1, 8], (i) => Math.cos(i) / 10),
  b: wave([8], (i) => i / 4 - 1),
  options: { padding: "same" },
};

type Params = { x?: Tensor; w: Tensor; b?: Tensor };
type Net = (t: Ops, p: Params) => Tensor;

/** The value and cotangents of `f` on `on` against the ts backend's, within rounding. */
function agree(on: Backend, f: Net, q: Params, dtype: DType): void {
  const [y0, back0] = vjp(f, q, { backend: ts });
  const [y1, back1] = vjp(f, q, { backend: on });
  const dy = fromTypedArray(y0.data.map((_, i) => Math.cos(i)), y0.shape);
  const g0 = back0(dy) as Record<string, Tensor>, g1 = back1(dy) as Record<string, Tensor>;
  const pairs: [string, Tensor, Tensor][] = [["y", y1, y0]];
  for (const k of Object.keys(q)) pairs.push([k, g1[k], g0[k]]);
  for (const [name, got, want] of pairs) {
    assert.deepEqual(got.shape, want.shape, name);
    const scale = Math.max(1, ...Array.from(want.data, Math.abs));
    const tol = (dtype === "float64" ? 1e-12 : 1e-5) * scale;
    want.data.forEach((v, i) =>
      assert.ok(Math.abs(got.data[i] - v) <= tol, `${name}[${i}]: ${got.data[i]} vs ${v}`)
    );
  }
}

/**
 * In `dtype`: conv2dBias and conv2d with every input's cotangent, and the CNN block (conv, bias,
 * ReLU, 2x2 pool) of a constant input, as a first layer is.
 */
function nets(c: Case, dtype: DType): [string, Net, Params][] {
  const x = astype(c.x, dtype), w = astype(c.w, dtype), b = astype(c.b, dtype), o = c.options;
  const list: [string, Net, Params][] = [
    ["conv2dBias", (t, p) => t.conv2dBias(p.x!, p.w, p.b!, o), { x, w, b }],
    ["conv2d", (t, p) => t.conv2d(p.x!, p.w, o), { x, w }],
  ];
  const y = untraced().conv2d(x, w, o);
  if (Math.min(y.shape[1], y.shape[2]) >= 2) {
    list.push([
      "conv2dReluMaxPool of a constant input",
      (t, p) => t.conv2dReluMaxPool(x, p.w, p.b, o, { size: 2 }),
      { w, b },
    ]);
  }
  return list;
}

/** Every net of `c` on `on` against the ts backend, in `dtype`. */
function agreeAll(on: Backend, c: Case, dtype: DType): void {
  for (const [name, f, p] of nets(c, dtype)) {
    assert.doesNotThrow(() => agree(on, f, p, dtype), `${name} in ${dtype}`);
  }
}

test("a one-channel convolution's gradients by added chunks equal the ts lowering (float64)", () => {
  fc.assert(fc.property(caseArb, (c) => agreeAll(tsAdd, c, "float64")), { numRuns: 60 });
});

test("a one-channel convolution's gradients over many added chunks equal the ts lowering", () => {
  agreeAll(tsAdd, MANY, "float64");
});

const blas = probeBackend("blas");
test("a one-channel convolution's gradients on blas equal the ts lowering", {
  skip: blas.ok ? false : `blas backend not available here: ${blas.reason}`,
}, () => {
  const on = blas.ok ? blas.kernels : ts;
  assert.ok(on.gemmAdd !== undefined, "blas has gemmAdd, so this takes the added chunks");
  for (const dt of ["float64", "float32"] as const) agreeAll(on, MANY, dt);
  fc.assert(
    fc.property(caseArb, fc.constantFrom<DType>("float64", "float32"), (c, dt) => {
      agreeAll(on, c, dt);
    }),
    { numRuns: 40 },
  );
});

/**
 * A CNN's first block of a constant input (`_conv_first_layer.ts` on a backend with gemmAdd:
 * pooled chunk by chunk, its cotangents scattered into the wide rows) against the composition
 * `reluMaxPool2d(conv2dBias(...))` on the same backend: the same bits, value and cotangents.
 */
function sameBits(on: Backend, c: Case, dtype: DType): void {
  const x = astype(c.x, dtype), o = c.options, pool = { size: 2 };
  if (Math.min(...untraced().conv2d(x, astype(c.w, dtype), o).shape.slice(1, 3)) < 2) return;
  const nets: [Net, Net] = [
    (t, p) => t.conv2dReluMaxPool(x, p.w, p.b, o, pool),
    (t, p) => t.reluMaxPool2d(t.conv2dBias(x, p.w, p.b!, o), pool),
  ];
  const p = { w: astype(c.w, dtype), b: astype(c.b, dtype) };
  const [[y1, back1], [y0, back0]] = nets.map((f) => vjp(f, p, { backend: on }));
  assert.equal(firstDifference(y1, y0), "none", "value");
  const dy = fromTypedArray(y0.data.map((_, i) => Math.sin(i) + 0.5), y0.shape);
  const g1 = back1(dy) as Record<string, Tensor>, g0 = back0(dy) as Record<string, Tensor>;
  assert.equal(firstDifference(g1.w, g0.w), "none", "kernel's cotangent");
  assert.equal(firstDifference(g1.b, g0.b), "none", "bias's cotangent");
  // A pullback run again gives the same (the argmax is read, never rewritten).
  assert.equal(firstDifference((back1(dy) as Record<string, Tensor>).w, g0.w), "none", "again");
}

for (const [name, on] of [["ts+gemmAdd", tsAdd], ["blas", blas.ok ? blas.kernels : ts]] as const) {
  test(`a first CNN block on ${name} is the composition bit for bit, pooled chunk by chunk`, {
    skip: name === "blas" && !blas.ok ? `blas backend not available here` : false,
  }, () => {
    for (const dt of ["float64", "float32"] as const) sameBits(on, MANY, dt);
    fc.assert(
      fc.property(caseArb, fc.constantFrom<DType>("float64", "float32"), (c, dt) => {
        sameBits(on, c, dt);
      }),
      { numRuns: 60 },
    );
  });
}
