import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { expNeg, log1pUnit } from "../src/ops/_sigmoid_ce_f32.ts";
import { type Tensor, tensor } from "../src/tensor.ts";

const t = untraced(backend("ts"));

/**
 * The float64 formula of `sigmoidCrossEntropy` with `Math.exp`/`Math.log1p`, each output
 * rounded once to float32: what the float32 path computed before its own polynomials.
 */
function reference(z: Float32Array, y: Float32Array, g: Float32Array) {
  const out = new Float32Array(z.length), dz = new Float32Array(z.length);
  z.forEach((zi, i) => {
    const ti = y[i], e = Math.exp(-Math.abs(zi));
    const s = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    const lin = zi === Infinity
      ? (ti === 1 ? 0 : Infinity)
      : zi === -Infinity
      ? (ti === 0 ? 0 : Infinity)
      : (zi > 0 ? zi : 0) - zi * ti;
    out[i] = lin + Math.log1p(e);
    dz[i] = g[i] * (s - ti);
  });
  return { out, dz };
}

/** `sigmoidCrossEntropy` and its logits' VJP on float32 tensors. */
function fused(z: Float32Array, y: Float32Array, g: Float32Array) {
  const shape = [z.length];
  const [out, back] = vjp(
    (t, zz: Tensor) => t.sigmoidCrossEntropy(zz, tensor(y, shape)),
    tensor(z, shape),
  );
  return { out: out.data, dz: (back(tensor(g, shape)) as Tensor).data };
}

/** Float32 ulps between `a` and `b` (0 when both are the same value, NaN included). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0;
  const i = new Int32Array(new Float32Array([a, b]).buffer);
  const key = (v: number) => (v < 0 ? -0x80000000 - v : v);
  return Math.abs(key(i[0]) - key(i[1]));
}

test("expNeg is exp(−a) to a few double ulps over a dense grid of [0, 30]", () => {
  let worst = 0;
  for (let a = 0; a <= 30; a += 1 / 4096) {
    worst = Math.max(worst, Math.abs(expNeg(a) - Math.exp(-a)) / Math.exp(-a));
  }
  assert.ok(worst < 8 * 2 ** -53, `worst relative error ${worst}`);
});

test("log1pUnit is log1p(e) to a few double ulps over a dense grid of (0, 1], small e included", () => {
  let worst = 0;
  for (let a = 0; a <= 30; a += 1 / 4096) {
    const e = Math.exp(-a);
    worst = Math.max(worst, Math.abs(log1pUnit(e) - Math.log1p(e)) / Math.log1p(e));
  }
  assert.ok(worst < 8 * 2 ** -53, `worst relative error ${worst}`);
});

test("float32 sigmoidCrossEntropy equals the float64 formula bitwise on a dense grid and extremes", () => {
  const extremes = [
    0,
    -0,
    1e-30,
    -1e-30,
    29.99,
    30,
    30.01,
    -30.01,
    88,
    -88,
    104,
    -104,
    3e38,
    -3e38,
  ];
  const special = [Infinity, -Infinity, NaN];
  const zs: number[] = [...extremes, ...special];
  for (let v = -40; v <= 40; v += 1 / 512) zs.push(v);
  const z = new Float32Array(zs);
  for (const target of [0, 1, 0.5, 0.3]) {
    const y = new Float32Array(z.length).fill(target);
    const g = new Float32Array(z.length).map((_, i) => 1 / 128 + (i % 7) / 3);
    const ref = reference(z, y, g), got = fused(z, y, g);
    let maxOut = 0, maxDz = 0;
    for (let i = 0; i < z.length; i++) {
      maxOut = Math.max(maxOut, ulps(got.out[i], ref.out[i]));
      maxDz = Math.max(maxDz, ulps(got.dz[i], ref.dz[i]));
    }
    assert.equal(maxOut + maxDz, 0, `target ${target}: ${maxOut} and ${maxDz} ulps apart`);
  }
});

test("float32 sigmoidCrossEntropy equals the float64 formula bitwise on drawn logits and targets", () => {
  fc.assert(
    fc.property(
      fc.float32Array({ minLength: 1, maxLength: 300, noDefaultInfinity: true, noNaN: true }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (z, seed) => {
        const y = new Float32Array(z.length).map((_, i) => ((seed * (i + 1)) % 1000) / 999);
        const g = new Float32Array(z.length).fill(1 / 128);
        const ref = reference(z, y, g), got = fused(z, y, g);
        for (let i = 0; i < z.length; i++) {
          assert.ok(ulps(got.out[i], ref.out[i]) === 0, `out at z = ${z[i]}, t = ${y[i]}`);
          assert.ok(ulps(got.dz[i], ref.dz[i]) === 0, `dz at z = ${z[i]}, t = ${y[i]}`);
        }
      },
    ),
    { numRuns: 100 },
  );
});

test("float32 sigmoidCrossEntropy with float64 targets keeps the float64-target path", () => {
  const z = tensor([-3, 0.5, 40], [3]), y = tensor([0, 1, 0.25], [3], "float64");
  const out = t.sigmoidCrossEntropy(z, y);
  const ref = reference(new Float32Array(z.data), new Float32Array(y.data), new Float32Array(3));
  assert.deepEqual([...out.data], [...ref.out]);
});
