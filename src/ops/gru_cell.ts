/**
 * The fused GRU cell: one time step's recurrent product and gate arithmetic in one primitive.
 *
 * With `zx = x·W + b` and `zh = h·U + rb` (each `[batch, 3·units]`, gate blocks reset, update,
 * new as PyTorch orders them) the cell is PyTorch's and Keras's `reset_after` form:
 *
 * ```
 * r = σ(zx_r + zh_r)   u = σ(zx_u + zh_u)   n = tanh(zx_n + r·zh_n)
 * h' = (1 − u)·n + u·h
 * ```
 *
 * Unfused it is a `linear`, six slices, three activations and eight products and sums (tested equal, in
 * value and gradient, in `test/ops_recurrent_cells_test.ts`).
 *
 * Float32 steps take σ and tanh from `_fast_math.ts` (rational, a few float32 ulps from the
 * exact functions, and several times faster); float64 steps use `Math.tanh` and `Math.exp`.
 *
 * @module
 */

import { allocate, astype, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { addRows, columnSums, GRU_KEEP, gruBackward, gruDirect, gruForward } from "./_gru_loops.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { checkCellArgs } from "./_cell_checks.ts";

/**
 * One GRU step: the input projection `zx = x·W + b` `[batch, 3·units]`, the state `h`
 * `[batch, units]` (`undefined`: zeros), the recurrent kernel `u` `[units, 3·units]`, its bias
 * `rb` `[3·units]` (or `undefined`) and an optional constant `mask` `[batch]` (0 keeps a row's
 * state). Computes `zh = h·U + rb` (the backend's gemm) and returns `h'` `[batch, units]`.
 * Pullback, with `a = zx_n + r·zh_n`: `du = dh'·(h − n)`, `da = dh'·(1 − u)·(1 − n²)`,
 * `dzx_n = da`, `dzh_n = da·r`, `dr = da·zh_n`, `dz_r = dr·r(1 − r)`, `dz_u = du·u(1 − u)`
 * (for both `zx` and `zh`); then `dU = hᵀ·dzh`, `drb = Σ_batch dzh` and `dh = dh'·u + dzh·Uᵀ`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor, zeros } from "../tensor.ts";
 * // Pre-activations 0: u = 1/2 and n = 0, so h' = h/2.
 * const h = untraced().gruCell(zeros([1, 3]), tensor([[0.5]]), zeros([1, 3]), undefined);
 * if (h.data[0] !== 0.25) throw new Error("unexpected");
 * ```
 */
export const gruCell: Primitive<
  [zx: Tensor, h: Tensor | undefined, u: Tensor, rb: Tensor | undefined, mask?: Tensor]
> = primitive(
  "gruCell",
  4,
  (backend, zx: Tensor, h: Tensor | undefined, u: Tensor, rb: Tensor | undefined, mask?) => {
    const { batch, units, dtype } = checkCellArgs("gruCell", 3, zx, h, u, mask, 2, {
      what: "the recurrent bias rb",
      value: rb,
    });
    const n = batch * units, w = 3 * units;
    const zh = allocate(dtype, batch * w);
    if (h !== undefined) backend.gemm(false, false, batch, w, units, h.data, u.data, zh);
    if (rb !== undefined) addRows(zh, rb.data, batch, w);
    const out = allocate(dtype, n);
    const keep = allocate(dtype, GRU_KEEP * n);
    const fast = dtype === "float32";
    gruForward(zx.data, zh, h?.data, mask?.data, batch, units, out, keep, fast);
    const y = fromTypedArray(out, [batch, units]);
    return [y, (dy, needs) => {
      cotangent("gruCell", dy, y.shape);
      const g = astype(dy, dtype).data;
      const dzx = allocate(dtype, batch * w), dzh = allocate(dtype, batch * w);
      gruBackward(g, h?.data, mask?.data, keep, batch, units, dzx, dzh);
      let dh: FloatArray | undefined, du: FloatArray | undefined, drb: FloatArray | undefined;
      if (needs[1]) {
        dh = allocate(dtype, n);
        backend.gemm(false, true, batch, units, w, dzh, u.data, dh);
        gruDirect(g, keep, mask?.data, batch, units, dh);
      }
      if (needs[2]) {
        du = allocate(dtype, units * w);
        if (h !== undefined) backend.gemm(true, false, units, w, batch, h.data, dzh, du);
      }
      if (needs[3] && rb !== undefined) {
        drb = allocate(dtype, w);
        columnSums(dzh, batch, w, drb);
      }
      return [
        needs[0] ? fromTypedArray(dzx, zx.shape) : undefined,
        dh === undefined ? undefined : fromTypedArray(dh, [batch, units]),
        du === undefined ? undefined : fromTypedArray(du, u.shape),
        drb === undefined ? undefined : fromTypedArray(drb, [w]),
      ];
    }];
  },
);
