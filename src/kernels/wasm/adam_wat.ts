/**
 * WebAssembly text of the Adam step (`Backend.adam`), assembled into the same module as the
 * gemm (see `gemm_wat.ts` and `deno task build:wasm`).
 *
 * Exports, for `t` in `f32`, `f64`: `adam_t`, with parameters
 * `(n, g, m0, v0, m1, v1, out, b1, k1, b2, k2, c1, c2, eps)`: `n` elements, byte addresses of
 * the arrays in the module's memory, and the scalars as f64 (`k1 = 1 - b1`, `k2 = 1 - b2`,
 * computed by the caller). They compute `m1 = b1·m0 + k1·g`, `v1 = b2·v0 + k2·(g·g)`,
 * `out = (m1·c1) / (√(v1·c2) + eps)`, four (f32) or two (f64) lanes at a time,
 * then the remainder one element at a time, with the operations in that order. `adam_apply_t`
 * takes the parameter's address `p` after `v0` and a last scalar `scale`, and stores
 * `out = p + out·scale` instead (the step applied: `scale` is the negated learning rate). In float64 that
 * is exactly what the TypeScript loop of `adam_ts.ts` computes (IEEE operations, no fused
 * multiply-add); the float32 functions compute in float32, where SIMD square roots and
 * divisions are cheapest, which is the point of the kernel: in JavaScript the square root and
 * the division per element dominate the optimiser.
 *
 * @module
 */

interface Lane {
  readonly t: "f32" | "f64";
  readonly vec: "f32x4" | "f64x2";
  readonly size: number;
  /** Turns an f64 parameter into the element type. */
  readonly fromF64: string;
}

const LANES: readonly Lane[] = [
  { t: "f32", vec: "f32x4", size: 4, fromF64: "f32.demote_f64" },
  { t: "f64", vec: "f64x2", size: 8, fromF64: "" },
];

const SCALARS = ["b1", "k1", "b2", "k2", "c1", "c2", "eps"] as const;

/** One update, in vector (`op = vec`) or scalar (`op = t`) form, at byte offset `$i`. */
function body(op: string, load: string, store: string, v: string, apply = false): string {
  const flush = (name: string) => flushSubnormal(op, `$${v}${name}`);
  const at = (base: string) => `(i32.add (local.get $${base}) (local.get $i))`;
  const k = (name: string) => `(local.get $${v}${name})`;
  const x = `(${op}.div (${op}.mul (local.get $${v}m) ${k("c1")})
          (${op}.add (${op}.sqrt (${op}.mul (local.get $${v}v) ${k("c2")})) ${k("eps")}))`;
  return `
        (local.set $${v}g (${load} ${at("g")}))
        (local.set $${v}m (${op}.add (${op}.mul ${k("b1")} (${load} ${at("m0")}))
          (${op}.mul ${k("k1")} (local.get $${v}g))))
        (local.set $${v}v (${op}.add (${op}.mul ${k("b2")} (${load} ${at("v0")}))
          (${op}.mul ${k("k2")} (${op}.mul (local.get $${v}g) (local.get $${v}g)))))${flush("m")}
        (${store} ${at("m1")} (local.get $${v}m))
        (${store} ${at("v1")} (local.get $${v}v))
        (${store} ${at("out")} ${
    apply ? `(${op}.add (${load} ${at("p")}) (${op}.mul ${x} ${k("scale")}))` : x
  })`;
}

/**
 * In float32, sets the local `name` (the new first moment) to zero where it is subnormal
 * (below 2⁻¹²⁶ in magnitude); NaN and everything else pass. Why: the first moment of a weight
 * whose gradient stays zero (a pixel that is always black, a dead unit) decays by b1 every step
 * into the subnormals, and x86 cores take a microcode assist for every SIMD operation on a
 * subnormal lane: on the MNIST MLP (`bench/step_split.ts --backend blas --mnist --steps 1500
 * --warmup 500`, Intel Xeon, 2026-12-02) the optimiser stage took 1.83 ms a step before this
 * flush and 0.98 ms after. The value lost is below 1.2e-38. The second moment is left alone: it decays by b2
 * (~64,000 steps from 1e-10 into the subnormals), and zeroing it could divide by zero where
 * eps is 0. Float64 is left alone too (its subnormals need ~6,700 steps of b1 = 0.9).
 */
function flushSubnormal(op: string, local: string): string {
  const get = `(local.get ${local})`;
  if (op === "f32x4") {
    return `
        (local.set ${local} (v128.andnot ${get}
          (f32x4.lt (f32x4.abs ${get}) (v128.const f32x4 0x1p-126 0x1p-126 0x1p-126 0x1p-126))))`;
  }
  if (op === "f32") {
    return `
        (local.set ${local} (select (f32.const 0) ${get} (f32.lt (f32.abs ${get}) (f32.const 0x1p-126))))`;
  }
  return "";
}

function adamFunction(l: Lane, apply: boolean): string {
  const name = `adam${apply ? "_apply" : ""}_${l.t}`;
  const scalars = apply ? [...SCALARS, "scale"] : SCALARS;
  const params = scalars.map((s) => `(param $${s} f64)`).join(" ");
  const scalarLocals = scalars.map((s) => `(local $s${s} ${l.t})`).join(" ");
  const vectorLocals = scalars.map((s) => `(local $v${s} v128)`).join(" ");
  const init = scalars.map((s) =>
    `    (local.set $s${s} ${
      l.fromF64 === "" ? `(local.get $${s})` : `(${l.fromF64} (local.get $${s}))`
    })
    (local.set $v${s} (${l.vec}.splat (local.get $s${s})))`
  ).join("\n");
  return `
  (func (export "${name}") (param $n i32) (param $g i32) (param $m0 i32) (param $v0 i32)
    ${apply ? "(param $p i32) " : ""}(param $m1 i32) (param $v1 i32) (param $out i32) ${params}
    (local $i i32) (local $end i32) (local $whole i32)
    ${scalarLocals}
    ${vectorLocals}
    (local $vg v128) (local $vm v128) (local $vv v128) (local $sg ${l.t}) (local $sm ${l.t}) (local $sv ${l.t})
${init}
    (local.set $end (i32.mul (local.get $n) (i32.const ${l.size})))
    (local.set $whole (i32.and (local.get $end) (i32.const -16)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $whole)))${
    body(l.vec, "v128.load", "v128.store", "v", apply)
  }
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vloop)))
    (block $sdone (loop $sloop
      (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))${
    body(l.t, `${l.t}.load`, `${l.t}.store`, "s", apply)
  }
      (local.set $i (i32.add (local.get $i) (i32.const ${l.size})))
      (br $sloop))))`;
}

/**
 * The two Adam functions, as module fields (to be placed inside a `(module ...)` that
 * exports its memory).
 *
 * @example
 * ```ts
 * import { adamWat } from "./adam_wat.ts";
 * if (!adamWat().includes('(export "adam_f32")')) throw new Error("missing export");
 * ```
 */
export function adamWat(): string {
  return LANES.flatMap((l) => [adamFunction(l, false), adamFunction(l, true)]).join("\n");
}
