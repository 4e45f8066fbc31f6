/**
 * WebAssembly text of the float32 Bernoulli negative log-likelihood (`Backend.bernoulliNll`, the
 * forward pass of the `bernoulliNllRows` primitive), assembled into the kernels module with the
 * gemm (see `gemm_wat.ts` and `deno task build:wasm`).
 *
 * Exports `bernoulli_nll_f32(rows, cols, z, t, sums, d) -> i32`: for the `rows × cols` float32
 * logits at `z` and targets at `t`, `sums[i]` (float64) `= Σ_j z·((z > 0) − t) + log1p(e)` (that
 * is `max(z, 0) − z·t`, rounded once and without cancellation) and
 * `d = σ(z) − t` (float32), with `e = exp(−|z|)` and `σ = (z ≥ 0 ? 1 : e)/(1 + e)`; it returns 1,
 * or 0 when a target lies outside `[0, 1]` or a logit is not finite (the caller's loop then
 * takes over). Four lanes at a time in float32 arithmetic: `exp` by Cody and Waite's reduction
 * and Cephes' `expf` polynomial (about an ulp), `log1p(e) = 2·atanh(e/(2 + e))` by its series to
 * the 15th power (`e/(2 + e) ≤ 1/3`, so small `e` keep their relative accuracy), `e` taken
 * as 0 past `|z| = 80` (below 2e-35: no subnormal number, slow on x86, arises). Measured against the double
 * formula over `z ∈ [−100, 100]`: each element's loss within 4 float32 ulps, `d` within 2 ulps of
 * 1 (`test/ops_bernoulli_nll_test.ts` holds both to 8). The sums add in double. Two vectors a
 * pass, each with its polynomials in Estrin's form: the loop is latency bound. A row's last
 * vectors are computed whole and masked: their extra lanes read up to
 * {@linkcode BERNOULLI_WAT_OVERRUN} bytes past the row (the next row, or padding the caller
 * provides after `z`, `t` and `d`) and store into `d` the values those elements get anyway.
 *
 * @module
 */

/**
 * The vector constants the body uses, each read from a local set once before the loop: V8
 * rebuilds an inline `v128.const` at every use (several instructions), and the loop uses thirty.
 */
const constants = new Map<string, string>();
const constant = (text: string) => {
  if (!constants.has(text)) constants.set(text, `$c${constants.size}`);
  return `(local.get ${constants.get(text)})`;
};
const f4 = (v: number | string) => constant(`(v128.const f32x4 ${v} ${v} ${v} ${v})`);
const i4 = (v: number | string) => constant(`(v128.const i32x4 ${v} ${v} ${v} ${v})`);
const mul = (a: string, b: string) => `(f32x4.mul ${a} ${b})`;
const add = (a: string, b: string) => `(f32x4.add ${a} ${b})`;

/**
 * Estrin's scheme for `Σ c_k x^k` (`coefficients` lowest power first), given `x` and the locals
 * holding `x²` and `x⁴`: pairs `c_k + c_(k+1)·x`, combined by powers of `x²`. Its chains are
 * half as deep as Horner's, and the loop is latency bound.
 */
function estrin(x: string, x2: string, x4: string, coefficients: readonly number[]): string {
  const pairs: string[] = [];
  for (let k = 0; k < coefficients.length; k += 2) {
    pairs.push(
      k + 1 < coefficients.length
        ? add(f4(coefficients[k]), mul(f4(coefficients[k + 1]), x))
        : f4(coefficients[k]),
    );
  }
  const quads: string[] = [];
  for (let k = 0; k < pairs.length; k += 2) {
    quads.push(k + 1 < pairs.length ? add(pairs[k], mul(pairs[k + 1], x2)) : pairs[k]);
  }
  if (quads.length > 2) throw new RangeError("estrin: at most 8 coefficients");
  return quads.length === 2 ? add(quads[0], mul(quads[1], x4)) : quads[0];
}

/** Cephes `expf`'s polynomial of `(exp(r) − 1 − r)/r²`, lowest power first. */
const EXP_P = [
  5.0000001201e-1,
  1.6666665459e-1,
  4.1665795894e-2,
  8.3334519073e-3,
  1.3981999507e-3,
  1.9875691500e-4,
];
/** `atanh(s)/s = Σ w^k/(2k + 1)` in `w = s²`, k = 0 .. 7. */
const ATANH = [1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13, 1 / 15];

/** The v128 locals one vector uses (suffixed per vector). */
const LOCALS = [
  "vz",
  "vt",
  "a",
  "x",
  "m",
  "k",
  "r",
  "r2",
  "r4",
  "e",
  "s",
  "w",
  "w2",
  "w4",
  "l",
  "lanes",
];

/**
 * One vector of four elements at byte offset `$off + 16·v`, lanes outside the row masked (the
 * locals suffixed `v`; `$bad` and `$acc` shared).
 */
