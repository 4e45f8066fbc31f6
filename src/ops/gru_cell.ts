/**
 * The fused GRU cell: one time step's gate arithmetic in one primitive.
 *
 * With `zx = x·W + b` and `zh = h·U + b_h` (each `[batch, 3·units]`, gate blocks reset, update,
 * new as PyTorch orders them) the cell is PyTorch's and Keras's `reset_after` form:
 *
 * ```
 * r = σ(zx_r + zh_r)   u = σ(zx_u + zh_u)   n = tanh(zx_n + r·zh_n)
 * h' = (1 − u)·n + u·h
 * ```
 *
 * Unfused it is six slices, three activations and eight products and sums (tested equal, in
 * value and gradient, in `test/ops_recurrent_cells_test.ts`).
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { sigmoidOf } from "./_scalar.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { checkCellArgs } from "./_cell_checks.ts";

/**
 * One GRU step: `zx` and `zh` `[batch, 3·units]` (either may be `undefined`: zero), the state
 * `h` `[batch, units]` (`undefined`: zeros) and an optional constant `mask` `[batch]` (0 keeps a
 * row's state). Returns `h'` `[batch, units]`. Pullback, with `a = zx_n + r·zh_n`:
 * `du = dh'·(h − n)`, `da = dh'·(1 − u)·(1 − n²)`, `dzx_n = da`, `dzh_n = da·r`,
 * `dr = da·zh_n`, `dz_r = dr·r(1 − r)`, `dz_u = du·u(1 − u)` (for both `zx` and `zh`), and
 * `dh = dh'·u`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor, zeros } from "../tensor.ts";
 * // Pre-activations 0: u = 1/2 and n = 0, so h' = h/2.
 * const h = untraced().gruCell(zeros([1, 3]), undefined, tensor([[0.5]]));
 * if (h.data[0] !== 0.25) throw new Error("unexpected");
 * ```
 */
export const gruCell: Primitive<
  [zx: Tensor | undefined, zh: Tensor | undefined, h: Tensor | undefined, mask?: Tensor]
> = primitive(
  "gruCell",
  3,
  (_backend, zx: Tensor | undefined, zh: Tensor | undefined, h: Tensor | undefined, mask?) => {
    const { batch, units, dtype } = checkCellArgs("gruCell", 3, zx, zh, h, mask);
    if (h !== undefined && h.shape.length !== 2) {
      throw new TypeError(
        `Cannot gruCell: the state h must have shape [${batch}, ${units}], got [${h.shape}]`,
      );
    }
    const n = batch * units;
    const out = allocate(dtype, n);
    const keep = allocate(dtype, 4 * n); // r, u, n, zh_n per element
    gruForward(zx?.data, zh?.data, h?.data, mask?.data, batch, units, out, keep);
    const y = fromTypedArray(out, [batch, units]);
    return [y, (dy, needs) => {
      const g = cotangent("gruCell", dy, y.shape);
      const dzx = needs[0] ? allocate(dtype, 3 * n) : undefined;
      const dzh = needs[1] ? allocate(dtype, 3 * n) : undefined;
      const dh = needs[2] ? allocate(dtype, n) : undefined;
      gruBackward(g, h?.data, mask?.data, keep, batch, units, dzx, dzh, dh);
      const wrap = (d: FloatArray | undefined, shape: number[]) =>
        d === undefined ? undefined : fromTypedArray(d, shape);
      return [
        wrap(dzx, [batch, 3 * units]),
        wrap(dzh, [batch, 3 * units]),
        wrap(dh, [batch, units]),
      ];
    }];
  },
);

// Top-level loops (not closures made per call), so the engine optimises them once.
function gruForward(
  zx: FloatArray | undefined,
  zh: FloatArray | undefined,
  h: FloatArray | undefined,
  mask: FloatArray | undefined,
  batch: number,
  units: number,
  out: FloatArray,
  keep: FloatArray,
): void {
  const w = 3 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      for (let j = 0; j < units; j++) out[at + j] = h === undefined ? 0 : h[at + j];
      continue;
    }
    for (let j = 0; j < units; j++) {
      let xr = 0, xu = 0, xn = 0, hr = 0, hu = 0, hn = 0;
      if (zx !== undefined) {
        xr = zx[row + j];
        xu = zx[row + units + j];
        xn = zx[row + 2 * units + j];
      }
      if (zh !== undefined) {
        hr = zh[row + j];
        hu = zh[row + units + j];
        hn = zh[row + 2 * units + j];
      }
      const r = sigmoidOf(xr + hr), u = sigmoidOf(xu + hu);
      const nn = Math.tanh(xn + r * hn);
      const hp = h === undefined ? 0 : h[at + j];
      out[at + j] = (1 - u) * nn + u * hp;
      const k = 4 * (at + j);
      keep[k] = r;
      keep[k + 1] = u;
      keep[k + 2] = nn;
      keep[k + 3] = hn;
    }
  }
}

function gruBackward(
  dy: FloatArray,
  h: FloatArray | undefined,
  mask: FloatArray | undefined,
  keep: FloatArray,
  batch: number,
  units: number,
  dzx: FloatArray | undefined,
  dzh: FloatArray | undefined,
  dh: FloatArray | undefined,
): void {
  const w = 3 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      if (dh !== undefined) { for (let j = 0; j < units; j++) dh[at + j] = dy[at + j]; }
      continue;
    }
    for (let j = 0; j < units; j++) {
      const k = 4 * (at + j);
      const r = keep[k], u = keep[k + 1], nn = keep[k + 2], hn = keep[k + 3];
      const g = dy[at + j];
      const hp = h === undefined ? 0 : h[at + j];
      const dzu = g * (hp - nn) * u * (1 - u);
      const da = g * (1 - u) * (1 - nn * nn);
      const dzr = da * hn * r * (1 - r);
      if (dzx !== undefined) {
        dzx[row + j] = dzr;
        dzx[row + units + j] = dzu;
        dzx[row + 2 * units + j] = da;
      }
      if (dzh !== undefined) {
        dzh[row + j] = dzr;
        dzh[row + units + j] = dzu;
        dzh[row + 2 * units + j] = da * r;
      }
      if (dh !== undefined) dh[at + j] = g * u;
    }
  }
}
