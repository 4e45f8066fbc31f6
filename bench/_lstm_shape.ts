/**
 * The LSTM of `bench/lstm_compare.ts`: an MNIST image read row by row (28 steps of 28
 * features), one LSTM layer of 128 units, its last hidden state into dense(10); and the
 * floating-point work of one training sample, counted from these shapes.
 *
 * @module
 */

/** Time steps: the image's rows. */
export const TIME_STEPS = 28;
/** Features per step: the pixels of a row. */
export const FEATURES = 28;
/** LSTM units. */
export const HIDDEN = 128;
/** Output classes. */
export const CLASSES = 10;

/**
 * Floating-point operations (a multiply-add counts as 2) of one sample's forward and backward
 * pass, the matrix products only (the gate arithmetic is O(H) per step against O(H²)):
 * - forward, per step: the input projection `x_t·W_x` (F x 4H) and the recurrent one
 *   `h_{t-1}·W_h` (H x 4H); then the head `h_T·W_o` (H x 10) once;
 * - backward: `dW` of every product (the same count again), and `dx` of every product whose
 *   input is computed: `dh_{t-1}` for steps 2..T (the initial state and the pixels need
 *   none), and the head's `dh_T`.
 * For T = 28, F = 28, H = 128: 4.48 MFLOP forward, 12.49 MFLOP in all, the 12.5.
 */
export function lstmFlopsPerSample(
  t = TIME_STEPS,
  f = FEATURES,
  h = HIDDEN,
  classes = CLASSES,
): number {
  const input = 2 * f * 4 * h, recurrent = 2 * h * 4 * h, head = 2 * h * classes;
  const forward = t * (input + recurrent) + head;
  const weights = t * (input + recurrent) + head;
  const inputs = (t - 1) * recurrent + head;
  return forward + weights + inputs;
}
