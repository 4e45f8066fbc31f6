/**
 * WebAssembly text of the fused rectifier and 2x2 max pool at stride 2
 * (`Backend.reluMaxPool2x2`), assembled into the kernels module with the gemm (see
 * `gemm_wat.ts` and `deno task build:wasm`).
 *
 * Exports `relu_max_pool_2x2_f32(batch, h, w, c, x, out, arg)`: `x` a float32
 * `[batch, h, w, c]` array at byte address `x`; for each output `(b, i, j, ch)` of
 * `[batch, ⌊h/2⌋, ⌊w/2⌋, c]` the first maximum of its window (row-major; NaN wins over any
 * number, as `v > m || (v !== v && m === m)` in the TypeScript loop), stored rectified (+0
 * unless positive or NaN), and in `arg` (int32) the window element's index into `x` where the
 * maximum is positive, else -1. Channels go four lanes at a time, the rest one at a time.
 *
 * @module
 */

const lanes = (v: string) => `(v128.const i32x4 ${v} ${v} ${v} ${v})`;

/**
 * One tap at element offset `$d` from the window's first: where it wins, it replaces the
 * running maximum `$m` and index `$best` (vector form when `v`, else scalar).
 */
function tap(v: boolean, d: string): string {
  if (v) {
    return `
            (local.set $vv (v128.load (i32.add (local.get $x)
              (i32.shl (i32.add (local.get $p) ${d}) (i32.const 2)))))
            (local.set $mask (v128.or (f32x4.gt (local.get $vv) (local.get $vm))
              (v128.and (f32x4.ne (local.get $vv) (local.get $vv))
                (f32x4.eq (local.get $vm) (local.get $vm)))))
            (local.set $vm (v128.bitselect (local.get $vv) (local.get $vm) (local.get $mask)))
            (local.set $vbest (v128.bitselect
              (i32x4.add (local.get $vbest0) (i32x4.splat ${d}))
              (local.get $vbest) (local.get $mask)))`;
  }
  return `
            (local.set $sv (f32.load (i32.add (local.get $x)
              (i32.shl (i32.add (local.get $p) ${d}) (i32.const 2)))))
            (if (i32.or (f32.gt (local.get $sv) (local.get $sm))
                  (i32.and (f32.ne (local.get $sv) (local.get $sv))
                    (f32.eq (local.get $sm) (local.get $sm))))
              (then (local.set $sm (local.get $sv))
                (local.set $sbest (i32.add (local.get $p) ${d}))))`;
}

/** The store of one output (vector or scalar) at element `$o + $ch`. */
function store(v: boolean): string {
  const out = `(i32.add (local.get $out) (i32.shl (i32.add (local.get $o) (local.get $ch))
              (i32.const 2)))`;
  const arg = out.replace("$out", "$arg");
  if (v) {
    return `
            (local.set $mask (f32x4.gt (local.get $vm) ${lanes("0")}))
            (v128.store ${out} (v128.and (local.get $vm) (v128.or (local.get $mask)
              (f32x4.ne (local.get $vm) (local.get $vm)))))
            (v128.store ${arg}
              (v128.bitselect (local.get $vbest) ${lanes("-1")} (local.get $mask)))`;
  }
  return `
            (f32.store ${out} (select (local.get $sm) (f32.const 0)
              (i32.or (f32.gt (local.get $sm) (f32.const 0))
                (f32.ne (local.get $sm) (local.get $sm)))))
            (i32.store ${arg} (select (local.get $sbest) (i32.const -1)
              (f32.gt (local.get $sm) (f32.const 0))))`;
}

/**
 * The function, as a module field (to be placed inside a `(module ...)` with a memory).
 *
 * @example
 * ```ts
 * import { poolWat } from "./pool_wat.ts";
 * if (!poolWat().includes('(export "relu_max_pool_2x2_f32")')) throw new Error("missing");
 * ```
 */
export function poolWat(): string {
  const d = {
    right: "(local.get $c)",
    down: "(local.get $down)",
    diag: "(i32.add (local.get $down) (local.get $c))",
  };
  return `
  (func (export "relu_max_pool_2x2_f32") (param $batch i32) (param $h i32) (param $w i32)
    (param $c i32) (param $x i32) (param $out i32) (param $arg i32)
    (local $oh i32) (local $ow i32) (local $b i32) (local $i i32) (local $j i32)
    (local $ch i32) (local $cv i32) (local $s i32) (local $o i32) (local $p i32)
    (local $down i32) (local $vm v128) (local $vv v128) (local $mask v128)
    (local $vbest v128) (local $vbest0 v128) (local $sm f32) (local $sv f32) (local $sbest i32)
    (local.set $oh (i32.shr_u (local.get $h) (i32.const 1)))
    (local.set $ow (i32.shr_u (local.get $w) (i32.const 1)))
    (local.set $down (i32.mul (local.get $w) (local.get $c)))
    (local.set $cv (i32.and (local.get $c) (i32.const -4)))
    (block $bdone (loop $bl
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $i (i32.const 0))
      (block $idone (loop $il
        (br_if $idone (i32.ge_u (local.get $i) (local.get $oh)))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jl
          (br_if $jdone (i32.ge_u (local.get $j) (local.get $ow)))
          (local.set $s (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b)
            (local.get $h)) (i32.shl (local.get $i) (i32.const 1))) (local.get $w))
            (i32.shl (local.get $j) (i32.const 1))) (local.get $c)))
          (local.set $o (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b)
            (local.get $oh)) (local.get $i)) (local.get $ow)) (local.get $j)) (local.get $c)))
          (local.set $ch (i32.const 0))
          (block $vdone (loop $vl
            (br_if $vdone (i32.ge_u (local.get $ch) (local.get $cv)))
            (local.set $p (i32.add (local.get $s) (local.get $ch)))
            (local.set $vbest0 (i32x4.add (i32x4.splat (local.get $p))
              (v128.const i32x4 0 1 2 3)))
            (local.set $vbest (local.get $vbest0))
            (local.set $vm (v128.load (i32.add (local.get $x)
              (i32.shl (local.get $p) (i32.const 2)))))${tap(true, d.right)}${tap(true, d.down)}${
    tap(true, d.diag)
  }${store(true)}
            (local.set $ch (i32.add (local.get $ch) (i32.const 4)))
            (br $vl)))
          (block $sdone (loop $sl
            (br_if $sdone (i32.ge_u (local.get $ch) (local.get $c)))
            (local.set $p (i32.add (local.get $s) (local.get $ch)))
            (local.set $sbest (local.get $p))
            (local.set $sm (f32.load (i32.add (local.get $x)
              (i32.shl (local.get $p) (i32.const 2)))))${tap(false, d.right)}${tap(false, d.down)}${
    tap(false, d.diag)
  }${store(false)}
            (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
            (br $sl)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl)))
  )`;
}
