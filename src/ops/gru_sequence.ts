/**
 * The fused GRU over a whole sequence, as `lstm_sequence.ts` is the LSTM's: every step's
 * input projection in one gemm, the steps in a loop of `h·U + rb` and the cell's gate
 * arithmetic, and backpropagation through time inside the pullback. See
 * {@linkcode gruSequence}.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { allocate, astype, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { type Primitive, primitive } from "./primitive.ts";
import { checkSequenceArgs, type SequenceDims } from "./_cell_checks.ts";
import { addRows, GRU_KEEP, gruBackward, gruDirect, gruForward } from "./_gru_loops.ts";
import {
  inputGrads,
  type InputProjection,
  projectInputs,
  recurrentGrad,
  timeMajorMask,
} from "./_sequence_gemms.ts";
import { views, WorkspacePool } from "./_workspace.ts";
import { addStep, toBatchMajor } from "./_time_major.ts";

/**
 * A GRU layer's whole time loop in one primitive: the inputs `x` `[batch, time, features]`,
 * the initial state `h` `[batch, units]` (`undefined`: zeros), the input kernel `w`
 * `[features, 3·units]`, the recurrent kernel `u` `[units, 3·units]`, the input bias `b` and
 * the recurrent bias `rb` (`[3·units]` each, or `undefined`), an optional constant `mask`
 * `[batch, time]` (0 keeps a row's state through that step) and `sequence`. Returns the last
 * state `[batch, units]`, or with `sequence: true` every step's, `[batch, time, units]`.
 *
 * Equal to the per-step composition `h = gruCell(linear(index(x, s, 1), w, b), h, u, rb,
 * mask[:, s])` (tested, value and gradient), with the input projection of all steps one gemm
 * (the bias a row of `W` against a column of ones), and so `[dW; db] = [X 1]ᵀ·dZx`, `dX =
 * dZx·Wᵀ`, `dU = H_prevᵀ·dZh` and `drb = 1ᵀ·dZh` in the pullback; the reverse loop over the
 * steps runs only the cell's pullback (`_gru_loops.ts`, shared with `gruCell`) and
 * `dh = dzh·Uᵀ`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { zeros } from "../tensor.ts";
 * // All pre-activations 0: r = u = 1/2, n = 0, so h' = h/2 stays 0.
 * const t = untraced();
 * const h = t.gruSequence(zeros([1, 3, 2]), undefined, zeros([2, 3]), zeros([1, 3]), undefined, undefined);
 * if (h.shape.join() !== "1,1" || h.data[0] !== 0) throw new Error("unexpected");
 * ```
 */
export const gruSequence: Primitive<
  [
    x: Tensor,
    h: Tensor | undefined,
    w: Tensor,
    u: Tensor,
    b: Tensor | undefined,
    rb: Tensor | undefined,
    mask?: Tensor,
    sequence?: boolean,
  ]
> = primitive(
  "gruSequence",
  6,
  (backend, x: Tensor, h0, w: Tensor, u: Tensor, b, rb, mask?: Tensor, sequence = false) => {
    const dims = checkSequenceArgs(
      "gruSequence",
      3,
      x,
      h0,
      w,
      u,
      [
        { what: "the bias b", value: b },
        { what: "the recurrent bias rb", value: rb },
      ],
      mask,
      sequence,
      2,
    );
    const { batch, time, units, dtype } = dims;
    const n = batch * units, g3 = 3 * units, rows = time * batch, step = batch * g3;
    const fwd = () => gruForwardPass(backend, dims, x, h0, w, u, b, rb, mask);
    let run: GruRun | undefined = fwd();
    const { hs } = run;
    let out: FloatArray;
    if (sequence) {
      out = allocate(dtype, time * n);
      toBatchMajor(hs.subarray(n), batch, time, units, out);
    } else out = hs.slice(time * n);
    const y = fromTypedArray(out, sequence ? [batch, time, units] : [batch, units]);
    return [y, (dy, needs) => {
      cotangent("gruSequence", dy, y.shape);
      const gy = astype(dy, dtype).data;
      // The first run takes the forward's workspace and gives it back at its end; a later one
      // (rare: a trace runs each pullback once) computes the forward again.
      const r = run ?? fwd();
      run = undefined;
      const { proj, mt, keep, hs } = r;
      let dh = allocate(dtype, n), dhNext = allocate(dtype, n);
      if (sequence) addStep(gy, time - 1, batch, time, units, dh);
      else dh.set(gy);
      // The pullback's own workspace, taken and given back within this call. Every unmasked
      // row of both is written before it is read (gruBackward runs for every step, step 0
      // included, before the loop may stop); the loop leaves a masked row's alone: zeros.
      const back = WORKSPACES.take(dtype, 2 * rows * g3);
      if (mt !== undefined) back.fill(0);
      const [dZx, dZh] = views(back, [rows * g3, rows * g3]);
      for (let s = time - 1; s >= 0; s--) {
        const m = mt?.subarray(s * batch, (s + 1) * batch);
        const kept = keep.subarray(s * GRU_KEEP * n, (s + 1) * GRU_KEEP * n);
        const dzh = dZh.subarray(s * step, (s + 1) * step);
        const h = hs.subarray(s * n, (s + 1) * n);
        gruBackward(dh, h, m, kept, batch, units, dZx.subarray(s * step, (s + 1) * step), dzh);
        if (s === 0 && !needs[1]) break;
        backend.gemm(false, true, batch, units, g3, dzh, u.data, dhNext);
        gruDirect(dh, kept, m, batch, units, dhNext);
        if (sequence && s > 0) addStep(gy, s - 1, batch, time, units, dhNext);
        [dh, dhNext] = [dhNext, dh];
      }
      const { dx, dw, db } = inputGrads(backend, proj, dZx, x, w, dims, g3, {
        x: needs[0],
        w: needs[2],
        b: needs[4],
      });
      const du = needs[3] ? recurrentGrad(backend, hs, dZh, h0 !== undefined, dims, g3) : undefined;
      const drb = needs[5] && rb !== undefined ? sumRows(backend, dZh, rows, g3, dtype) : undefined;
      WORKSPACES.give(r.workspace);
      WORKSPACES.give(back);
      return [
        dx,
        needs[1] ? fromTypedArray(dh.slice(), [batch, units]) : undefined,
        dw,
        du,
        db,
        drb,
      ];
    }];
  },
);

