// What the convolution tests of the paths that need `gemmAdd` share: a ts backend given one (so
// those paths run on every machine, not only where OpenBLAS loads), a drawn case's shape, and
// where two tensors' bytes first differ.
import type { Backend, GemmKernel } from "../src/kernels/kernels.ts";
import { backend } from "../src/kernels/select.ts";
import type { Conv2dOptions } from "../src/ops/conv.ts";
import type { Tensor } from "../src/tensor.ts";

/** The ts backend. */
export const ts: Backend = backend("ts");

// Its own gemm, then an addition.
const gemmAdd: GemmKernel = (transA, transB, m, n, k, a, b, out) => {
  const part = out instanceof Float64Array ? new Float64Array(m * n) : new Float32Array(m * n);
  ts.gemm(transA, transB, m, n, k, a, b, part);
  for (let i = 0; i < m * n; i++) out[i] += part[i];
};

/** The ts backend with a `gemmAdd`: the tap-row and one-channel paths run on it. */
export const tsAdd: Backend = Object.freeze({ ...ts, name: "ts+gemmAdd", gemmAdd });

/** A drawn convolution: input, kernel, bias and options. */
export interface ConvCase {
  x: Tensor;
  w: Tensor;
  b: Tensor;
  options: Conv2dOptions;
}

const bits = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Where two tensors' bytes first differ (`"none"`), not a diff of a million bytes. */
export function firstDifference(a: Tensor, b: Tensor): string {
  const [p, q] = [bits(a), bits(b)];
  if (p.length !== q.length) return `${p.length} bytes against ${q.length}`;
  const i = p.findIndex((v, j) => v !== q[j]);
  return i < 0 ? "none" : `byte ${i}`;
}
