/**
 * The float32 forward loop of `sigmoidCrossEntropy` (`src/ops/sigmoid_cross_entropy.ts`), with its own
 * `exp(−a)` and `log1p(e)` polynomials: V8's `Math.exp` and `Math.log1p` are calls into C that
 * cost about 40 and 50 ns an element, most of a VAE step's loss. Both work in double precision
 * to relative errors near 5e-16, far below float32's rounding, so the float32 outputs and
 * gradients are the rounding of the `Math`-based double formula (bitwise on the tested grid:
 * `test/ops_sigmoid_ce_f32_test.ts`). Elements with `|z| > 30`, or not finite, take the
 * original `Math` path (rare: the loss at such logits is linear in `z`).
 *
 * @module
 */

// −a = (32m + j)·ln2/32 + r with |r| <= ln2/64; exp(−a) = 2^m·2^(j/32)·exp(r). Math.round is
// a call under V8 (18 ns); adding and subtracting 1.5·2^52 rounds to nearest in two additions.
const ROUND = 6755399441055744;
const K_SCALE = 32 / Math.LN2;
// ln2/32 split as fdlibm splits ln2 (Cody and Waite's reduction): C_HI has 32 significant bits,
// so k·C_HI is exact for |k| < 2^11, and C_HI + C_LO is ln2/32 to about 1e-26 (Math.LN2 alone,
// 1e-17 relative, would cost 2e-15 at a = 30).
const C_HI = 6.93147180369123816490e-01 / 32;
const C_LO = 1.90821492927058770002e-10 / 32;
/** 2^(j/32) for j = 0 .. 31. */
const POW2_FRAC = Float64Array.from({ length: 32 }, (_, j) => 2 ** (j / 32));
/** 2^−m for m = 0 .. 44 (|z| <= 30 gives k >= −1385, so m <= 44). */
const POW2_NEG = Float64Array.from({ length: 45 }, (_, m) => 2 ** -m);

/** `exp(−a)` for `0 <= a <= 30`, relative error about 1e-16 (Taylor degree 6 on |r| <= 0.011). */
export function expNeg(a: number): number {
  const k = (-a * K_SCALE + ROUND) - ROUND; // an integer in [−1385, 0]
  const r = (-a - k * C_HI) - k * C_LO;
  const ki = k | 0;
  // Two short chains (Estrin) rather than one long Horner chain: the loop is latency bound.
  const r2 = r * r;
  const p = (1 + r) +
    r2 * ((1 / 2 + r * (1 / 6)) + r2 * ((1 / 24 + r * (1 / 120)) + r2 * (1 / 720)));
  return p * POW2_FRAC[ki & 31] * POW2_NEG[-(ki >> 5)];
}

/** log(1 + j/64) and 1/(1 + j/64) for j = 0 .. 64. */
const LOG_C = Float64Array.from({ length: 65 }, (_, j) => Math.log1p(j / 64));
const INV_C = Float64Array.from({ length: 65 }, (_, j) => 1 / (1 + j / 64));

/**
 * `log(1 + e)` for `0 <= e <= 1`, relative error about 5e-16: `log(c) + log1p(u)` with
 * `c = 1 + j/64`, `j = ⌊64e⌋` and `u = (e − j/64)/c ∈ [0, 1/64)` (`e − j/64` is exact), the
 * series of `log1p(u)` to `u⁸` (remainder below `u⁸/9 < 4e-16·u`, so small `e`, where `j = 0`,
 * keep their relative accuracy). A table and no division: half the time of a series in
 * `e/(2 + e)` (measured).
 */
export function log1pUnit(e: number): number {
  const j = (e * 64) | 0;
  const u = (e - j * (1 / 64)) * INV_C[j];
  const u2 = u * u, u3 = u2 * u;
  const p = (u - u2 * 0.5) + u3 * ((1 / 3 - u * 0.25) + u2 * (0.2 - u * (1 / 6))) +
    u3 * u2 * u2 * (1 / 7 - u * 0.125);
  return LOG_C[j] + p;
}

/** One element by the original formula with `Math.exp`/`Math.log1p` (any `z`, ±∞ and NaN). */
function slowElement(zi: number, ti: number, out: Float32Array, s: Float64Array, i: number): void {
  const e = Math.exp(-Math.abs(zi));
  s[i] = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
  const lin = zi === Infinity
    ? (ti === 1 ? 0 : Infinity)
    : zi === -Infinity
    ? (ti === 0 ? 0 : Infinity)
    : (zi > 0 ? zi : 0) - zi * ti;
  out[i] = lin + Math.log1p(e);
}

/**
 * `out = softplus(z) − z·t` and `s = σ(z)` for float32 logits and targets: one pass, the same
 * formula as the generic loop (`max(z, 0) − z·t + log1p(exp(−|z|))`, in double, rounded once).
 */
export function sigmoidForwardF32(
  z: Float32Array,
  t: Float32Array,
  out: Float32Array,
  s: Float64Array,
): void {
  for (let i = 0; i < z.length; i++) {
    const zi = z[i], ti = t[i];
    const a = Math.abs(zi);
    if (!(a <= 30)) {
      slowElement(zi, ti, out, s, i);
      continue;
    }
    const e = expNeg(a);
    s[i] = (zi >= 0 ? 1 : e) / (1 + e);
    out[i] = (zi > 0 ? zi : 0) - zi * ti + log1pUnit(e);
  }
}

/** `d = g·(s − t)`, the logits' pullback, for float32 cotangent, targets and output. */
export function sigmoidLogitsBackF32(
  g: Float32Array,
  s: Float64Array,
  t: Float32Array,
  d: Float32Array,
): void {
  for (let i = 0; i < d.length; i++) d[i] = g[i] * (s[i] - t[i]);
}
