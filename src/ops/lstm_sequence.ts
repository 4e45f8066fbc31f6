/**
 * The fused LSTM over a whole sequence: every step's input projection in one gemm, the steps
 * in a loop of `h·U` and the cell's gate arithmetic, and backpropagation through time inside
 * the pullback. See {@linkcode lstmSequence}.
 *
 * @module
 */

import { allocate, astype, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { checkSequenceArgs, passMasked, type SequenceDims } from "./_cell_checks.ts";
import { LSTM_KEEP, lstmStep, lstmStepBack } from "./_lstm_loops.ts";
import {
  inputGrads,
  type InputProjection,
  projectInputs,
  recurrentGrad,
  timeMajorMask,
} from "./_sequence_gemms.ts";
import { views, WorkspacePool } from "./_workspace.ts";
import type { Backend } from "../kernels/kernels.ts";
import { addStep, toBatchMajor } from "./_time_major.ts";

/**
 * An LSTM layer's whole time loop in one primitive: the inputs `x` `[batch, time, features]`,
 * the packed initial state `hc` `[2, batch, units]` (`hc[0] = h`, `hc[1] = c`; `undefined`:
 * zeros), the input kernel `w` `[features, 4·units]`, the recurrent kernel `u` `[units,
 * 4·units]`, the bias `b` `[4·units]` (or `undefined`), an optional constant `mask` `[batch,
 * time]` (0 keeps a row's state through that step) and `sequence`. Returns the last packed
 * state `[2, batch, units]`, or with `sequence: true` every step's, `[2, batch, time, units]`.
 *
 * Equal to the per-step composition `hc = lstmCell(linear(index(x, s, 1), w, b), hc, u,
 * mask[:, s])` for `s = 0 … time−1` (tested, value and gradient), but the input projection of
 * all steps is one `[batch·time, features]·[features, 4·units]` gemm, and so in the pullback
 * are `dW = Xᵀ·dZ`, `dX = dZ·Wᵀ` and `dU = H_prevᵀ·dZ` over the stacked steps; the reverse
 * loop over the steps runs only the cell's own pullback (`_lstm_loops.ts`, shared with
 * `lstmCell`) and `dh = dz·Uᵀ`. Per step, a slice of `x` would instead cost a cotangent of
 * `x`'s full size (what `index`'s pullback returns) and the trace's sum of `time` of them.
 * The work is time-major (a step's rows contiguous, as a gemm reads them); the buffers are
 * made once a call, not once a step.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { zeros } from "../tensor.ts";
 * // All pre-activations 0: i = f = o = 1/2, g = 0, so the state stays 0.
 * const t = untraced();
 * const hc = t.lstmSequence(zeros([1, 3, 2]), undefined, zeros([2, 4]), zeros([1, 4]), undefined);
 * const all = t.lstmSequence(zeros([1, 3, 2]), undefined, zeros([2, 4]), zeros([1, 4]), undefined, undefined, true);
 * if (hc.shape.join() !== "2,1,1" || all.shape.join() !== "2,1,3,1") throw new Error("unexpected");
 * ```
 */
export const lstmSequence: Primitive<
  [
    x: Tensor,
    hc: Tensor | undefined,
    w: Tensor,
    u: Tensor,
    b: Tensor | undefined,
    mask?: Tensor,
    sequence?: boolean,
  ]
> = primitive(
  "lstmSequence",
  5,
  (backend, x: Tensor, hc, w: Tensor, u: Tensor, b, mask?: Tensor, sequence = false) => {
    const dims = checkSequenceArgs(
      "lstmSequence",
      4,
      x,
      hc,
      w,
      u,
      [
        { what: "the bias b", value: b },
      ],
      mask,
      sequence,
      3,
    );
    const fwd = () => lstmForwardPass(backend, dims, x, hc, w, u, b, mask);
    let run: LstmRun | undefined = fwd();
    const { batch, time, units, dtype } = dims;
    const n = batch * units, g4 = 4 * units, step = batch * g4;
    const { hs, cs } = run;
    const y = sequence ? everyState(hs, cs, dims) : lastState(hs, cs, dims);
    return [y, (dy, needs) => {
      cotangent("lstmSequence", dy, y.shape);
      const gy = astype(dy, dtype).data;
      // The first run takes the forward's workspace and gives it back at its end; a later one
      // (rare: a trace runs each pullback once) computes the forward again.
      const r = run ?? fwd();
      run = undefined;
      const { proj, mt, keep, hs, cs } = r;
      const all = batch * time * units;
      let dh = allocate(dtype, n), dhNext = allocate(dtype, n);
      const dc = allocate(dtype, n);
      if (sequence) {
        addStep(gy, time - 1, batch, time, units, dh);
        addStep(gy.subarray(all), time - 1, batch, time, units, dc);
      } else {
        dh.set(gy.subarray(0, n));
        dc.set(gy.subarray(n, 2 * n));
      }
      const dZ = proj.zx; // every row is written before it is read
      for (let s = time - 1; s >= 0; s--) {
        const dz = dZ.subarray(s * step, (s + 1) * step);
        const m = mt?.subarray(s * batch, (s + 1) * batch);
        const kept = keep.subarray(s * LSTM_KEEP * n, (s + 1) * LSTM_KEEP * n);
        lstmStepBack(
          backend,
          dh,
          dc,
          cs.subarray(s * n, (s + 1) * n),
          m,
          kept,
          batch,
          units,
          dz,
          dc,
        );
        if (s === 0 && !needs[1]) break;
        backend.gemm(false, true, batch, units, g4, dz, u.data, dhNext);
        if (m !== undefined) passMasked(dh, m, batch, units, dhNext);
        if (sequence && s > 0) {
          addStep(gy, s - 1, batch, time, units, dhNext);
          addStep(gy.subarray(all), s - 1, batch, time, units, dc);
        }
        [dh, dhNext] = [dhNext, dh];
      }
      let dhc: Tensor | undefined;
      if (needs[1]) {
        const d = allocate(dtype, 2 * n);
        d.set(dh);
        d.set(dc, n);
        dhc = fromTypedArray(d, [2, batch, units]);
      }
      const { dx, dw, db } = inputGrads(backend, proj, dZ, x, w, dims, g4, {
        x: needs[0],
        w: needs[2],
        b: needs[4],
      });
      const du = needs[3] ? recurrentGrad(backend, hs, dZ, hc !== undefined, dims, g4) : undefined;
      WORKSPACES.give(r.workspace);
      return [dx, dhc, dw, du, db];
    }];
  },
);

/** Where the forward pass leaves what the pullback reads, all views of one `workspace`. */
interface LstmRun {
  readonly workspace: FloatArray;
  readonly proj: InputProjection;
  readonly mt: FloatArray | undefined;
  /** hs[s], cs[s]: the state before step s (hs[0] the initial one), time-major. */
  readonly hs: FloatArray;
  readonly cs: FloatArray;
  readonly keep: FloatArray;
}

/** The buffers sequences leave for their pullbacks, reused from step to step. */
const WORKSPACES = new WorkspacePool("lstmSequence");

/**
 * The time loop: the input projection of every step, then per step `h·U` and the gates. Every
 * element of the workspace that the pullback reads is written here (it is not zeroed).
 */
function lstmForwardPass(
  backend: Backend,
  dims: SequenceDims,
  x: Tensor,
  hc: Tensor | undefined,
  w: Tensor,
  u: Tensor,
  b: Tensor | undefined,
  mask: Tensor | undefined,
): LstmRun {
  const { batch, time, units, dtype } = dims;
  const n = batch * units, g4 = 4 * units, rows = time * batch, step = batch * g4;
  const sizes = [rows * g4, (time + 1) * n, (time + 1) * n, LSTM_KEEP * rows * units, step];
  const workspace = WORKSPACES.take(dtype, sizes.reduce((p, q) => p + q));
  const [zxBuf, hs, cs, keep, zh] = views(workspace, sizes);
  // zx, then (zx no longer needed) every pullback's dZ: one buffer of the largest size.
  const proj = projectInputs(backend, x, dims, w, b, g4, zxBuf), zx = proj.zx;
  const mt = timeMajorMask(mask, dims);
  // Masked rows' gates are skipped by the loops (and never read back): zeros, not stale values.
  if (mt !== undefined) keep.fill(0);
  if (hc !== undefined) {
    hs.set(hc.data.subarray(0, n));
    cs.set(hc.data.subarray(n, 2 * n));
  } else {
    hs.fill(0, 0, n);
    cs.fill(0, 0, n);
    zh.fill(0); // step 0 has no h·U to add
  }
  for (let s = 0; s < time; s++) {
    const h = hs.subarray(s * n, (s + 1) * n), c = cs.subarray(s * n, (s + 1) * n);
    if (s > 0 || hc !== undefined) backend.gemm(false, false, batch, g4, units, h, u.data, zh);
    lstmStep(
      backend,
      zx.subarray(s * step, (s + 1) * step),
      zh,
      h,
      c,
      mt?.subarray(s * batch, (s + 1) * batch),
      batch,
      units,
      hs.subarray((s + 1) * n, (s + 2) * n),
      cs.subarray((s + 1) * n, (s + 2) * n),
      keep.subarray(s * LSTM_KEEP * n, (s + 1) * LSTM_KEEP * n),
    );
  }
  return { workspace, proj, mt, hs, cs, keep };
}

/** The state after the last step, packed `[2, batch, units]`. */
function lastState(hs: FloatArray, cs: FloatArray, d: SequenceDims): Tensor {
  const n = d.batch * d.units, out = allocate(d.dtype, 2 * n);
  out.set(hs.subarray(d.time * n));
  out.set(cs.subarray(d.time * n), n);
  return fromTypedArray(out, [2, d.batch, d.units]);
}

/** Every step's state, packed batch-major `[2, batch, time, units]`. */
function everyState(hs: FloatArray, cs: FloatArray, d: SequenceDims): Tensor {
  const { batch, time, units } = d, n = batch * units, all = time * n;
  const out = allocate(d.dtype, 2 * all);
  toBatchMajor(hs.subarray(n), batch, time, units, out.subarray(0, all));
  toBatchMajor(cs.subarray(n), batch, time, units, out.subarray(all));
  return fromTypedArray(out, [2, batch, time, units]);
}