/** What the forward pass leaves for the pullback, all views of one `workspace`. */
interface GruRun {
  readonly workspace: FloatArray;
  readonly proj: InputProjection;
  readonly mt: FloatArray | undefined;
  /** hs[s]: the state before step s (hs[0] the initial one), time-major. */
  readonly hs: FloatArray;
  readonly keep: FloatArray;
}

/** The buffers sequences leave for their pullbacks, reused from step to step. */
const WORKSPACES = new WorkspacePool("gruSequence");

/**
 * The time loop: every step's input projection, then per step `h·U + rb` and the gates. Every
 * element of the workspace that the pullback reads is written here (it is not zeroed).
 */
function gruForwardPass(
  backend: Backend,
  dims: SequenceDims,
  x: Tensor,
  h0: Tensor | undefined,
  w: Tensor,
  u: Tensor,
  b: Tensor | undefined,
  rb: Tensor | undefined,
  mask: Tensor | undefined,
): GruRun {
  const { batch, time, units, dtype } = dims;
  const n = batch * units, g3 = 3 * units, rows = time * batch, step = batch * g3;
  const sizes = [rows * g3, (time + 1) * n, GRU_KEEP * rows * units, step];
  const workspace = WORKSPACES.take(dtype, sizes.reduce((p, q) => p + q));
  const [zxBuf, hs, keep, zh] = views(workspace, sizes);
  const proj = projectInputs(backend, x, dims, w, b, g3, zxBuf), zx = proj.zx;
  const mt = timeMajorMask(mask, dims);
  // Masked rows' gates are skipped by the loop (and never read back): zeros, not stale values.
  if (mt !== undefined) keep.fill(0);
  if (h0 !== undefined) hs.set(h0.data);
  else hs.fill(0, 0, n);
  const fast = dtype === "float32";
  for (let s = 0; s < time; s++) {
    const h = hs.subarray(s * n, (s + 1) * n);
    if (s > 0 || h0 !== undefined) backend.gemm(false, false, batch, g3, units, h, u.data, zh);
    else zh.fill(0);
    if (rb !== undefined) addRows(zh, rb.data, batch, g3);
    gruForward(
      zx.subarray(s * step, (s + 1) * step),
      zh,
      h,
      mt?.subarray(s * batch, (s + 1) * batch),
      batch,
      units,
      hs.subarray((s + 1) * n, (s + 2) * n),
      keep.subarray(s * GRU_KEEP * n, (s + 1) * GRU_KEEP * n),
      fast,
    );
  }
  return { workspace, proj, mt, hs, keep };
}

/** `1ᵀ·m` for `m` `[rows, width]`: the recurrent bias's cotangent, on the gemm. */
function sumRows(
  backend: Backend,
  m: FloatArray,
  rows: number,
  width: number,
  dtype: SequenceDims["dtype"],
): Tensor {
  const ones = allocate(dtype, rows).fill(1), out = allocate(dtype, width);
  backend.gemm(false, false, 1, width, rows, ones, m, out);
  return fromTypedArray(out, [width]);
}
