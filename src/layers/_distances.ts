/**
 * Squared Euclidean distances between the rows of two matrices, over primitives: the forward
 * code of the RBF layer and of k-means. Private to gradstream.
 *
 * @module
 */

import type { Ops } from "../autodiff/ops.ts";
import { scalar, type Tensor } from "../tensor.ts";

/**
 * `‖xᵢ − cⱼ‖²` for `x: [n, d]` and `c: [k, d]`, shape `[n, k]`, in the fast form
 * `‖x‖² − 2x·cᵀ + ‖c‖²` (one gemm instead of an `[n, k, d]` difference). The three terms can
 * cancel to a tiny negative number when `x` is next to a centre, so the result is clamped at 0
 * with `maximum` (whose gradient there is the true one, 0, to rounding). Its pullback to `x`
 * and `c` is the primitives', composed by the trace.
 */
export function squaredDistances(t: Ops, x: Tensor, c: Tensor): Tensor {
  const x2 = t.sum(t.square(x), { axis: 1, keepDims: true }); // [n, 1]
  const c2 = t.sum(t.square(c), { axis: 1 }); // [k], broadcast along the rows
  const cross = t.matmul(x, t.transpose(c)); // [n, k]
  const d2 = t.add(t.sub(x2, t.mulScalar(cross, 2)), c2);
  return t.maximum(d2, scalar(0, x.dtype));
}
