/**
 * `astype` as a primitive: a dtype conversion that a trace sees, so a gradient flows through
 * it (a float32 target in a float64 loss, a float32 leaf in a float64 penalty sum).
 *
 * @module
 */

import { allocate, type DType, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { type Primitive, unary } from "./primitive.ts";

/**
 * `x` converted to `dtype` (a fresh tensor even when the dtype is already `dtype`: a primitive
 * never returns its input). The pullback converts the cotangent back to `x`'s dtype.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().astype(tensor([0.5, 2]), "float64");
 * if (y.dtype !== "float64" || y.data.join() !== "0.5,2") throw new Error("unexpected");
 * ```
 */
export const astype: Primitive<[Tensor, dtype: DType]> = unary(
  "astype",
  (x: Tensor, dtype: DType) => {
    assertTensor("astype", x);
    if (dtype !== "float32" && dtype !== "float64") {
      throw new TypeError(
        `Cannot astype: dtype must be "float32" or "float64", got ${String(dtype)}`,
      );
    }
    const out = allocate(dtype, x.data.length);
    out.set(x.data);
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("astype", dy, x.shape);
      const dx = allocate(x.dtype, g.length);
      dx.set(g);
      return fromTypedArray(dx, x.shape);
    }];
  },
);
