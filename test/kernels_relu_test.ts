import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Backend } from "../src/kernels/kernels.ts";
import { reluBackTs, reluTs } from "../src/kernels/relu_ts.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { load, probed, skipReason } from "./_backends.ts";

// Every backend's float32 rectifier and its pullback against the TypeScript loops of relu_ts.ts,
// which define the results, bit for bit (NaN payloads included), and those loops against the
// definitions `v > 0 || v !== v ? v : 0` and `x > 0 ? g : 0`.

const BACKENDS: [string, Backend | string][] = [
  ["blas", load(probed("blas"))],
  ["wasm", load(probed("wasm"))],
  ["wasm (relaxed SIMD)", load(() => loadWasmKernels({ relaxed: true }))],
];

/** float32 bit patterns: any at all, or the special values and their neighbours. */
const word = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, 1, -1, 0x7f800000, 0x7f800001, 0x7fc00000, 0x7f7fffff, -0x80000000, -0x800000),
);
// Lengths around the four lanes: the vector loop and the elements left over.
const arrays = fc.integer({ min: 0, max: 70 }).chain((n) =>
  fc.tuple(
    fc.array(word, { minLength: n, maxLength: n }),
    fc.array(word, { minLength: n, maxLength: n }),
  )
);
const f32 = (words: number[]) => new Float32Array(Int32Array.from(words).buffer);
const bitsOf = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

test("reluTs and reluBackTs equal the rectifier's definitions", () => {
  const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  fc.assert(
    fc.property(arrays, ([xs, gs]) => {
      const x = f32(xs),
        g = f32(gs),
        y = new Float32Array(x.length),
        dx = new Float32Array(x.length);
      reluTs(x, y);
      reluBackTs(x, g, dx);
      x.forEach((v, i) => {
        assert.ok(same(y[i], v > 0 || v !== v ? v : 0), `relu(${v}) = ${y[i]}`);
        assert.ok(same(dx[i], v > 0 ? g[i] : 0), `relu'(${v})·${g[i]} = ${dx[i]}`);
      });
      // NaN keeps its payload.
      x.forEach((v, i) => v !== v && assert.equal(bitsOf(y)[i], xs[i]));
    }),
    { numRuns: 200 },
  );
});

for (const [label, k] of BACKENDS) {
  test(`${label} relu and reluBack equal the TypeScript loops bit for bit`, {
    skip: skipReason(label, k),
  }, () => {
    const kernels = k as Backend;
    assert.equal(typeof kernels.relu, "function");
    assert.equal(typeof kernels.reluBack, "function");
    fc.assert(
      fc.property(arrays, ([xs, gs]) => {
        const x = f32(xs), g = f32(gs), n = x.length;
        const before = [bitsOf(x), bitsOf(g)];
        const [y, ey, dx, edx] = [0, 1, 2, 3].map(() => new Float32Array(n).fill(NaN));
        kernels.relu!(x, y);
        reluTs(x, ey);
        kernels.reluBack!(x, g, dx);
        reluBackTs(x, g, edx);
        assert.deepEqual(bitsOf(y), bitsOf(ey));
        assert.deepEqual(bitsOf(dx), bitsOf(edx));
        assert.deepEqual([bitsOf(x), bitsOf(g)], before, "inputs untouched");
      }),
      { numRuns: 150 },
    );
  });

  test(`${label} relu kernels reject arrays of other lengths or element types`, {
    skip: skipReason(label, k),
  }, () => {
    const kernels = k as Backend;
    const a = new Float32Array(4);
    assert.throws(() => kernels.relu!(a, new Float32Array(3)), TypeError);
    assert.throws(
      () => kernels.reluBack!(a, a, new Float64Array(4) as unknown as Float32Array),
      TypeError,
    );
  });
}
