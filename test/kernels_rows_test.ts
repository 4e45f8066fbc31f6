import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Backend } from "../src/kernels/kernels.ts";
import { addRowsTs, columnSumsTs } from "../src/kernels/rows_ts.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { load, probed, skipReason } from "./_backends.ts";

// Every backend's bias loops of `linear` against the TypeScript loops of rows_ts.ts, bit for
// bit, and those loops against the plain definitions (a float32 sum per element; column sums
// added row after row in double).

const BACKENDS: [string, Backend | string][] = [
  ["blas", load(probed("blas"))],
  ["wasm", load(probed("wasm"))],
  ["wasm (relaxed SIMD)", load(() => loadWasmKernels({ relaxed: true }))],
];

// Magnitudes far apart, so that adding in another order would change the sums' bits.
const value = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.constantFrom(1e30, -1e30, 3e-7, 1, -1, 0, -0),
);
// Column counts around the lanes (four, two for the sums) and the rows' four-row passes.
const matrix = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 13 })).chain((
  [n, units],
) =>
  fc.tuple(
    fc.constant(n),
    fc.constant(units),
    fc.array(value, { minLength: n * units, maxLength: n * units }),
    fc.array(value, { minLength: units, maxLength: units }),
  )
);

test("addRowsTs and columnSumsTs equal their definitions", () => {
  fc.assert(
    fc.property(matrix, ([n, units, ms, bs]) => {
      const m = Float32Array.from(ms), b = Float32Array.from(bs);
      const added = m.slice();
      addRowsTs(added, b, n, units);
      const sums = new Float64Array(units).fill(NaN);
      columnSumsTs(m, n, units, sums);
      const expected = new Float64Array(units);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < units; j++) {
          assert.ok(Object.is(added[i * units + j], Math.fround(m[i * units + j] + b[j])));
          expected[j] += m[i * units + j];
        }
      }
      assert.deepEqual(Array.from(sums), Array.from(expected));
    }),
    { numRuns: 150 },
  );
});

for (const [label, k] of BACKENDS) {
  test(`${label} addRows and columnSums equal the TypeScript loops bit for bit`, {
    skip: skipReason(label, k),
  }, () => {
    const kernels = k as Backend;
    assert.equal(typeof kernels.addRows, "function");
    assert.equal(typeof kernels.columnSums, "function");
    fc.assert(
      fc.property(matrix, ([n, units, ms, bs]) => {
        const m = Float32Array.from(ms), b = Float32Array.from(bs);
        const [got, want] = [m.slice(), m.slice()];
        kernels.addRows!(got, b, n, units);
        addRowsTs(want, b, n, units);
        assert.deepEqual(got, want);
        const [s1, s2] = [new Float64Array(units).fill(NaN), new Float64Array(units).fill(NaN)];
        kernels.columnSums!(m, n, units, s1);
        columnSumsTs(m, n, units, s2);
        assert.deepEqual(s1, s2);
        assert.deepEqual(Array.from(b), bs.map(Math.fround), "b untouched");
      }),
      { numRuns: 150 },
    );
  });

  test(`${label} bias kernels reject a matrix smaller than n × units or the wrong arrays`, {
    skip: skipReason(label, k),
  }, () => {
    const kernels = k as Backend;
    assert.throws(
      () => kernels.addRows!(new Float32Array(5), new Float32Array(3), 2, 3),
      TypeError,
    );
    assert.throws(
      () => kernels.addRows!(new Float32Array(6), new Float32Array(2), 2, 3),
      TypeError,
    );
    assert.throws(
      () => kernels.columnSums!(new Float32Array(6), 2, 3, new Float64Array(2)),
      TypeError,
    );
  });
}
