/**
 * Matrix products on the backend's gemm: `matmul` and the fused `linear` (x·W + b).
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import {
  allocate,
  assertSameDType,
  astype,
  type DType,
  type FloatArray,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
} from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { checkBackend } from "../_checks.ts";
import { addRowsTs, columnSumsTs } from "../kernels/rows_ts.ts";
import { type Primitive, primitive } from "./primitive.ts";

function rank2(op: string, a: Tensor, b: Tensor): [number, number, number] {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new TypeError(
      `Cannot ${op}: expected two rank-2 tensors, got shapes ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      }`,
    );
  }
  assertSameDType(op, a, b);
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) {
    throw new TypeError(
      `Cannot ${op}: inner dimensions differ (${k} vs ${k2}) for shapes ${
        formatShape(a.shape)
      } and ${formatShape(b.shape)}`,
    );
  }
  return [m, k, n];
}

/** `op(a)·op(b)` into a fresh array of `dtype` (see `GemmKernel` for the flags). */
function gemm(
  backend: Backend,
  dtype: DType,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
): FloatArray {
  const out = allocate(dtype, m * n);
  backend.gemm(transA, transB, m, n, k, a, b, out);
  return out;
}

/**
 * The matrix product `a · b` of a rank-2 `[m, k]` and a rank-2 `[k, n]` tensor of one dtype.
 * With `Y = A·B`, the pullback is `dA = dY·Bᵀ` and `dB = Aᵀ·dY`, each only when needed; the
 * gemm's transpose flags read `Bᵀ` and `Aᵀ` in place instead of materialising them.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]]));
 * if (y.data.join() !== "17,39") throw new Error("unexpected");
 * ```
 */
export const matmul: Primitive<[a: Tensor, b: Tensor]> = primitive(
  "matmul",
  2,
  (backend, a: Tensor, b: Tensor) => {
    checkBackend("Cannot matmul", backend);
    assertTensor("matmul", a, "the first argument");
    assertTensor("matmul", b, "the second argument");
    const [m, k, n] = rank2("matmul", a, b);
    const y = fromTypedArray(gemm(backend, a.dtype, false, false, m, n, k, a.data, b.data), [m, n]);
    return [y, (dy, needs) => {
      cotangent("matmul", dy, y.shape);
      // gemm wants one element type, so a cotangent of the other dtype is converted first.
      const g = astype(dy, a.dtype).data;
      return [
        needs[0]
          ? fromTypedArray(gemm(backend, a.dtype, false, true, m, k, n, g, b.data), [m, k])
          : undefined,
        needs[1]
          ? fromTypedArray(gemm(backend, a.dtype, true, false, k, n, m, a.data, g), [k, n])
          : undefined,
      ];
    }];
  },
);

/**
 * The affine map of a dense layer, fused: `x·W + b` for `x: [batch, in]`, `W: [in, units]` and
 * an optional bias `b: [units]` (pass `undefined` for none). Equal to `add(matmul(x, W), b)`
 * (tested), in one output array. Pullback: `dx = dy·Wᵀ`, `dW = xᵀ·dy`, `db = Σ_batch dy`
 * (accumulated in double), each only when needed.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().linear(tensor([[1, 2]]), tensor([[1, 0], [0, 1]]), tensor([10, 20]));
 * if (y.data.join() !== "11,22") throw new Error("unexpected");
 * ```
 */
export const linear: Primitive<[x: Tensor, w: Tensor, b: Tensor | undefined]> = primitive(
  "linear",
  3,
  (backend, x: Tensor, w: Tensor, b: Tensor | undefined) => {
    checkBackend("Cannot linear", backend);
    assertTensor("linear", x, "the input x");
    assertTensor("linear", w, "the weight w");
    const [n, inDim, units] = rank2("linear", x, w);
    if (b !== undefined) {
      if (!isTensor(b) || b.shape.length !== 1 || b.shape[0] !== units) {
        throw new TypeError(
          `Cannot linear: the bias must be a tensor of shape [${units}], got ${
            isTensor(b) ? `shape ${formatShape(b.shape)}` : String(b)
          }`,
        );
      }
      assertSameDType("linear", x, b);
    }
    const dt = x.dtype;
    const out = gemm(backend, dt, false, false, n, units, inDim, x.data, w.data);
    if (b !== undefined) addRows(backend, out, b.data, n, units);
    const y = fromTypedArray(out, [n, units]);
    return [y, (dy, needs) => {
      cotangent("linear", dy, y.shape);
      const g = astype(dy, dt).data;
      let db: Tensor | undefined;
      if (needs[2] && b !== undefined) {
        const sums = allocate(dt, units);
        sums.set(columnSums(backend, g, n, units));
        db = fromTypedArray(sums, [units]);
      }
      return [
        needs[0]
          ? fromTypedArray(gemm(backend, dt, false, true, n, inDim, units, g, w.data), [n, inDim])
          : undefined,
        needs[1]
          ? fromTypedArray(gemm(backend, dt, true, false, inDim, units, n, x.data, g), [
            inDim,
            units,
          ])
          : undefined,
        db,
      ];
    }];
  },
);

// float32: the backend's kernels (wasm SIMD where it has them), else the loops of
// kernels/rows_ts.ts; float64: the loops below. These are functions of their own: JavaScriptCore
// ran them several times slower inline, and an engine optimises a small function early and
// keeps it optimised.

/** `out[i, j] += b[j]` for each of the `n` rows of `out` (freshly allocated by the caller). */
function addRows(backend: Backend, out: FloatArray, b: FloatArray, n: number, units: number): void {
  if (out instanceof Float32Array && b instanceof Float32Array) {
    (backend.addRows ?? addRowsTs)(out, b, n, units);
  } else addRows64(out, b, n, units);
}

function addRows64(out: FloatArray, b: FloatArray, n: number, units: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * units;
    for (let j = 0; j < units; j++) out[row + j] += b[j];
  }
}

/** Column sums of the `n × units` matrix `g`, accumulated in double, row after row. */
function columnSums(backend: Backend, g: FloatArray, n: number, units: number): Float64Array {
  const sums = new Float64Array(units);
  if (g instanceof Float32Array) (backend.columnSums ?? columnSumsTs)(g, n, units, sums);
  else columnSums64(g, n, units, sums);
  return sums;
}

/** Four rows a pass over the sums, in the row-by-row order (as `columnSumsTs`; same bits). */
function columnSums64(g: FloatArray, n: number, units: number, sums: Float64Array): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r0 = i * units, r1 = r0 + units, r2 = r1 + units, r3 = r2 + units;
    for (let j = 0; j < units; j++) {
      sums[j] = (((sums[j] + g[r0 + j]) + g[r1 + j]) + g[r2 + j]) + g[r3 + j];
    }
  }
  for (; i < n; i++) {
    const row = i * units;
    for (let j = 0; j < units; j++) sums[j] += g[row + j];
  }
}
