/**
 * WebAssembly text of the bias loops of the `linear` primitive (`Backend.addRows`,
 * `Backend.columnSums`), assembled into the kernels module with the gemm (see `gemm_wat.ts`
 * and `deno task build:wasm`).
 *
 * Exports, for an `n × units` float32 matrix at byte address `m` of the module's memory:
 * `add_rows_f32(n, units, m, b)` adds the float32 row `b` to every row of `m` in place (one
 * float32 addition per element, as JavaScript's rounded double addition gives), and
 * `column_sums_f32(n, units, m, sums)` writes the float64 column sums of `m` to `sums`, adding
 * the rows in order in double (the TypeScript loop's additions, so the same bits). Four lanes
 * (two for the sums) at a time, then the columns left over one at a time.
 *
 * @module
 */

/** `for i in [0, n): for j in [0, units)`, the columns `step` at a time, then one at a time. */
function rows(vbody: string, sbody: string, step: number): string {
  return `
    (local.set $i (i32.const 0))
    (block $idone (loop $iloop
      (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $row (i32.add (local.get $m) (i32.shl (i32.mul (local.get $i) (local.get $units)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $vdone (loop $vloop
        (br_if $vdone (i32.gt_u (i32.add (local.get $j) (i32.const ${step})) (local.get $units)))${vbody}
        (local.set $j (i32.add (local.get $j) (i32.const ${step})))
        (br $vloop)))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $units)))${sbody}
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $sloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iloop)))`;
}

const f32At = (base: string) =>
  `(i32.add (local.get $${base}) (i32.shl (local.get $j) (i32.const 2)))`;
const f64At = (base: string) =>
  `(i32.add (local.get $${base}) (i32.shl (local.get $j) (i32.const 3)))`;

/**
 * The two functions, as module fields (to be placed inside a `(module ...)` that exports its
 * memory).
 *
 * @example
 * ```ts
 * import { rowsWat } from "./rows_wat.ts";
 * if (!rowsWat().includes('(export "column_sums_f32")')) throw new Error("missing export");
 * ```
 */
export function rowsWat(): string {
  const locals = "(local $i i32) (local $j i32) (local $row i32)";
  const add = rows(
    `
        (v128.store ${f32At("row")} (f32x4.add (v128.load ${f32At("row")}) (v128.load ${
      f32At("b")
    })))`,
    `
        (f32.store ${f32At("row")} (f32.add (f32.load ${f32At("row")}) (f32.load ${f32At("b")})))`,
    4,
  );
  const sums = rows(
    `
        (v128.store ${f64At("sums")} (f64x2.add (v128.load ${f64At("sums")})
          (f64x2.promote_low_f32x4 (v128.load64_zero ${f32At("row")}))))`,
    `
        (f64.store ${f64At("sums")} (f64.add (f64.load ${f64At("sums")})
          (f64.promote_f32 (f32.load ${f32At("row")}))))`,
    2,
  );
  return `
  (func (export "add_rows_f32") (param $n i32) (param $units i32) (param $m i32) (param $b i32)
    ${locals}${add})
  (func (export "column_sums_f32") (param $n i32) (param $units i32) (param $m i32) (param $sums i32)
    ${locals}
    (memory.fill (local.get $sums) (i32.const 0) (i32.shl (local.get $units) (i32.const 3)))${sums})`;
}