function vector(v: number): string {
  const get = (name: string) => `(local.get $${name}${v})`;
  const set = (name: string, value: string) => `\n        (local.set $${name}${v} ${value})`;
  const at = (base: string) =>
    `(i32.add (local.get $${base}) (i32.add (local.get $off) (i32.const ${16 * v})))`;
  return [
    // Lanes j + 4v .. j + 4v + 3 that lie in the row.
    set(
      "lanes",
      `(i32x4.lt_s (i32x4.add (i32x4.splat (local.get $j)) ${
        constant(`(v128.const i32x4 ${[0, 1, 2, 3].map((l) => 4 * v + l).join(" ")})`)
      }) (i32x4.splat (local.get $cols)))`,
    ),
    set("vz", `(v128.load ${at("z")})`),
    set("vt", `(v128.load ${at("t")})`),
    set("a", `(f32x4.abs ${get("vz")})`),
    // Finite logits and targets in [0, 1] (NaN fails both), in the row's lanes.
    `\n        (local.set $bad (v128.or (local.get $bad) (v128.andnot ${get("lanes")} (v128.and
          (f32x4.lt ${get("a")} ${f4("inf")})
          (v128.and (f32x4.ge ${get("vt")} ${f4(0)}) (f32x4.le ${get("vt")} ${f4(1)}))))))`,
    // x = −min(|z|, 80) = k·ln2 + r, k = nearest(x·log2 e); ln2 in two parts. (pmin: one
    // instruction, where min's NaN rules cost several; a NaN lane is `bad` anyway.)
    set("x", `(f32x4.neg (f32x4.pmin ${get("a")} ${f4(80)}))`),
    // k by adding 1.5·2^23, which rounds to an integer in the low bits: k = (that − 1.5·2^23),
    // and the same bits, less 1.5·2^23's, give 2^k's exponent (no float-to-int conversion,
    // which V8 emulates in a dozen instructions).
    set("m", add(mul(get("x"), f4(Math.LOG2E)), f4(12582912))),
    set("k", `(f32x4.sub ${get("m")} ${f4(12582912)})`),
    set(
      "r",
      `(f32x4.sub (f32x4.sub ${get("x")} ${mul(get("k"), f4(0.693359375))}) ${
        mul(get("k"), f4(-2.12194440e-4))
      })`,
    ),
    // r² and r⁴ kept normal (subnormal products cost a hundred cycles on x86); the floor
    // changes no result, since r²/2 < 2^−61 there.
    set("r2", `(f32x4.pmax ${mul(get("r"), get("r"))} ${f4("0x1p-60")})`),
    set("r4", mul(get("r2"), get("r2"))),
    set(
      "e",
      mul(
        add(add(mul(estrin(get("r"), get("r2"), get("r4"), EXP_P), get("r2")), get("r")), f4(1)),
        `(i32x4.shl (i32x4.add ${get("m")} ${i4(127 - 0x4b400000)}) (i32.const 23))`,
      ),
    ),
    set("e", `(v128.andnot ${get("e")} (f32x4.gt ${get("a")} ${f4(80)}))`),
    // log1p(e) = 2s·Σ s^(2k)/(2k + 1), s = e/(2 + e).
    set("s", `(f32x4.div ${get("e")} ${add(f4(2), get("e"))})`),
    // Likewise s floored at 2^−15 inside the series (w⁴ = s⁸ stays normal): below it the
    // series is 1 in float32 either way.
    set("w", `(f32x4.pmax ${get("s")} ${f4("0x1p-15")})`),
    set("w", mul(get("w"), get("w"))),
    set("w2", mul(get("w"), get("w"))),
    set("w4", mul(get("w2"), get("w2"))),
    `
        (v128.store ${at("d")} (f32x4.sub (f32x4.div
          (v128.bitselect ${f4(1)} ${get("e")} (f32x4.ge ${get("vz")} ${f4(0)}))
          ${add(f4(1), get("e"))}) ${get("vt")}))`,
    // max(z, 0) − z·t as z·((z > 0) − t): one rounding, no cancellation (both terms are >= 0).
    set(
      "l",
      `(v128.and ${get("lanes")} ${
        add(
          mul(
            get("vz"),
            `(f32x4.sub (v128.and (f32x4.gt ${get("vz")} ${f4(0)}) ${f4(1)}) ${get("vt")})`,
          ),
          mul(add(get("s"), get("s")), estrin(get("w"), get("w2"), get("w4"), ATANH)),
        )
      })`,
    ),
    `\n        (local.set $acc (f64x2.add (local.get $acc) (f64x2.add
          (f64x2.promote_low_f32x4 ${get("l")})
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${
      get("l")
    } ${get("l")})))))`,
  ].join("");
}

/** Vectors per iteration: two chains in flight where one leaves the core waiting. */
const UNROLL = 2;

/** Bytes a call may read and write past the end of each of `z`, `t` and `d`. */
export const BERNOULLI_WAT_OVERRUN = 16 * UNROLL - 4;

/**
 * The function, as a module field (inside a `(module ...)` that exports its memory).
 *
 * @example
 * ```ts
 * import { bernoulliWat } from "./bernoulli_wat.ts";
 * if (!bernoulliWat().includes('(export "bernoulli_nll_f32")')) throw new Error("missing export");
 * ```
 */
export function bernoulliWat(): string {
  const vectors = Array.from({ length: UNROLL }, (_, v) => v);
  const locals = vectors.flatMap((v) => LOCALS.map((n) => `(local $${n}${v} v128)`)).join(" ");
  constants.clear();
  const body = vectors.map(vector).join("");
  const consts = [...constants].map(([text, name]) => [`(local ${name} v128)`, text, name]);
  return `
  (func (export "bernoulli_nll_f32") (param $rows i32) (param $cols i32) (param $z i32)
    (param $t i32) (param $sums i32) (param $d i32) (result i32)
    (local $i i32) (local $j i32) (local $off i32) (local $acc v128) (local $bad v128)
    ${locals} ${consts.map((c) => c[0]).join(" ")}
    ${consts.map(([, text, name]) => `(local.set ${name} ${text})`).join("\n    ")}
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $acc (v128.const f64x2 0 0))
      (local.set $j (i32.const 0))
      (block $jdone (loop $jloop
        (br_if $jdone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $off (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols))
          (local.get $j)) (i32.const 2)))${body}
        (local.set $j (i32.add (local.get $j) (i32.const ${4 * UNROLL})))
        (br $jloop)))
      (f64.store (i32.add (local.get $sums) (i32.shl (local.get $i) (i32.const 3)))
        (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rloop)))
    (i32.eqz (v128.any_true (local.get $bad))))`;
}
