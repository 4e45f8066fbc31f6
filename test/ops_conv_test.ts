import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { backend, probeBackend } from "../src/kernels/select.ts";
import { conv2d, type Conv2dOptions, type Padding, type Pair } from "../src/ops/conv.ts";
import { checkGradients } from "../src/testing/gradient_check.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { type DType, fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { snapshot } from "./_arbitraries.ts";

const ts = backend("ts");

// ---- The reference: the definition, loop by loop, in double ------------------------------

const both = (p: Pair | undefined): [number, number] =>
  p === undefined ? [1, 1] : typeof p === "number" ? [p, p] : [p[0], p[1]];

/** [before, output size] of one axis; "same" as TensorFlow defines it. */
function axis(size: number, k: number, s: number, d: number, padding: Padding, a: 0 | 1) {
  const span = (k - 1) * d + 1;
  let before = 0, total = 0;
  if (padding === "same") {
    total = Math.max((Math.ceil(size / s) - 1) * s + span - size, 0);
    before = Math.floor(total / 2);
  } else if (padding !== "valid") {
    [before] = padding[a];
    total = padding[a][0] + padding[a][1];
  }
  return [before, Math.floor((size + total - span) / s) + 1];
}

/** y and Σ|x·w| (the scale of its rounding error) of each output element. */
function convReference(x: Tensor, w: Tensor, o: Conv2dOptions) {
  const [batch, h, wd, cin] = x.shape;
  const [kh, kw, cg, cout] = w.shape;
  const [sh, sw] = both(o.stride), [dh, dw] = both(o.dilation);
  const og = cout / (o.groups ?? 1);
  const [top, oh] = axis(h, kh, sh, dh, o.padding ?? "valid", 0);
  const [left, ow] = axis(wd, kw, sw, dw, o.padding ?? "valid", 1);
  const y = new Float64Array(batch * oh * ow * cout), scale = new Float64Array(y.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let co = 0; co < cout; co++) {
          const at = ((b * oh + i) * ow + j) * cout + co;
          const g = Math.floor(co / og);
          for (let ki = 0; ki < kh; ki++) {
            for (let kj = 0; kj < kw; kj++) {
              const ih = i * sh - top + ki * dh, iw = j * sw - left + kj * dw;
              if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
              for (let c = 0; c < cg; c++) {
                const term = x.data[((b * h + ih) * wd + iw) * cin + g * cg + c] *
                  w.data[((ki * kw + kj) * cg + c) * cout + co];
                y[at] += term;
                scale[at] += Math.abs(term);
              }
            }
          }
        }
      }
    }
  }
  return { shape: [batch, oh, ow, cout], y, scale };
}

// ---- Drawn cases ---------------------------------------------------------------------------

const pairArb = (max: number): fc.Arbitrary<Pair> =>
  fc.oneof(
    fc.integer({ min: 1, max }),
    fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max })),
  );
const pad = fc.integer({ min: 0, max: 2 });
const paddingArb: fc.Arbitrary<Padding> = fc.oneof(
  fc.constant("valid" as const),
  fc.constant("same" as const),
  fc.tuple(fc.tuple(pad, pad), fc.tuple(pad, pad)),
);

interface Case {
  x: Tensor;
  w: Tensor;
  options: Conv2dOptions;
}

