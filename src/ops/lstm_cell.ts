/**
 * The fused LSTM cell: one time step's recurrent product and gate arithmetic in one primitive.
 *
 * With the pre-activations `z = zx + h·U` (`zx = x·W + b`, each `[batch, 4·units]`,
 * gate blocks in the order input, forget, cell, output as PyTorch has them):
 *
 * ```
 * i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
 * c' = f·c + i·g            h' = o·tanh(c')
 * ```
 *
 * The state travels packed as one tensor `hc` of shape `[2, batch, units]` (`hc[0] = h`,
 * `hc[1] = c`): the trace has one output per primitive, so the cell reads `h` and `c` from one
 * input and returns both. Unfused, a step is two `index`es, a `matmul`, four slices, four
 * activations, products and sums and a `stack` (tested equal, in value and gradient, in
 * `test/ops_recurrent_cells_test.ts`).
 *
 * Float32 steps take σ and tanh from `_fast_math.ts` (rational, a few float32 ulps from the
 * exact functions, and several times faster), on the backend's `lstmGates` kernel where it has
 * one (WebAssembly SIMD, for wasm and blas); float64 steps use `Math.tanh` and `Math.exp`. The
 * loops are `_lstm_loops.ts`, which `lstmSequence` runs for every step of a sequence.
 *
 * @module
 */

import { allocate, astype, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { LSTM_KEEP, lstmStep, lstmStepBack } from "./_lstm_loops.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { checkCellArgs, passMasked } from "./_cell_checks.ts";

/**
 * One LSTM step: the input projection `zx = x·W + b` `[batch, 4·units]`, the packed state `hc`
 * `[2, batch, units]` (`undefined`: zeros), the recurrent kernel `u` `[units, 4·units]` and an
 * optional constant `mask` `[batch]` (0 keeps a row's state unchanged). Computes
 * `z = zx + h·U` (the backend's gemm, reading `h = hc[0]` in place) and the gates; returns the
 * next packed state `[2, batch, units]`. Fusing the recurrent product spares a step the
 * `index` that would cut `h` out and the sum of the two cotangents `hc` would then receive.
 * The pullback reads the gates it kept: `dc = dc' + dh'·o·(1 − tanh²c')`,
 * `dz_i = dc·g·i(1 − i)`, `dz_f = dc·c·f(1 − f)`, `dz_g = dc·i·(1 − g²)`,
 * `dz_o = dh'·tanh c'·o(1 − o)`; then `dzx = dz`, `dU = hᵀ·dz`, `dh = dz·Uᵀ` and
 * `dc_prev = dc·f`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { zeros } from "../tensor.ts";
 * // All pre-activations 0: i = f = o = 1/2, g = 0, so c' = c/2 and h' = tanh(c')/2.
 * const hc = untraced().lstmCell(zeros([1, 4]), undefined, zeros([1, 4]));
 * if (hc.shape.join() !== "2,1,1" || hc.data.some((v) => v !== 0)) throw new Error("unexpected");
 * ```
 */
export const lstmCell: Primitive<
  [zx: Tensor, hc: Tensor | undefined, u: Tensor, mask?: Tensor]
> = primitive(
  "lstmCell",
  3,
  (backend, zx: Tensor, hc: Tensor | undefined, u: Tensor, mask?: Tensor) => {
    const { batch, units, dtype } = checkCellArgs("lstmCell", 4, zx, hc, u, mask, 3);
    const n = batch * units, w = 4 * units;
    const z = allocate(dtype, batch * w);
    const h = hc?.data.subarray(0, n);
    if (h !== undefined) backend.gemm(false, false, batch, w, units, h, u.data, z);
    const out = allocate(dtype, 2 * n);
    const keep = allocate(dtype, LSTM_KEEP * n);
    const cPrev = hc?.data.subarray(n, 2 * n);
    const hOut = out.subarray(0, n), cOut = out.subarray(n, 2 * n);
    lstmStep(backend, zx.data, z, h, cPrev, mask?.data, batch, units, hOut, cOut, keep);
    const y = fromTypedArray(out, [2, batch, units]);
    return [y, (dy, needs) => {
      cotangent("lstmCell", dy, y.shape);
      const g = astype(dy, dtype).data;
      const dz = allocate(dtype, batch * w);
      const dhc = needs[1] ? allocate(dtype, 2 * n) : undefined;
      const dcPrev = dhc?.subarray(n, 2 * n);
      lstmStepBack(
        backend,
        g.subarray(0, n),
        g.subarray(n, 2 * n),
        cPrev,
        mask?.data,
        keep,
        batch,
        units,
        dz,
        dcPrev,
      );
      let du: Tensor | undefined;
      if (needs[2]) {
        const d = allocate(dtype, units * w);
        if (h !== undefined) backend.gemm(true, false, units, w, batch, h, dz, d);
        du = fromTypedArray(d, u.shape);
      }
      if (dhc !== undefined) {
        const dh = dhc.subarray(0, n);
        backend.gemm(false, true, batch, units, w, dz, u.data, dh);
        if (mask !== undefined) passMasked(g, mask.data, batch, units, dh);
      }
      return [
        needs[0] ? fromTypedArray(dz, zx.shape) : undefined,
        dhc === undefined ? undefined : fromTypedArray(dhc, [2, batch, units]),
        du,
      ];
    }];
  },
);
