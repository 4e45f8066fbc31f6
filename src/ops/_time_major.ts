/**
 * Moving rows between the batch-major `[batch, time, width]` layout of a layer's sequences and
 * the time-major `[time, batch, width]` one the fused recurrent sequences compute in, where a
 * step's rows are one contiguous `[batch, width]` block (what a gemm takes). Private to
 * `src/ops/`.
 *
 * @module
 */

import { allocate, type FloatArray, type Tensor } from "../tensor.ts";
import type { SequenceDims } from "./_cell_checks.ts";

/** `dst[s, b, :] = src[b, s, :]` for `src` `[batch, time, width]`. */
export function toTimeMajor(
  src: FloatArray,
  batch: number,
  time: number,
  width: number,
  dst: FloatArray,
): void {
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < time; s++) {
      const from = (b * time + s) * width, to = (s * batch + b) * width;
      for (let j = 0; j < width; j++) dst[to + j] = src[from + j];
    }
  }
}

/** `dst[b, s, :] = src[s, b, :]` for `src` `[time, batch, width]`. */
export function toBatchMajor(
  src: FloatArray,
  batch: number,
  time: number,
  width: number,
  dst: FloatArray,
): void {
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < time; s++) {
      const to = (b * time + s) * width, from = (s * batch + b) * width;
      for (let j = 0; j < width; j++) dst[to + j] = src[from + j];
    }
  }
}

/** `dst[b, :] += src[b, s, :]` for `src` `[batch, time, width]` (step `s`'s rows). */
export function addStep(
  src: FloatArray,
  s: number,
  batch: number,
  time: number,
  width: number,
  dst: FloatArray,
): void {
  for (let b = 0; b < batch; b++) {
    const from = (b * time + s) * width, to = b * width;
    for (let j = 0; j < width; j++) dst[to + j] += src[from + j];
  }
}

/**
 * `x` `[batch, time, features]` as time-major rows of width `k`, a column of ones after `x`'s
 * when `k` is one more (the bias's row of the kernel).
 */
export function timeMajorInputs(x: Tensor, d: SequenceDims, k: number): FloatArray {
  const { batch, time, features } = d, xd = x.data;
  const out = allocate(d.dtype, time * batch * k);
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < time; s++) {
      const from = (b * time + s) * features, to = (s * batch + b) * k;
      for (let j = 0; j < features; j++) out[to + j] = xd[from + j];
      if (k > features) out[to + features] = 1;
    }
  }
  return out;
}
