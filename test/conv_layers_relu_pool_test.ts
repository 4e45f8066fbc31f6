// conv2d's reluMaxPool option: the same layer as conv2d then reluMaxPool2d, bit for bit, on
// the fused primitive; its gradients in float64; its option checked under conv2d's name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { conv1d, conv2d } from "../src/layers/conv.ts";
import { reluMaxPool2d } from "../src/layers/pool.ts";
import { serial } from "../src/layers/serial.ts";
import { EVAL } from "../src/layers/layer.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { key, normal } from "../src/random.ts";
import type { Tensor } from "../src/tensor.ts";
import { checkLayerGradients } from "../src/testing/mod.ts";
import { load, probed, skipReason } from "./_backends.ts";
import type { Layer } from "../src/layers/layer.ts";
import { type Tree, treeFlatten } from "../src/tree.ts";
import type { VjpOptions } from "../src/autodiff/trace.ts";

const bits = (x: Tensor) =>
  Array.from(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));

/** The output and the input's and every parameter's cotangent of `layer` on `x`, as bytes. */
function run(layer: AnyLayer, init: { params: Tree; state: Tree }, x: Tensor, options: VjpOptions) {
  const [y, back] = vjp(
    (t, p: { params: Tree; x: Tensor }) =>
      layer.apply(t, p.params, init.state, p.x, EVAL).y as Tensor,
    { params: init.params, x },
    options,
  );
  const g = back(normal(key(9), y.shape, { dtype: y.dtype }));
  return [y, g.x, ...treeFlatten(g.params)[0]].map(bits);
}
type AnyLayer = Layer<Tree, Tree>;

const CASES = [
  { filters: 6, kernel: 5, options: { padding: "same" as const }, pool: 2, input: [12, 12, 1] },
  {
    filters: 4,
    kernel: 3,
    options: { bias: false },
    pool: [2, 3] as [number, number],
    input: [9, 10, 3],
  },
  {
    filters: 5,
    kernel: 3,
    options: { stride: 2, padding: "same" as const },
    pool: 1,
    input: [7, 7, 2],
  },
];

for (const name of ["ts", "wasm", "blas"] as const) {
  const be = load(probed(name));
  test(`conv2d with reluMaxPool on ${name} is conv2d then reluMaxPool2d, bit for bit`, {
    skip: skipReason(name, be),
  }, () => {
    const backend = be as Exclude<typeof be, string>;
    for (const c of CASES) {
      const fused = conv2d(c.filters, c.kernel, { ...c.options, reluMaxPool: c.pool });
      const plain = serial(conv2d(c.filters, c.kernel, c.options), reluMaxPool2d(c.pool));
      const a = fused.init(key(1), c.input), b = plain.init(key(1), c.input);
      assert.deepEqual(a.outShape, b.outShape);
      const x = normal(key(2), [3, ...c.input]);
      // The fused layer on the serial's conv parameters: the same leaves, the same bits.
      const convParams = (b.params as unknown as readonly Tree[])[0];
      assert.deepEqual(
        run(fused as AnyLayer, { params: convParams, state: null }, x, { backend }),
        run(plain as AnyLayer, b, x, { backend }),
      );
    }
  });
}

test("conv2d with reluMaxPool passes the float64 gradient check", () => {
  const layer = conv2d(3, 3, { padding: "same", dtype: "float64", reluMaxPool: 2 });
  const { params } = layer.init(key(3), [6, 6, 2]);
  const x = normal(key(4), [2, 6, 6, 2], { dtype: "float64" });
  const report = checkLayerGradients(layer, params, null, x, EVAL);
  assert.ok(report.ok, `worst error ${report.maxError}`);
});

test("conv2d's reluMaxPool option is checked under conv2d's name", () => {
  assert.throws(() => conv2d(4, 3, { reluMaxPool: 0 }), {
    name: "RangeError",
    message: /^conv2d: reluMaxPool/,
  });
  assert.throws(
    () => conv2d(4, 3, { reluMaxPool: "2" as unknown as number }),
    /^TypeError: conv2d: reluMaxPool|conv2d: reluMaxPool/,
  );
  assert.throws(() => conv2d(4, 3, { reluMaxPool: 5 }).init(key(0), [6, 6, 1]), {
    name: "RangeError",
    message: /^conv2d init: the reluMaxPool window 5x5 is larger than the convolution's 4x4 output/,
  });
  assert.throws(
    () => conv1d(4, 3, { reluMaxPool: 2 } as unknown as Parameters<typeof conv1d>[2]),
    /^TypeError: conv1d: unknown option reluMaxPool|conv1d.*reluMaxPool/,
  );
});