/** Stride > 1, odd sizes, every padding, dilation and groups (depthwise included). */
function caseArb(dtype: DType = "float64"): fc.Arbitrary<Case> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 2 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    stride: pairArb(3),
    dilation: pairArb(2),
    padding: paddingArb,
    groups: fc.integer({ min: 1, max: 3 }),
    depthwise: fc.boolean(),
    cg: fc.integer({ min: 1, max: 2 }),
    og: fc.integer({ min: 1, max: 2 }),
    extra: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  }).chain((c) => {
    const cg = c.depthwise ? 1 : c.cg;
    const [dh, dw] = both(c.dilation);
    const explicit = typeof c.padding === "string" ? [[0, 0], [0, 0]] : c.padding;
    // Large enough for the dilated kernel; "same" also gets inputs smaller than the kernel.
    const size = (k: number, d: number, a: 0 | 1) =>
      (c.padding === "same" ? 1 : Math.max(1, (k - 1) * d + 1 - explicit[a][0] - explicit[a][1])) +
      c.extra[a];
    const shape = [c.batch, size(c.kh, dh, 0), size(c.kw, dw, 1), cg * c.groups];
    const options = {
      stride: c.stride,
      padding: c.padding,
      dilation: c.dilation,
      groups: c.groups,
    };
    return fc.record({
      x: tensorArb(shape, { dtype }),
      w: tensorArb([c.kh, c.kw, cg, c.og * c.groups], { dtype }),
      options: fc.constant(options),
    });
  });
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: ArrayLike<number> | number,
) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const t = typeof tol === "number" ? tol : tol[i];
    if (!(Math.abs(actual[i] - expected[i]) <= t)) {
      assert.fail(`element ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${t})`);
    }
  }
}

// ---- Properties ----------------------------------------------------------------------------

for (const [dtype, rel] of [["float64", 1e-13], ["float32", 1e-5]] as const) {
  test(`conv2d() equals the direct nested-loop convolution in ${dtype}`, () => {
    fc.assert(
      fc.property(caseArb(dtype), ({ x, w, options }) => {
        const y = untraced(ts).conv2d(x, w, options);
        const ref = convReference(x, w, options);
        assert.deepEqual(y.shape, ref.shape);
        assert.equal(y.dtype, dtype);
        assertClose(y.data, ref.y, ref.scale.map((s) => rel * s + 1e-30));
      }),
      { numRuns: 150 },
    );
  });
}

test("conv2d() VJP matches central differences for the input and the kernel", () => {
  fc.assert(
    fc.property(caseArb(), ({ x, w, options }) => {
      const r = checkGradients((t, p) => t.conv2d(p.x, p.w, options), { x, w });
      assert.ok(r.ok, `max error ${r.maxError} at ${JSON.stringify(r.worst)}`);
    }),
    { numRuns: 40 },
  );
});

/** A backend that counts its gemm calls. */
function counting(inner: Backend): Backend & { calls: number } {
  const b = {
    name: "counting",
    description: "counting",
    calls: 0,
    gemm: (...args: Parameters<Backend["gemm"]>) => {
      b.calls++;
      inner.gemm(...args);
    },
  };
  return b;
}

test("conv2d()'s pullback runs only the products for the cotangents asked for", () => {
  fc.assert(
    fc.property(caseArb(), ({ x, w, options }) => {
      const b = counting(ts);
      const [y, pullback] = conv2d.run(b, x, w, options);
      const groups = options.groups ?? 1;
      const dy = fromTypedArray(y.data.map((_, i) => Math.sin(i)), y.shape);
      const [dxAll, dwAll] = pullback!(dy, [true, true]);
      b.calls = 0;
      const [noX, dwOnly] = pullback!(dy, [false, true]);
      assert.equal(b.calls, groups);
      b.calls = 0;
      const [dxOnly, noW] = pullback!(dy, [true, false]);
      assert.equal(b.calls, groups);
      b.calls = 0;
      assert.deepEqual(pullback!(dy, [false, false]), [undefined, undefined]);
      assert.equal(b.calls, 0);
      assert.deepEqual([noX, noW], [undefined, undefined]);
      assert.deepEqual(dwOnly, dwAll);
      assert.deepEqual(dxOnly, dxAll);
    }),
    { numRuns: 30 },
  );
});

