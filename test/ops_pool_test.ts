import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend, probeBackend } from "../src/kernels/select.ts";
import type { Padding } from "../src/ops/conv.ts";
import { maxPool2d, type Pool2dOptions } from "../src/ops/pool.ts";
import { checkGradients } from "../src/testing/gradient_check.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { type DType, fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { distinctTensorArb, snapshot } from "./_arbitraries.ts";
import { both, caseArb, cast, withTensor } from "./_pool_cases.ts";

const ts = backend("ts");
const t = untraced(ts);

// ---- The reference: each window's real elements, listed and reduced in double ---------------

function axis(size: number, k: number, s: number, padding: Padding, a: 0 | 1): [number, number] {
  let before = 0, total = 0;
  if (padding === "same") {
    total = Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
    before = Math.floor(total / 2);
  } else if (padding !== "valid") {
    before = padding[a][0];
    total = padding[a][0] + padding[a][1];
  }
  return [before, Math.floor((size + total - k) / s) + 1];
}

/** For each output element (NHWC order), the flat indices of its window's real elements. */
function windows(
  shape: readonly number[],
  o: Pool2dOptions,
): { shape: number[]; taps: number[][] } {
  const [batch, h, w, c] = shape;
  const [kh, kw] = both(o.size), [sh, sw] = both(o.stride ?? o.size);
  const [top, oh] = axis(h, kh, sh, o.padding ?? "valid", 0);
  const [left, ow] = axis(w, kw, sw, o.padding ?? "valid", 1);
  const taps: number[][] = [];
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          const list: number[] = [];
          for (let ki = 0; ki < kh; ki++) {
            for (let kj = 0; kj < kw; kj++) {
              const r = i * sh - top + ki, q = j * sw - left + kj;
              if (r >= 0 && r < h && q >= 0 && q < w) list.push(((b * h + r) * w + q) * c + ch);
            }
          }
          taps.push(list);
        }
      }
    }
  }
  return { shape: [batch, oh, ow, c], taps };
}

/** The first index of the largest value among `taps` (row-major window order). */
const firstMax = (x: ArrayLike<number>, taps: number[]) =>
  taps.reduce((best, k) => (x[k] > x[best] ? k : best), taps[0]);

// ---- Forward against the reference ---------------------------------------------------------

