/**
 * The GRU cell's gate arithmetic and its pullback, one time step over `batch` rows: what the
 * `gruCell` primitive runs for one step and `gruSequence` for each step in turn, so the fused
 * sequence's backpropagation through time is the cell's own VJP composed in reverse. Private
 * to `src/ops/`.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import { sigmoidOf } from "./_scalar.ts";
import { sigmoid32, tanh32 } from "./_fast_math.ts";

/** Values `keep` holds per element for the pullback: r, u, n and zh_n. */
export const GRU_KEEP = 4;

// Top-level loops (not closures made per call), so the engine optimises them once.
export function gruForward(
  zx: FloatArray,
  zh: FloatArray,
  h: FloatArray | undefined,
  mask: FloatArray | undefined,
  batch: number,
  units: number,
  out: FloatArray,
  keep: FloatArray,
  fast: boolean,
): void {
  const w = 3 * units;
  for (let b = 0; b < batch; b++) {
    const row = b * w, at = b * units;
    if (mask !== undefined && mask[b] === 0) {
      for (let j = 0; j < units; j++) out[at + j] = h === undefined ? 0 : h[at + j];
      continue;
    }
    for (let j = 0; j < units; j++) {
      const xr = zx[row + j], xu = zx[row + units + j], xn = zx[row + 2 * units + j];
      const hr = zh[row + j], hu = zh[row + units + j], hn = zh[row + 2 * units + j];
      const r = fast ? sigmoid32(xr + hr) : sigmoidOf(xr + hr);
      const u = fast ? sigmoid32(xu + hu) : sigmoidOf(xu + hu);
      const nn = fast ? tanh32(xn + r * hn) : Math.tanh(xn + r * hn);
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

export function gruBackward(
  dy: FloatArray,
  h: FloatArray | undefined,
  mask: FloatArray | undefined,
  keep: FloatArray,
  batch: number,
  units: number,
  dzx: FloatArray,
  dzh: FloatArray,
): void {
  const w = 3 * units;
  for (let b = 0; b < batch; b++) {
    if (mask !== undefined && mask[b] === 0) continue; // the state passed through: dz = 0
    const row = b * w, at = b * units;
    for (let j = 0; j < units; j++) {
      const k = 4 * (at + j);
      const r = keep[k], u = keep[k + 1], nn = keep[k + 2], hn = keep[k + 3];
      const g = dy[at + j];
      const hp = h === undefined ? 0 : h[at + j];
      const dzu = g * (hp - nn) * u * (1 - u);
      const da = g * (1 - u) * (1 - nn * nn);
      const dzr = da * hn * r * (1 - r);
      dzx[row + j] = dzr;
      dzx[row + units + j] = dzu;
      dzx[row + 2 * units + j] = da;
      dzh[row + j] = dzr;
      dzh[row + units + j] = dzu;
      dzh[row + 2 * units + j] = da * r;
    }
  }
}

/** `dh += dy·u` (the direct path `u·h`), or `dh += dy` for a masked row that passed through. */
export function gruDirect(
  dy: FloatArray,
  keep: FloatArray,
  mask: FloatArray | undefined,
  batch: number,
  units: number,
  dh: FloatArray,
): void {
  for (let b = 0; b < batch; b++) {
    const at = b * units, pass = mask !== undefined && mask[b] === 0;
    for (let j = 0; j < units; j++) {
      dh[at + j] += pass ? dy[at + j] : dy[at + j] * keep[4 * (at + j) + 1];
    }
  }
}

/** `out[i, j] += b[j]` for each of the `n` rows of `out`. */
export function addRows(out: FloatArray, b: FloatArray, n: number, width: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) out[row + j] += b[j];
  }
}

/** Column sums of the `n × width` matrix `g` into `out`, accumulated in double. */
export function columnSums(g: FloatArray, n: number, width: number, out: FloatArray): void {
  const sums = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) sums[j] += g[row + j];
  }
  out.set(sums);
}
