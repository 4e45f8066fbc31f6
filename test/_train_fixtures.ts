/**
 * Test-only datasets for the training tests, built so that results can be read back by hand.
 */
import { type Dataset, fromTypedArray } from "../mod.ts";

/** `n` points of y = 2·x0 − 3·x1 + 1 on a grid (exactly learnable by `dense(1)`). */
export function lineData(n: number): Dataset {
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = (i % 7) / 3 - 1, b = (i % 5) / 2 - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = 2 * a - 3 * b + 1;
  }
  return { x: fromTypedArray(x, [n, 2]), y: fromTypedArray(y, [n, 1]) };
}

/** Examples whose single feature is their own index, so batches reveal which rows they hold. */
export function indexData(n: number): Dataset {
  const x = new Float32Array(n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = 10 * i;
  }
  return { x: fromTypedArray(x, [n, 1]), y: fromTypedArray(y, [n]) };
}