for (const dtype of ["float64", "float32"] as const) {
  test(`maxPool2d() equals the largest real element of each window in ${dtype}`, () => {
    fc.assert(
      fc.property(withTensor(dtype), ({ c, x }) => {
        const y = t.maxPool2d(x, c.options);
        const ref = windows(x.shape, c.options);
        assert.deepEqual(y.shape, ref.shape);
        assert.equal(y.dtype, dtype);
        assert.deepEqual(Array.from(y.data), ref.taps.map((k) => x.data[firstMax(x.data, k)]));
      }),
      { numRuns: 150 },
    );
  });

  test(`avgPool2d() equals the mean of each window's real elements in ${dtype}`, () => {
    fc.assert(
      fc.property(withTensor(dtype), ({ c, x }) => {
        const y = t.avgPool2d(x, c.options);
        const ref = windows(x.shape, c.options);
        assert.deepEqual(y.shape, ref.shape);
        const tol = dtype === "float64" ? 1e-14 : 1e-6;
        ref.taps.forEach((k, i) => {
          const mean = k.reduce((s, j) => s + x.data[j], 0) / k.length;
          assert.ok(Math.abs(y.data[i] - mean) <= tol * 3, `${y.data[i]} vs ${mean}`);
        });
      }),
      { numRuns: 150 },
    );
  });

  test(`globalAvgPool2d() equals the mean over height and width in ${dtype}`, () => {
    fc.assert(
      fc.property(withTensor(dtype), ({ x }) => {
        const [batch, h, w, c] = x.shape;
        const y = t.globalAvgPool2d(x);
        assert.deepEqual(y.shape, [batch, c]);
        for (let b = 0; b < batch; b++) {
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let p = 0; p < h * w; p++) s += x.data[(b * h * w + p) * c + ch];
            const tol = dtype === "float64" ? 1e-14 : 1e-6;
            assert.ok(Math.abs(y.data[b * c + ch] - s / (h * w)) <= tol * 3);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
}

// ---- Pullbacks -----------------------------------------------------------------------------

test("maxPool2d()'s pullback routes each cotangent to the first maximum of its window", () => {
  // Values from {0, 1, 2}: ties in most windows.
  const tied = caseArb.chain((c) =>
    fc.record({
      c: fc.constant(c),
      x: tensorArb(c.shape, { min: 0, max: 2 }).map((x) =>
        fromTypedArray(x.data.map(Math.round), x.shape)
      ),
    })
  );
  fc.assert(
    fc.property(tied, ({ c, x }) => {
      const [y, pullback] = maxPool2d.run(ts, x, c.options);
      const dy = fromTypedArray(y.data.map((_, i) => i + 1), y.shape);
      const expected = new Float64Array(x.data.length);
      windows(x.shape, c.options).taps.forEach((k, i) => (expected[firstMax(x.data, k)] += i + 1));
      assert.deepEqual(Array.from(pullback!(dy, [true])[0]!.data), Array.from(expected));
    }),
    { numRuns: 100 },
  );
});

const pools: [string, (t: Ops, x: Tensor, o: Pool2dOptions) => Tensor][] = [
  ["maxPool2d", (t, x, o) => t.maxPool2d(x, o)],
  ["avgPool2d", (t, x, o) => t.avgPool2d(x, o)],
  ["globalAvgPool2d", (t, x) => t.globalAvgPool2d(x)],
];

for (const [name, pool] of pools) {
  test(`${name}() VJP matches central differences`, () => {
    // Distinct values a quarter apart: every window's maximum is unique and stays put.
    const arb = caseArb.chain((c) =>
      fc.record({ c: fc.constant(c), x: distinctTensorArb(c.shape) })
    );
    fc.assert(
      fc.property(arb, ({ c, x }) => {
        const r = checkGradients((t, p) => pool(t, p, c.options), x);
        assert.ok(r.ok, `max error ${r.maxError} at ${JSON.stringify(r.worst)}`);
      }),
      { numRuns: 40 },
    );
  });

  test(`${name}() never writes into its input or the cotangent`, () => {
    fc.assert(
      fc.property(withTensor("float32"), ({ c, x }) => {
        const [y, pullback] = vjp((t, p: Tensor) => pool(t, p, c.options), x, { backend: ts });
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
    test(`${name}() gives the ts backend's output and cotangent on the ${b} backend`, {
      skip: probe.ok ? false : `${b} backend not available here: ${probe.reason}`,
    }, () => {
      const other = probe.ok ? probe.kernels : ts;
      fc.assert(
        fc.property(
          withTensor("float64"),
          fc.constantFrom<DType>("float64", "float32"),
          ({ c, x }, dtype) => {
            const xd = cast(x, dtype);
            const f = (t: Ops, p: Tensor) => pool(t, p, c.options);
            const [y0, back0] = vjp(f, xd, { backend: ts });
            const [y1, back1] = vjp(f, xd, { backend: other });
            const dy = fromTypedArray(y0.data.map((_, i) => Math.cos(i)), y0.shape);
            assert.deepEqual(y1, y0);
            assert.deepEqual(back1(dy), back0(dy));
          },
        ),
        { numRuns: 30 },
      );
    });
  }
}

// ---- Known values --------------------------------------------------------------------------

test('avgPool2d() with "same" padding divides a border window by its real elements only', () => {
  // Width 5, window 2, stride 2: the last window holds only 5 (its pad is on the right).
  const x = tensor([1, 3, 5, 7, 5], [1, 1, 5, 1]);
  assert.deepEqual(Array.from(t.avgPool2d(x, { size: [1, 2], padding: "same" }).data), [2, 6, 5]);
  const padded = t.avgPool2d(x, { size: [1, 3], stride: [1, 2], padding: [[0, 0], [1, 1]] });
  assert.deepEqual(Array.from(padded.data), [2, 5, 6]);
});

test("maxPool2d() ignores padding even when every real element is negative", () => {
  const x = tensor([-3, -1, -2], [1, 1, 3, 1]);
  assert.deepEqual(Array.from(t.maxPool2d(x, { size: 2, padding: "same" }).data), [-1, -2]);
});

test("maxPool2d() propagates a NaN wherever it sits in the window", () => {
  const x = tensor([1, NaN, 3, 2, NaN, 0], [1, 1, 6, 1]);
  assert.deepEqual(Array.from(t.maxPool2d(x, { size: [1, 2] }).data), [NaN, 3, NaN]);
});

test("the pools' stride defaults to the window size", () => {
  fc.assert(
    fc.property(withTensor("float64"), ({ c, x }) => {
      const { stride: _, ...rest } = c.options;
      const explicit = { ...rest, stride: rest.size };
      assert.deepEqual(t.maxPool2d(x, rest), t.maxPool2d(x, explicit));
      assert.deepEqual(t.avgPool2d(x, rest), t.avgPool2d(x, explicit));
    }),
    { numRuns: 30 },
  );
});