test("conv2d() never writes into its inputs or the cotangent", () => {
  fc.assert(
    fc.property(caseArb("float32"), ({ x, w, options }) => {
      const [y, pullback] = vjp((t, p) => t.conv2d(p.x, p.w, options), { x, w }, { backend: ts });
      const dy = fromTypedArray(y.data.map((_, i) => i % 3 - 1), y.shape);
      const before = snapshot(x, w, dy);
      pullback(dy);
      untraced(ts).conv2d(x, w, options);
      assert.deepEqual(snapshot(x, w, dy), before);
    }),
    { numRuns: 30 },
  );
});

for (const name of ["wasm", "blas"] as const) {
  const probe = probeBackend(name);
  test(`conv2d() gives the ts backend's output and cotangents on the ${name} backend`, {
    skip: probe.ok ? false : `${name} backend not available here: ${probe.reason}`,
  }, () => {
    const other = probe.ok ? probe.kernels : ts;
    fc.assert(
      fc.property(caseArb(), fc.constantFrom<DType>("float64", "float32"), (c, dtype) => {
        const x = fromTypedArray(
          dtype === "float64" ? c.x.data : Float32Array.from(c.x.data),
          c.x.shape,
        );
        const w = fromTypedArray(
          dtype === "float64" ? c.w.data : Float32Array.from(c.w.data),
          c.w.shape,
        );
        const f = (t: Parameters<Parameters<typeof vjp>[0]>[0], p: { x: Tensor; w: Tensor }) =>
          t.conv2d(p.x, p.w, c.options);
        const [y0, back0] = vjp(f, { x, w }, { backend: ts });
        const [y1, back1] = vjp(f, { x, w }, { backend: other });
        const dy = fromTypedArray(y0.data.map((_, i) => Math.cos(i)), y0.shape);
        const g0 = back0(dy), g1 = back1(dy);
        // Summation order differs between backends: the tolerance scales with the largest value.
        const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
          assertClose(
            a,
            b,
            (dtype === "float64" ? 1e-13 : 1e-5) * Math.max(1, ...Array.from(b, Math.abs)),
          );
        assert.equal(y1.dtype, dtype);
        close(y1.data, y0.data);
        close(g1.x.data, g0.x.data);
        close(g1.w.data, g0.w.data);
      }),
      { numRuns: 60 },
    );
  });
}

// ---- Known values and defaults -------------------------------------------------------------

test('conv2d() "same" padding puts the odd pixel at the bottom/right, as TensorFlow', () => {
  // Width 5, kernel 2, stride 2: 3 outputs, total pad (3-1)·2 + 2 - 5 = 1, on the right.
  const x = tensor([1, 2, 3, 4, 5], [1, 1, 5, 1]);
  const w = tensor([1, 10], [1, 2, 1, 1]);
  const y = untraced(ts).conv2d(x, w, { stride: 2, padding: "same" });
  assert.deepEqual(Array.from(y.data), [21, 43, 5]);
});

test("conv2d()'s defaults are stride 1, valid padding, dilation 1 and one group", () => {
  fc.assert(
    fc.property(caseArb(), ({ x, w, options }) => {
      fc.pre((options.groups ?? 1) === 1 && x.shape[1] >= w.shape[0] && x.shape[2] >= w.shape[1]);
      const t = untraced(ts);
      const spelled = t.conv2d(x, w, { stride: 1, padding: "valid", dilation: 1, groups: 1 });
      assert.deepEqual(t.conv2d(x, w), spelled);
      assert.deepEqual(t.conv2d(x, w, {}), spelled);
    }),
    { numRuns: 30 },
  );
});

test("conv2d() with groups = cin is a depthwise convolution: each channel on its own", () => {
  // Two channels, one filter each: channel 0 scaled by 2, channel 1 by -1.
  const x = tensor([1, 10, 2, 20, 3, 30], [1, 1, 3, 2]);
  const w = tensor([2, -1], [1, 1, 1, 2]);
  const y = untraced(ts).conv2d(x, w, { groups: 2 });
  assert.deepEqual(Array.from(y.data), [2, -10, 4, -20, 6, -30]);
});
