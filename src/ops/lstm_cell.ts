/**
 * The fused LSTM cell: one time step's gate arithmetic in one primitive.
 *
 * With the pre-activations `z = zx + zh` (`zx = x·W + b`, `zh = h·U`, each `[batch, 4·units]`,
 * gate blocks in the order input, forget, cell, output as PyTorch has them):
 *
 * ```
 * i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
 * c' = f·c + i·g            h' = o·tanh(c')
 * ```
 *
 * The state travels packed as one tensor `hc` of shape `[2, batch, units]` (`hc[0] = h`,
 * `hc[1] = c`): the trace has one output per primitive, and the packing keeps a step to the
 * cell plus one `index` for `h`. Unfused, a step is five slices, four activations and five
 * products and sums (tested equal, in value and gradient, in `test/ops_recurrent_cells_test.ts`).
 *
 * @module
 */

import { allocate, type FloatArray, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { sigmoidOf } from "./_scalar.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { checkCellArgs } from "./_cell_checks.ts";

/**
 * One LSTM step: `zx` and `zh` `[batch, 4·units]` (either may be `undefined`: zero), the
 * packed state `hc` `[2, batch, units]` (`undefined`: zeros) and an optional `mask` `[batch]`
 * (a constant; 0 keeps a row's state unchanged). Returns the next packed state
 * `[2, batch, units]`. The pullback reads the gates it kept: `dc = dc' + dh'·o·(1 − tanh²c')`,
 * `dz_i = dc·g·i(1 − i)`, `dz_f = dc·c·f(1 − f)`, `dz_g = dc·i·(1 − g²)`,
 * `dz_o = dh'·tanh c'·o(1 − o)`, `dc_prev = dc·f`; `zx` and `zh` get the same `dz`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { zeros } from "../tensor.ts";
 * // All pre-activations 0: i = f = o = 1/2, g = 0, so c' = c/2 and h' = tanh(c')/2.
 * const hc = untraced().lstmCell(zeros([1, 4]), undefined, undefined);
 * if (hc.shape.join() !== "2,1,1" || hc.data.some((v) => v !== 0)) throw new Error("unexpected");
 * ```
 */
export const lstmCell: Primitive<
  [zx: Tensor | undefined, zh: Tensor | undefined, hc: Tensor | undefined, mask?: Tensor]
> = primitive(
  "lstmCell",
  3,
  (_backend, zx: Tensor | undefined, zh: Tensor | undefined, hc: Tensor | undefined, mask?) => {
    const { batch, units, dtype } = checkCellArgs("lstmCell", 4, zx, zh, hc, mask);
    if (hc !== undefined && (hc.shape.length !== 3 || hc.shape[0] !== 2)) {
      throw new TypeError(
        `Cannot lstmCell: the packed state hc must have shape [2, ${batch}, ${units}], got ${
          formatShape(hc.shape)
        }`,
      );
    }
    const n = batch * units;
    const out = allocate(dtype, 2 * n);
    const keep = allocate(dtype, 5 * n); // i, f, g, o, tanh(c') per element
    lstmForward(zx?.data, zh?.data, hc?.data, mask?.data, batch, units, out, keep);
    const y = fromTypedArray(out, [2, batch, units]);
    return [y, (dy, needs) => {
      const g = cotangent("lstmCell", dy, y.shape);
      const wantZ = needs[0] || needs[1];
      const dz = wantZ ? allocate(dtype, 4 * n) : undefined;
      const dhc = needs[2] ? allocate(dtype, 2 * n) : undefined;
      lstmBackward(g, hc?.data, mask?.data, keep, batch, units, dz, dhc);
      const dzt = dz === undefined ? undefined : fromTypedArray(dz, [batch, 4 * units]);
      return [
        needs[0] ? dzt : undefined,
        needs[1] ? dzt : undefined,
        dhc === undefined ? undefined : fromTypedArray(dhc, [2, batch, units]),
      ];
    }];
  },
);

// Top-level loops (not closures made per call), so the engine optimises them once.
function lstmForward(
  zx: FloatArray | undefined,
  zh: FloatArray | undefined,
  hc: FloatArray | undefined,
  mask: FloatArray | undefined,
  batch: number,
  units: number,
  out: FloatArray,
  keep: FloatArray,
): void {
  const n = batch * units, w = 4 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      for (let j = 0; j < units; j++) {
        out[at + j] = hc === undefined ? 0 : hc[at + j];
        out[n + at + j] = hc === undefined ? 0 : hc[n + at + j];
      }
      continue;
    }
    for (let j = 0; j < units; j++) {
      let zi = 0, zf = 0, zg = 0, zo = 0;
      if (zx !== undefined) {
        zi = zx[row + j];
        zf = zx[row + units + j];
        zg = zx[row + 2 * units + j];
        zo = zx[row + 3 * units + j];
      }
      if (zh !== undefined) {
        zi += zh[row + j];
        zf += zh[row + units + j];
        zg += zh[row + 2 * units + j];
        zo += zh[row + 3 * units + j];
      }
      const i = sigmoidOf(zi), f = sigmoidOf(zf), g = Math.tanh(zg), o = sigmoidOf(zo);
      const c = f * (hc === undefined ? 0 : hc[n + at + j]) + i * g;
      const tc = Math.tanh(c);
      out[at + j] = o * tc;
      out[n + at + j] = c;
      const k = 5 * (at + j);
      keep[k] = i;
      keep[k + 1] = f;
      keep[k + 2] = g;
      keep[k + 3] = o;
      keep[k + 4] = tc;
    }
  }
}

function lstmBackward(
  dy: FloatArray,
  hc: FloatArray | undefined,
  mask: FloatArray | undefined,
  keep: FloatArray,
  batch: number,
  units: number,
  dz: FloatArray | undefined,
  dhc: FloatArray | undefined,
): void {
  const n = batch * units, w = 4 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      // The state passed through unchanged: so does its cotangent; dz stays 0.
      if (dhc !== undefined) {
        for (let j = 0; j < units; j++) {
          dhc[at + j] = dy[at + j];
          dhc[n + at + j] = dy[n + at + j];
        }
      }
      continue;
    }
    for (let j = 0; j < units; j++) {
      const k = 5 * (at + j);
      const i = keep[k], f = keep[k + 1], g = keep[k + 2], o = keep[k + 3], tc = keep[k + 4];
      const dh = dy[at + j];
      const dc = dy[n + at + j] + dh * o * (1 - tc * tc);
      if (dz !== undefined) {
        const cPrev = hc === undefined ? 0 : hc[n + at + j];
        dz[row + j] = dc * g * i * (1 - i);
        dz[row + units + j] = dc * cPrev * f * (1 - f);
        dz[row + 2 * units + j] = dc * i * (1 - g * g);
        dz[row + 3 * units + j] = dh * tc * o * (1 - o);
      }
      if (dhc !== undefined) dhc[n + at + j] = dc * f;
    }
  }
}
