import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Backend } from "../src/kernels/kernels.ts";
import { loadWasmKernels } from "../src/kernels/wasm_kernels.ts";
import { lstmBackward, lstmForward } from "../src/ops/_lstm_loops.ts";
import { load, probed, skipReason } from "./_backends.ts";

// Every backend's LSTM gate kernels against the TypeScript loops of src/ops/_lstm_loops.ts
// (which compute in double and round when they store): float32 arithmetic, within a few ulps.

const BACKENDS: [string, Backend | string][] = [
  ["blas", load(probed("blas"))],
  ["wasm", load(probed("wasm"))],
  ["wasm (relaxed SIMD)", load(() => loadWasmKernels({ relaxed: true }))],
];

// Units around the four lanes (the scalar tail), pre-activations past tanh's clamp at ±7.9.
const step = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 11 })).chain((
  [batch, units],
) => {
  const n = batch * units;
  const v = (len: number, max: number) =>
    fc.array(fc.float({ noNaN: true, min: -max, max }), { minLength: len, maxLength: len });
  return fc.record({
    batch: fc.constant(batch),
    units: fc.constant(units),
    zx: v(4 * n, 12),
    zh: v(4 * n, 12),
    c: v(n, 5),
    dh: v(n, 3),
    dc: v(n, 3),
  });
});

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]) <= 2e-6 * (1 + Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`)
  );
}

for (const [label, k] of BACKENDS) {
  test(`${label} lstmGates and lstmGatesBack are the cell's loops within float32 ulps`, {
    skip: skipReason(label, k),
  }, () => {
    const be = k as Backend;
    assert.equal(typeof be.lstmGates, "function");
    fc.assert(
      fc.property(step, (s) => {
        const { batch, units } = s, n = batch * units;
        const [zx, zh, c] = [s.zx, s.zh, s.c].map((a) => Float32Array.from(a));
        const ref = {
          h: new Float32Array(n),
          c: new Float32Array(n),
          keep: new Float32Array(5 * n),
        };
        lstmForward(zx, zh, undefined, c, undefined, batch, units, ref.h, ref.c, ref.keep, true);
        const got = {
          h: new Float32Array(n),
          c: new Float32Array(n),
          keep: new Float32Array(5 * n),
        };
        assert.ok(be.lstmGates!(zx, zh, c, batch, units, got.h, got.c, got.keep));
        close(got.h, ref.h, "h");
        close(got.c, ref.c, "c");
        close(got.keep, ref.keep, "keep");
        const [dh, dc] = [s.dh, s.dc].map((a) => Float32Array.from(a));
        const dzRef = new Float32Array(4 * n), dcRef = new Float32Array(n);
        lstmBackward(dh, dc, c, undefined, ref.keep, batch, units, dzRef, dcRef);
        const dz = new Float32Array(4 * n), dcPrev = new Float32Array(n);
        assert.ok(be.lstmGatesBack!(dh, dc, c, ref.keep, batch, units, dz, dcPrev));
        close(dz, dzRef, "dz");
        close(dcPrev, dcRef, "dcPrev");
        // dcPrev may be dc itself: the kernel reads it before it writes.
        const same = dc.slice();
        assert.ok(
          be.lstmGatesBack!(dh, same, c, ref.keep, batch, units, new Float32Array(4 * n), same),
        );
        assert.deepEqual([...same], [...dcPrev]);
      }),
      { numRuns: 200 },
    );
  });

  test(`${label} lstmGates rejects arrays of the wrong length or type, naming itself`, {
    skip: skipReason(label, k),
  }, () => {
    const be = k as Backend, f = (len: number) => new Float32Array(len);
    assert.throws(
      () => be.lstmGates!(f(8), f(8), f(2), 1, 2, f(2), f(2), f(9)),
      (e: Error) =>
        e instanceof TypeError && e.message.includes("lstmGates") && e.message.includes("units 2"),
    );
    assert.throws(
      () => be.lstmGatesBack!(f(2), f(2), f(2), f(10), 1, 2, new Float64Array(8) as never, f(2)),
      (e: Error) => e instanceof TypeError && e.message.includes("lstmGatesBack"),
    );
  });
}
