/**
 * Elementwise loops over whole contiguous arrays of one element type: the common case of the
 * arithmetic primitives (operands of the same shape, or a scalar), kept apart from the strided
 * nests of `_strided.ts`. Private to `src/ops/`.
 *
 * Why they exist: a loop that has seen both `Float32Array` and `Float64Array` operands reads
 * them through a polymorphic element access, which V8 ran about 3x slower than a loop that only
 * ever sees one type; the strided odometer adds its own overhead per run. So each loop here is
 * written once per element type, and callers pick the one for their arrays
 * ({@linkcode denseBinary}, {@linkcode denseScale}). Results are those of the strided loops
 * bit for bit: both compute each element in float64 and round it once when stored.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";

/** `out = a + b` ... as in `_strided.ts`: 0 add, 1 sub, 2 mul, 3 div. */
type Code = 0 | 1 | 2 | 3;

/**
 * `out[i] = a[i] op b[i]` for arrays of one length and element type; false (nothing written)
 * when the types differ, so the caller falls back to the general loop.
 */
export function denseBinary(code: Code, a: FloatArray, b: FloatArray, out: FloatArray): boolean {
  if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
    binary32(code, a, b, out);
    return true;
  }
  if (a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array) {
    binary64(code, a, b, out);
    return true;
  }
  return false;
}

function binary32(code: Code, a: Float32Array, b: Float32Array, out: Float32Array): void {
  const n = out.length;
  if (code === 0) { for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; }
  else if (code === 1) { for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; }
  else if (code === 2) { for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; }
  else for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
}

function binary64(code: Code, a: Float64Array, b: Float64Array, out: Float64Array): void {
  const n = out.length;
  if (code === 0) { for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; }
  else if (code === 1) { for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; }
  else if (code === 2) { for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; }
  else for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
}

/** `out[i] = c·x[i]` (`mode` "mul") or `out[i] = x[i] + c` ("add"), one length. */
export function denseScale(mode: "mul" | "add", x: FloatArray, c: number, out: FloatArray): void {
  if (x instanceof Float32Array && out instanceof Float32Array) {
    if (mode === "mul") mulScalar32(x, c, out);
    else addScalar32(x, c, out);
  } else if (mode === "mul") mulScalar64(x, c, out);
  else addScalar64(x, c, out);
}

function mulScalar32(x: Float32Array, c: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = c * x[i];
}
/** (Float64Array in practice: the callers allocate `out` in `x`'s dtype.) */
function mulScalar64(x: FloatArray, c: number, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) out[i] = c * x[i];
}
function addScalar32(x: Float32Array, c: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] + c;
}
function addScalar64(x: FloatArray, c: number, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] + c;
}

/** `out[i] = -x[i]` for arrays of one length (and, from every caller, one element type). */
export function denseNegate(x: FloatArray, out: FloatArray): void {
  if (x instanceof Float32Array && out instanceof Float32Array) negate32(x, out);
  else negate64(x, out);
}

function negate32(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
}
function negate64(x: FloatArray, out: FloatArray): void {
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
}
