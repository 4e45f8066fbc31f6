import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { vjp } from "../src/autodiff/trace.ts";
import { erf, erfc } from "../src/ops/mod.ts";
import { tensor } from "../src/tensor.ts";
import { tensorArb } from "../src/testing/mod.ts";
import { plain } from "./_ops.ts";

// Reference values of erf and erfc (to 16+ digits, from tables / arbitrary precision).
const ERF: [number, number][] = [
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [2, 0.9953222650189527],
  [3, 0.9999779095030014],
  [1e-10, 1.1283791670955126e-10],
];
const ERFC: [number, number][] = [
  [3, 2.209049699858544e-5],
  [10, 2.088487583762545e-45],
  [-1, 1.8427007929497148],
];
const close = (got: number, want: number, rel: number) =>
  Math.abs(got - want) <= rel * Math.abs(want);

test("erf() matches known values to 1e-15 relative", () => {
  for (const [x, want] of ERF) assert.ok(close(erf(x), want, 1e-15), `erf(${x}) = ${erf(x)}`);
});

test("erfc() matches known values to 1e-15 relative, also deep in the tail", () => {
  for (const [x, want] of ERFC) assert.ok(close(erfc(x), want, 1e-15), `erfc(${x}) = ${erfc(x)}`);
});

test("erf() is odd and erf + erfc = 1", () => {
  fc.assert(
    fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
      assert.equal(erf(-x), -erf(x));
      assert.ok(Math.abs(erf(x) + erfc(x) - 1) <= 2e-16);
    }),
    { numRuns: 200 },
  );
});

test("erf() is ±1 far out and NaN for NaN", () => {
  assert.deepEqual([erf(30), erf(-1e300), erfc(30)], [1, -1, 0]);
  assert.ok(Number.isNaN(erf(NaN)) && Number.isNaN(erfc(NaN)));
});

test("gelu(x) = x·Φ(x) at known points", () => {
  // Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208, Φ(-3) = 0.0013498980316301. The
  // tolerance allows for rounding x/√2, which erfc's condition number (~2x²) amplifies.
  const y = plain.gelu(tensor([1, -1, 2, -3], [4], "float64"));
  const want = [
    0.8413447460685429,
    -0.15865525393145705,
    1.9544997361036416,
    -0.0040496940948902835,
  ];
  want.forEach((w, i) => assert.ok(close(y.data[i], w, 4e-15), `gelu = ${y.data[i]}, want ${w}`));
});

test("geluTanh() stays within 5e-4 of the exact gelu()", () => {
  fc.assert(
    fc.property(tensorArb([16], { min: -6, max: 6 }), (x) => {
      const exact = plain.gelu(x);
      const approx = plain.geluTanh(x);
      for (let i = 0; i < 16; i++) assert.ok(Math.abs(exact.data[i] - approx.data[i]) < 5e-4);
    }),
    { numRuns: 30 },
  );
});

test("gelu'(0) = Φ(0) = 1/2 and geluTanh'(0) = 1/2", () => {
  const x = tensor([0], [1], "float64");
  const one = tensor([1], [1], "float64");
  assert.equal(vjp((t, v) => t.gelu(v), x)[1](one).data[0], 0.5);
  assert.equal(vjp((t, v) => t.geluTanh(v), x)[1](one).data[0], 0.5);
});
