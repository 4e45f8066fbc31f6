/**
 * Test-only building blocks for the training tests: a hand-written linear layer, mean squared
 * error, and small datasets. (The library's own `dense`/`meanSquaredError` are tested in their
 * own files; these keep the training tests independent of them.)
 */
import {
  allocate,
  type Dataset,
  fromTypedArray,
  type Key,
  type Layer,
  normal,
  type Tensor,
  tensor,
} from "../mod.ts";
import type { Loss } from "../src/losses.ts";

export type LinearParams = { w: Tensor; b: Tensor };

/** y = x·w + b with w: [in, out]; init draws w from N(0, 0.1²) and zero b. */
export function linear(out: number): Layer<LinearParams, null> {
  return {
    init(key: Key, inShape) {
      const n = inShape[0];
      return {
        outShape: [out],
        params: { w: normal(key, [n, out], { std: 0.1 }), b: tensor(new Float32Array(out)) },
        state: null,
      };
    },
    apply({ w, b }, state, x) {
      const [batch, n] = x.shape;
      const y = allocate(x.dtype, batch * out);
      for (let i = 0; i < batch; i++) {
        for (let j = 0; j < out; j++) {
          let s = b.data[j];
          for (let k = 0; k < n; k++) s += x.data[i * n + k] * w.data[k * out + j];
          y[i * out + j] = s;
        }
      }
      return {
        y: fromTypedArray(y, [batch, out]),
        state,
        vjp: (dy) => {
          const dw = allocate(w.dtype, n * out), db = allocate(b.dtype, out);
          const dx = allocate(x.dtype, batch * n);
          for (let i = 0; i < batch; i++) {
            for (let j = 0; j < out; j++) {
              const g = dy.data[i * out + j];
              db[j] += g;
              for (let k = 0; k < n; k++) {
                dw[k * out + j] += x.data[i * n + k] * g;
                dx[i * n + k] += w.data[k * out + j] * g;
              }
            }
          }
          return {
            params: { w: fromTypedArray(dw, w.shape), b: fromTypedArray(db, b.shape) },
            x: fromTypedArray(dx, x.shape),
          };
        },
      };
    },
  };
}

/** Mean over all elements of (p − t)². */
export const mse: Loss = (p, t) => {
  const n = p.data.length;
  const g = allocate(p.dtype, n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p.data[i] - t.data[i];
    s += d * d;
    g[i] = (2 * d) / n;
  }
  return [s / n, fromTypedArray(g, p.shape)];
};

/** `n` points of y = 2·x0 − 3·x1 + 1 on a grid (exactly learnable by `linear(1)`). */
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
