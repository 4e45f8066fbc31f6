/**
 * Scalar helpers shared by the activation loops. Private to `src/ops/`.
 *
 * @module
 */

/** σ(z) = 1 / (1 + e^(-z)), taking `exp` of a non-positive number only, so it never overflows. */
export function sigmoidOf(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
