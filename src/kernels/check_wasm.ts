/**
 * The argument checks of the WebAssembly kernels that are not the gemm's (`check_gemm.ts`):
 * each throws a `TypeError` naming the kernel before any array is copied into the module.
 *
 * @module
 */

/** TypeError unless every array is a Float32Array of the first one's length. */
export function checkElementwise(op: string, arrays: readonly unknown[]): void {
  const n = (arrays[0] as Float32Array).length;
  for (const a of arrays) {
    if (!(a instanceof Float32Array) || a.length !== n) {
      throw new TypeError(`${op} kernel: expects float32 arrays of one length`);
    }
  }
}

/** TypeError unless `m` is a float32 `n × units` matrix and the other array fits (`ok`). */
export function checkRows(op: string, m: unknown, n: number, units: number, ok: boolean): void {
  if (
    !(m instanceof Float32Array) || !Number.isSafeInteger(n) || !Number.isSafeInteger(units) ||
    n < 0 || units < 0 || m.length < n * units || !ok
  ) {
    throw new TypeError(`${op} kernel: expects a float32 n × units matrix and a matching array`);
  }
}

/** TypeError unless the LSTM step's arrays are float32 of their lengths: `[batch, 4·units]`, `[batch·units]`, `keep` `[5·batch·units]`. */
export function checkLstm(
  op: string,
  batch: number,
  units: number,
  wide: readonly unknown[],
  narrow: readonly unknown[],
  keep: unknown,
): void {
  const n = batch * units;
  const fits = (a: unknown, length: number) => a instanceof Float32Array && a.length === length;
  if (
    !Number.isSafeInteger(n) || batch < 0 || units < 0 || !wide.every((a) => fits(a, 4 * n)) ||
    !narrow.every((a) => fits(a, n)) || !fits(keep, 5 * n)
  ) {
    throw new TypeError(
      `${op} kernel: expects float32 arrays [batch, 4·units], [batch·units] and keep [5·batch·units] for batch ${batch}, units ${units}`,
    );
  }
}
