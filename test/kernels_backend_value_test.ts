// The backend is a value: each trace, `vjp` call and `untraced` Ops runs on the backend it is
// given, so two models in one process can use different backends side by side, and nothing is
// set or restored between tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Trace, vjp } from "../src/autodiff/trace.ts";
import { untraced } from "../src/autodiff/ops.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { backend } from "../src/kernels/select.ts";
import { tsKernels } from "../src/kernels/ts_gemm.ts";
import { dense, type DenseParams } from "../src/layers/dense.ts";
import { EVAL } from "../src/layers/layer.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { load, probed, skipReason } from "./_backends.ts";

const wasm = load(probed("wasm"));

/** Deterministic values in [-1, 1) from a seed (fast-check draws the seed and the shapes). */
function values(n: number, seed: number): Float32Array {
  let s = (seed >>> 0) || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5;
    return 2 * ((s >>> 0) / 4294967296) - 1;
  });
}

const problem = fc.record({
  batch: fc.integer({ min: 1, max: 9 }),
  inDim: fc.integer({ min: 1, max: 17 }),
  units: fc.integer({ min: 1, max: 13 }),
  seed: fc.integer(),
});

type Problem = typeof problem extends fc.Arbitrary<infer T> ? T : never;

/** A dense layer's output and parameter gradients on `b`, and the backend `t` reported. */
function denseGrads(b: Backend, p: Problem) {
  const layer = dense(p.units);
  const { params } = layer.init(key(p.seed), [p.inDim]);
  const x = fromTypedArray(values(p.batch * p.inDim, p.seed), [p.batch, p.inDim]);
  const dy = fromTypedArray(values(p.batch * p.units, p.seed ^ 0x9e3779b9), [p.batch, p.units]);
  let seen: Backend | undefined;
  const [y, pullback] = vjp(
    (t, ps: DenseParams) => {
      seen = t.backend;
      return layer.apply(t, ps, null, x, EVAL).y;
    },
    params,
    { backend: b },
  );
  return { y, grads: pullback(dy), seen };
}

/** Equal within float32 rounding of sums of `k` terms of size ≤ 1 (|x| here is below k). */
function assertClose(a: Tensor, b: Tensor, k: number, what: string) {
  assert.deepEqual(a.shape, b.shape, what);
  const tol = 4e-7 * (k + 1) * (k + 1);
  for (let i = 0; i < a.data.length; i++) {
    if (!(Math.abs(a.data[i] - b.data[i]) <= tol)) {
      assert.fail(`${what}[${i}]: ${a.data[i]} vs ${b.data[i]} (tolerance ${tol})`);
    }
  }
}

test("dense gradients on ts and wasm in one process agree within float32 rounding", {
  skip: skipReason("wasm", wasm),
}, () => {
  fc.assert(
    fc.property(problem, (p) => {
      const onTs = denseGrads(backend("ts"), p);
      const onWasm = denseGrads(wasm as Backend, p);
      assertClose(onTs.y, onWasm.y, p.inDim, "y");
      assertClose(onTs.grads.w, onWasm.grads.w, p.batch, "dw");
      assertClose(onTs.grads.b!, onWasm.grads.b!, p.batch, "db");
    }),
    { numRuns: 40 },
  );
});

test("each vjp call's t.backend is the backend it was given", {
  skip: skipReason("wasm", wasm),
}, () => {
  const p = { batch: 2, inDim: 3, units: 4, seed: 7 };
  assert.equal(denseGrads(backend("ts"), p).seen, backend("ts"));
  assert.equal(denseGrads(wasm as Backend, p).seen, wasm);
});

test("two traces on different backends keep their own backend", {
  skip: skipReason("wasm", wasm),
}, () => {
  const onTs = new Trace(backend("ts")), onWasm = new Trace(wasm as Backend);
  assert.equal(onTs.backend, backend("ts"));
  assert.equal(onTs.ops.backend, backend("ts"));
  assert.equal(onWasm.backend, wasm);
  assert.equal(onWasm.ops.backend, wasm);
});

/** A backend that is tsKernels with its gemm calls counted. */
function counting(name: string): Backend & { readonly calls: () => number } {
  let calls = 0;
  return {
    name,
    description: `${name} (counting ts)`,
    gemm: (...args) => {
      calls++;
      tsKernels.gemm(...args);
    },
    calls: () => calls,
  };
}

test("custom backends given to vjp and untraced each see only their own gemm calls", () => {
  const a = counting("a"), b = counting("b");
  const layer = dense(3);
  const { params } = layer.init(key(0), [2]);
  const x = fromTypedArray(values(8, 1), [4, 2]);

  const [y, pullback] = vjp((t, ps: DenseParams) => layer.apply(t, ps, null, x, EVAL).y, params, {
    backend: a,
  });
  const afterForward = a.calls();
  pullback(fromTypedArray(values(12, 2), [4, 3]));
  assert.ok(afterForward > 0, "a ran the forward product");
  assert.ok(a.calls() > afterForward, "a ran the pullback's product");
  assert.equal(b.calls(), 0, "b saw none of a's calls");

  const before = a.calls();
  const z = layer.apply(untraced(b), params, null, x, EVAL).y;
  assert.ok(b.calls() > 0, "b ran the untraced product");
  assert.equal(a.calls(), before, "a saw none of b's calls");
  assert.deepEqual(z.data, y.data, "both are tsKernels underneath");
});
