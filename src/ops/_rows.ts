/**
 * Bias rows and column sums on the backend's kernels: what `linear` and the fused recurrent
 * sequences add a bias with and sum its cotangent by. Private to `src/ops/`.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import type { FloatArray } from "../tensor.ts";
import { addRowsTs, columnSumsTs } from "../kernels/rows_ts.ts";

// float32: the backend's kernels (wasm SIMD where it has them), else the loops of
// kernels/rows_ts.ts; float64: the loops below. These are functions of their own: JavaScriptCore
// ran them several times slower inline, and an engine optimises a small function early and
// keeps it optimised.

/** `out[i, j] += b[j]` for each of the `n` rows of `out` (freshly allocated by the caller). */
export function addRows(
  backend: Backend,
  out: FloatArray,
  b: FloatArray,
  n: number,
  units: number,
): void {
  if (out instanceof Float32Array && b instanceof Float32Array) {
    (backend.addRows ?? addRowsTs)(out, b, n, units);
  } else addRows64(out, b, n, units);
}

function addRows64(out: FloatArray, b: FloatArray, n: number, units: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * units;
    for (let j = 0; j < units; j++) out[row + j] += b[j];
  }
}

/** Column sums of the `n × units` matrix `g`, accumulated in double, row after row. */
export function columnSums(
  backend: Backend,
  g: FloatArray,
  n: number,
  units: number,
): Float64Array {
  const sums = new Float64Array(units);
  if (g instanceof Float32Array) (backend.columnSums ?? columnSumsTs)(g, n, units, sums);
  else columnSums64(g, n, units, sums);
  return sums;
}

/** Four rows a pass over the sums, in the row-by-row order (as `columnSumsTs`; same bits). */
function columnSums64(g: FloatArray, n: number, units: number, sums: Float64Array): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r0 = i * units, r1 = r0 + units, r2 = r1 + units, r3 = r2 + units;
    for (let j = 0; j < units; j++) {
      sums[j] = (((sums[j] + g[r0 + j]) + g[r1 + j]) + g[r2 + j]) + g[r3 + j];
    }
  }
  for (; i < n; i++) {
    const row = i * units;
    for (let j = 0; j < units; j++) sums[j] += g[row + j];
  }
}
