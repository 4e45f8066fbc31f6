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

import type { Backend } from "../kernels/kernels.ts";
import type { FloatArray } from "../tensor.ts";
import { sigmoidOf } from "./_scalar.ts";
import { sigmoid32, tanh32 } from "./_fast_math.ts";

/** Planes of `batch·units` values `keep` holds for the pullback: i, f, g, o and tanh(c'). */
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
  const w = 4 * units, n = batch * units;
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
      const e = at + j;
      keep[e] = i;
      keep[n + e] = f;
      keep[2 * n + e] = g;
      keep[3 * n + e] = o;
      keep[4 * n + e] = tc;
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
  const w = 4 * units, n = batch * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      for (let j = 0; j < w; j++) dz[row + j] = 0;
      if (dcPrev !== undefined) { for (let j = 0; j < units; j++) dcPrev[at + j] = dc[at + j]; }
      continue;
    }
    for (let j = 0; j < units; j++) {
      const e = at + j;
      const i = keep[e], f = keep[n + e], g = keep[2 * n + e], o = keep[3 * n + e];
      const tc = keep[4 * n + e];
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

/**
 * {@linkcode lstmForward} on the backend's `lstmGates` kernel where it has one and the step is
 * float32 (masked rows then copy their state over), else the loop.
 */
export function lstmStep(
  backend: Backend,
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
): void {
  const kernel = backend.lstmGates;
  const n = batch * units;
  const ran = kernel !== undefined && zx instanceof Float32Array && kernel(
    zx,
    zh as Float32Array,
    (c ?? new Float32Array(n)) as Float32Array,
    batch,
    units,
    hOut as Float32Array,
    cOut as Float32Array,
    keep as Float32Array,
  );
  if (!ran) {
    lstmForward(zx, zh, h, c, mask, batch, units, hOut, cOut, keep, zx instanceof Float32Array);
    return;
  }
  if (mask === undefined) return;
  for (let b = 0; b < batch; b++) {
    if (mask[b] !== 0) continue;
    for (let j = b * units; j < (b + 1) * units; j++) {
      hOut[j] = h === undefined ? 0 : h[j];
      cOut[j] = c === undefined ? 0 : c[j];
    }
  }
}

/**
 * {@linkcode lstmBackward} on the backend's `lstmGatesBack` kernel where it has one and the
 * step is float32 (masked rows then get `dz = 0` and pass `dc` through), else the loop.
 */
export function lstmStepBack(
  backend: Backend,
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
  const kernel = backend.lstmGatesBack;
  const n = batch * units, w = 4 * units;
  const fast = kernel !== undefined && dz instanceof Float32Array;
  // The kernel writes dcPrev for every row; the masked rows' pass-through needs dc as it was.
  const passed = !fast || mask === undefined || dcPrev !== dc ? undefined : Float32Array.from(dc);
  const ran = fast && kernel(
    dh as Float32Array,
    dc as Float32Array,
    (cPrev ?? new Float32Array(n)) as Float32Array,
    keep as Float32Array,
    batch,
    units,
    dz,
    (dcPrev ?? new Float32Array(n)) as Float32Array,
  );
  if (!ran) {
    lstmBackward(dh, dc, cPrev, mask, keep, batch, units, dz, dcPrev);
    return;
  }
  if (mask === undefined) return;
  for (let b = 0; b < batch; b++) {
    if (mask[b] !== 0) continue;
    dz.fill(0, b * w, (b + 1) * w);
    if (dcPrev === undefined) continue;
    for (let j = b * units; j < (b + 1) * units; j++) dcPrev[j] = (passed ?? dc)[j];
  }
}
