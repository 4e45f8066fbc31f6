/**
 * WebAssembly text of the float32 rectifier and its pullback (`Backend.relu`,
 * `Backend.reluBack`), assembled into the kernels module with the gemm (see `gemm_wat.ts` and
 * `deno task build:wasm`).
 *
 * Exports `relu_f32(n, x, y)` and `relu_back_f32(n, x, g, dx)`: `n` elements at byte addresses
 * of the module's memory. Both work on the bits, four lanes at a time, with no branch per
 * element, exactly as the TypeScript loops of `relu_ts.ts`: `y = x` where `x > 0` or `x` is NaN
 * (bits > 0 as an int32, or |bits| above +Infinity's), else +0; `dx = g` where `x > 0`
 * (bits in [1, +Infinity's]), else +0. `n` may be any length: the last partial vector is done
 * one lane at a time.
 *
 * @module
 */

const INF = "0x7f800000";
const ABS = "0x7fffffff";
const splat = (v: string) => `(v128.const i32x4 ${v} ${v} ${v} ${v})`;

/** The vector (`v` = true) or scalar form of the forward mask of the bits in `$b`. */
function keepForward(v: boolean): string {
  if (v) {
    return `(v128.or (i32x4.gt_s (local.get $vb) ${splat("0")})
          (i32x4.gt_s (v128.and (local.get $vb) ${splat(ABS)}) ${splat(INF)}))`;
  }
  return `(i32.sub (i32.const 0) (i32.or (i32.gt_s (local.get $sb) (i32.const 0))
          (i32.gt_s (i32.and (local.get $sb) (i32.const ${ABS})) (i32.const ${INF}))))`;
}

/** The mask of `x > 0`: bits in [1, +Infinity's] as an int32. */
function keepBackward(v: boolean): string {
  if (v) {
    return `(v128.and (i32x4.gt_s (local.get $vb) ${splat("0")})
          (i32x4.le_s (local.get $vb) ${splat(INF)}))`;
  }
  return `(i32.sub (i32.const 0) (i32.and (i32.gt_s (local.get $sb) (i32.const 0))
          (i32.le_s (local.get $sb) (i32.const ${INF}))))`;
}

/** A loop over `n` elements: vectors of four, then the rest one at a time. */
function loop(name: string, params: string[], vbody: string, sbody: string): string {
  return `
  (func (export "${name}") (param $n i32) ${params.map((p) => `(param $${p} i32)`).join(" ")}
    (local $i i32) (local $end i32) (local $whole i32) (local $vb v128) (local $sb i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $whole (i32.and (local.get $end) (i32.const -16)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $whole)))${vbody}
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vloop)))
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))${sbody}
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sloop))))`;
}

const at = (base: string) => `(i32.add (local.get $${base}) (local.get $i))`;

/**
 * The two functions, as module fields (to be placed inside a `(module ...)` that exports its
 * memory).
 *
 * @example
 * ```ts
 * import { reluWat } from "./relu_wat.ts";
 * if (!reluWat().includes('(export "relu_back_f32")')) throw new Error("missing export");
 * ```
 */
export function reluWat(): string {
  const forward = loop(
    "relu_f32",
    ["x", "y"],
    `
      (local.set $vb (v128.load ${at("x")}))
      (v128.store ${at("y")} (v128.and (local.get $vb) ${keepForward(true)}))`,
    `
      (local.set $sb (i32.load ${at("x")}))
      (i32.store ${at("y")} (i32.and (local.get $sb) ${keepForward(false)}))`,
  );
  const backward = loop(
    "relu_back_f32",
    ["x", "g", "dx"],
    `
      (local.set $vb (v128.load ${at("x")}))
      (v128.store ${at("dx")} (v128.and (v128.load ${at("g")}) ${keepBackward(true)}))`,
    `
      (local.set $sb (i32.load ${at("x")}))
      (i32.store ${at("dx")} (i32.and (i32.load ${at("g")}) ${keepBackward(false)}))`,
  );
  return forward + "\n" + backward;
}
