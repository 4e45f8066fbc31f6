/**
 * Argument checks shared by the gemm backends. BLAS and WebAssembly read raw memory, so a
 * short array or a mixed dtype would read past the end or reinterpret bits; every backend
 * object checks before it calls its kernel.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";
import { describeValue } from "../_checks.ts";

function typeName(x: unknown): string {
  return ArrayBuffer.isView(x) ? x.constructor.name : describeValue(x);
}

/**
 * Throws a `TypeError` naming the values unless `m`, `n`, `k` are non-negative integers,
 * `a`, `b`, `out` are all `Float32Array` or all `Float64Array`, and each holds at least the
 * elements its role needs (`m·k`, `k·n`, `m·n`).
 *
 * @example
 * ```ts
 * import { checkGemmArgs } from "./check_gemm.ts";
 * const f = new Float32Array(6);
 * checkGemmArgs(2, 3, 1, f, f, f); // fine: needs 2, 3 and 6 elements
 * let threw = false;
 * try {
 *   checkGemmArgs(2, 3, 4, f, f, f);
 * } catch (e) {
 *   threw = e instanceof TypeError;
 * }
 * if (!threw) throw new Error("expected a TypeError");
 * ```
 */
export function checkGemmArgs(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  op = "checkGemmArgs",
): void {
  if (
    !(Number.isInteger(m) && m >= 0 && Number.isInteger(n) && n >= 0) ||
    !(Number.isInteger(k) && k >= 0)
  ) {
    throw new TypeError(
      `${op}: m, n and k must be non-negative integers, got m=${describeValue(m)}, n=${
        describeValue(n)
      }, k=${describeValue(k)}`,
    );
  }
  const f32 = out instanceof Float32Array;
  if (!f32 && !(out instanceof Float64Array)) {
    throw new TypeError(`${op}: out must be a Float32Array or Float64Array, got ${typeName(out)}`);
  }
  const T = f32 ? Float32Array : Float64Array;
  if (!(a instanceof T) || !(b instanceof T)) {
    throw new TypeError(
      `${op}: a, b and out must share one element type, got ${typeName(a)}, ${typeName(b)} ` +
        `and ${typeName(out)}`,
    );
  }
  if (a.length < m * k) {
    throw new TypeError(`${op}: a has ${a.length} elements but op(a) is ${m}×${k}`);
  }
  if (b.length < k * n) {
    throw new TypeError(`${op}: b has ${b.length} elements but op(b) is ${k}×${n}`);
  }
  if (out.length < m * n) {
    throw new TypeError(`${op}: out has ${out.length} elements but the product is ${m}×${n}`);
  }
}
