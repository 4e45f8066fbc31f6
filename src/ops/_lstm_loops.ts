/**
 * The LSTM cell's gate arithmetic and its pullback, one time step over `batch` rows: what the
 * `lstmCell` primitive runs for one step and `lstmSequence` for each step in turn, so the fused
 * sequence's backpropagation through time is the cell's own VJP composed in reverse. Private
 * to `src/ops/`.
 *
 * Top-level loops (not closures made per call), so the engine optimises them once; every
 * array is a plain view the caller hands in (a step of a sequence's workspace, or a cell's
 * fresh buffers), with `h` and `c` apart so a caller may keep them in any layout.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import { sigmoidOf } from "./_scalar.ts";
import { sigmoid32, tanh32 } from "./_fast_math.ts";

/** Values `keep` holds per element for the pullback: i, f, g, o and tanh(c'). */
export const LSTM_KEEP = 5;

/**
 * One step forward: `z = zx + zh` (`[batch, 4·units]`, blocks i, f, g, o), the gates, and
 * the next state into `hOut`, `cOut` (`[batch, units]`). `h`, `c` are the previous state
 * (`undefined`: zeros); a row whose `mask` is 0 keeps it.
 */
export function lstmForward(
  zx: FloatArray,
  zh: FloatArray,
  h: FloatArray | undefined,
  c: FloatArray | undefined,
  mask: FloatArray | undefined,
  batch: number,
  units: number,
  hOut: FloatArray,
  cOut: FloatArray,
  keep: FloatArray,
  fast: boolean,
): void {
  const w = 4 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      for (let j = 0; j < units; j++) {
        hOut[at + j] = h === undefined ? 0 : h[at + j];
        cOut[at + j] = c === undefined ? 0 : c[at + j];
      }
      continue;
    }
    for (let j = 0; j < units; j++) {
      const zi = zx[row + j] + zh[row + j], zf = zx[row + units + j] + zh[row + units + j];
      const zg = zx[row + 2 * units + j] + zh[row + 2 * units + j];
      const zo = zx[row + 3 * units + j] + zh[row + 3 * units + j];
      const i = fast ? sigmoid32(zi) : sigmoidOf(zi);
      const f = fast ? sigmoid32(zf) : sigmoidOf(zf);
      const g = fast ? tanh32(zg) : Math.tanh(zg);
      const o = fast ? sigmoid32(zo) : sigmoidOf(zo);
      const cn = f * (c === undefined ? 0 : c[at + j]) + i * g;
      const tc = fast ? tanh32(cn) : Math.tanh(cn);
      hOut[at + j] = o * tc;
      cOut[at + j] = cn;
      const k = LSTM_KEEP * (at + j);
      keep[k] = i;
      keep[k + 1] = f;
      keep[k + 2] = g;
      keep[k + 3] = o;
      keep[k + 4] = tc;
    }
  }
}

/**
 * One step back: from the cotangents `dh`, `dc` of the step's output state and the gates it
 * kept, `dz` (`[batch, 4·units]`, the cotangent of `zx` and of `zh`) and, when wanted,
 * `dcPrev = dc·f` (a masked row passes `dc` through and gets `dz = 0`). `dh_prev = dz·Uᵀ` is
 * the caller's gemm (then `passMasked`). `dcPrev` may be `dc` itself: each element is read
 * before it is written.
 */
export function lstmBackward(
  dh: FloatArray,
  dc: FloatArray,
  cPrev: FloatArray | undefined,
  mask: FloatArray | undefined,
  keep: FloatArray,
  batch: number,
  units: number,
  dz: FloatArray,
  dcPrev: FloatArray | undefined,
): void {
  const w = 4 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      for (let j = 0; j < w; j++) dz[row + j] = 0;
      if (dcPrev !== undefined) { for (let j = 0; j < units; j++) dcPrev[at + j] = dc[at + j]; }
      continue;
    }
    for (let j = 0; j < units; j++) {
      const k = LSTM_KEEP * (at + j);
      const i = keep[k], f = keep[k + 1], g = keep[k + 2], o = keep[k + 3], tc = keep[k + 4];
      const dho = dh[at + j];
      const dct = dc[at + j] + dho * o * (1 - tc * tc);
      const cp = cPrev === undefined ? 0 : cPrev[at + j];
      dz[row + j] = dct * g * i * (1 - i);
      dz[row + units + j] = dct * cp * f * (1 - f);
      dz[row + 2 * units + j] = dct * i * (1 - g * g);
      dz[row + 3 * units + j] = dho * tc * o * (1 - o);
      if (dcPrev !== undefined) dcPrev[at + j] = dct * f;
    }
  }
}
