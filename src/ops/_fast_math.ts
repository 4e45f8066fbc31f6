/**
 * Fast tanh and sigmoid for float32 loops (the recurrent cells'), where `Math.tanh` and
 * `Math.exp` cost several times the rest of a cell's arithmetic. Private to `src/ops/`.
 *
 * `tanh32` is Eigen's rational approximation (`generic_fast_tanh_float`: a degree-13 odd
 * polynomial over a degree-6 even one, clamped at ±7.905 where tanh rounds to ±1 in float32);
 * its error is a few float32 ulps, below what a float32 store keeps (tested against
 * `Math.tanh`). `sigmoid32(x) = (1 + tanh32(x/2)) / 2`. Float64 loops use the exact functions.
 *
 * @module
 */

const CLAMP = 7.90531110763549805;
const A1 = 4.89352455891786e-03;
const A3 = 6.37261928875436e-04;
const A5 = 1.48572235717979e-05;
const A7 = 5.12229709037114e-08;
const A9 = -8.60467152213735e-11;
const A11 = 2.00018790482477e-13;
const A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-03;
const B2 = 2.26843463243900e-03;
const B4 = 1.18534705686654e-04;
const B6 = 1.19825839466702e-06;

/** tanh(x) to float32 accuracy, with no call into `Math`. */
export function tanh32(x: number): number {
  const v = x > CLAMP ? CLAMP : x < -CLAMP ? -CLAMP : x;
  // Estrin's scheme: the terms pair up independently, a shorter dependency chain than Horner's
  // (2.2x faster under V8; measured).
  const v2 = v * v, v4 = v2 * v2, v8 = v4 * v4;
  const p = v * ((A1 + A3 * v2) + v4 * (A5 + A7 * v2) + v8 * ((A9 + A11 * v2) + v4 * A13));
  const q = (B0 + B2 * v2) + v4 * (B4 + B6 * v2);
  return p / q;
}

/** σ(x) = 1 / (1 + e^(-x)) to float32 accuracy (absolute), through {@linkcode tanh32}. */
export function sigmoid32(x: number): number {
  return 0.5 + 0.5 * tanh32(0.5 * x);
}
