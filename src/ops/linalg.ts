/**
 * Matrix multiplication through the selected kernel backend.
 *
 * @module
 */

import { kernels } from "../kernels/select.ts";
import {
  allocate,
  assertSameDType,
  astype,
  formatShape,
  fromTypedArray,
  type Tensor,
} from "../tensor.ts";
import type { Vjp } from "../vjp.ts";
import { assertTensor, cotangent } from "./_checks.ts";

/**
 * The matrix product `a · b` of a rank-2 `[m, k]` and a rank-2 `[k, n]` tensor of the same
 * dtype. With `Y = A·B`, the pullback is `dA = dY·Bᵀ` and `dB = Aᵀ·dY`; all three products go
 * through `kernels().gemm`, whose transpose flags read `Bᵀ` and `Aᵀ` in place instead of
 * materialising them.
 *
 * @example
 * ```ts
 * import { matmul } from "./linalg.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]]));
 * if (y.data.join() !== "17,39") throw new Error("unexpected");
 * const [da, db] = vjp(tensor([[1], [1]]));
 * if (da.data.join() !== "5,6,5,6" || db.data.join() !== "4,6") throw new Error("unexpected");
 * ```
 */
export function matmul(a: Tensor, b: Tensor): [Tensor, Vjp<Tensor, [da: Tensor, db: Tensor]>] {
  assertTensor("matmul", a, "the first argument");
  assertTensor("matmul", b, "the second argument");
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new TypeError(
      `Cannot matmul: expected two rank-2 tensors, got shapes ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      }`,
    );
  }
  assertSameDType("matmul", a, b);
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) {
    throw new TypeError(
      `Cannot matmul: inner dimensions differ (${k} vs ${k2}) for shapes ${
        formatShape(a.shape)
      } and ${formatShape(b.shape)}`,
    );
  }
  const out = allocate(a.dtype, m * n);
  kernels().gemm(false, false, m, n, k, a.data, b.data, out);
  const y = fromTypedArray(out, [m, n]);
  return [y, (dy) => {
    cotangent("matmul", dy, y.shape);
    // gemm wants one element type, so a cotangent of the other dtype is converted first.
    const g = astype(dy, a.dtype).data;
    const da = allocate(a.dtype, m * k);
    kernels().gemm(false, true, m, k, n, g, b.data, da); // [m,n]·[n,k], B read transposed
    const db = allocate(a.dtype, k * n);
    kernels().gemm(true, false, k, n, m, a.data, g, db); // [k,m]·[m,n], A read transposed
    return [fromTypedArray(da, [m, k]), fromTypedArray(db, [k, n])];
  }];
}
