/**
 * Elementwise activation functions: `sigmoid`, `tanh`, `relu`, `leakyRelu`, `elu`, `softplus`
 * and `swish` (GELU lives in `gelu.ts`, softmax in `softmax.ts`).
 *
 * Each forward loop is written so that it cannot overflow for finite input: `exp` is only ever
 * taken of a non-positive number, and where a derivative multiplies a vanishing term by a
 * growing one (`x · σ'(βx)` in swish) the product is taken as 0 once the vanishing term has
 * underflowed, instead of forming `Infinity · 0 = NaN`.
 *
 * At the kinks of `relu`, `leakyRelu` and `elu` (x = 0) the pullback uses the left branch's slope
 * (0, α and α), a valid subgradient.
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, checkFinite, cotangent } from "./_checks.ts";
import { type Primitive, primitive, unary } from "./primitive.ts";
import { reluBackTs, reluTs } from "../kernels/relu_ts.ts";
import { checkBackend } from "../_checks.ts";
import { sigmoidOf } from "./_scalar.ts";

/**
 * The logistic sigmoid σ(x) = 1 / (1 + e^(-x)), in (0, 1) and never NaN for finite input.
 * σ'(x) = σ(x)(1 - σ(x)).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.sigmoid(x), tensor([0, 1000, -1000], [3], "float64"));
 * if (y.data.join() !== "0.5,1,0") throw new Error("unexpected");
 * if (pullback(tensor([1, 1, 1], [3], "float64")).data[0] !== 0.25) throw new Error("σ'(0) = 1/4");
 * ```
 */
export const sigmoid: Primitive<[Tensor]> = unary("sigmoid", (x: Tensor) => {
  assertTensor("sigmoid", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = sigmoidOf(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("sigmoid", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    sigmoidBack(out, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8). The same holds for each `…Back` function below.
function sigmoidBack(out: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) {
    const s = out[i];
    dx[i] = g[i] * s * (1 - s);
  }
}

/**
 * The hyperbolic tangent. tanh'(x) = 1 - tanh²(x).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.tanh(x), tensor([0, 1000]));
 * if (y.data.join() !== "0,1" || pullback(tensor([1, 1])).data.join() !== "1,0") throw new Error("unexpected");
 * ```
 */
export const tanh: Primitive<[Tensor]> = unary("tanh", (x: Tensor) => {
  assertTensor("tanh", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.tanh(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("tanh", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    tanhBack(out, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function tanhBack(out: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) {
    const t = out[i];
    dx[i] = g[i] * (1 - t * t);
  }
}

/**
 * The rectifier max(0, x) (NaN stays NaN). relu'(x) = 1 for x > 0, else 0.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.relu(x), tensor([-1, 2]));
 * if (y.data.join() !== "0,2" || pullback(tensor([5, 5])).data.join() !== "0,5") throw new Error("unexpected");
 * ```
 */
export const relu: Primitive<[Tensor]> = primitive("relu", 1, (backend, x: Tensor) => {
  checkBackend("Cannot relu", backend);
  assertTensor("relu", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  // float32: the backend's kernel (wasm SIMD where it has one), else the branch-free loop of
  // kernels/relu_ts.ts; float64: the comparisons below.
  if (xd instanceof Float32Array) (backend.relu ?? reluTs)(xd, out as Float32Array);
  else relu64(xd, out);
  const y = fromTypedArray(out, x.shape);
  return [y, (dy) => {
    const g = cotangent("relu", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    if (xd instanceof Float32Array && g instanceof Float32Array) {
      (backend.reluBack ?? reluBackTs)(xd, g, dx as Float32Array);
    } else reluBack64(xd, g, dx);
    return [fromTypedArray(dx, x.shape)];
  }];
});

function relu64(xd: FloatArray, out: FloatArray): void {
  // `v > 0 || v !== v` keeps NaN rather than turning it into 0.
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    out[i] = v > 0 || v !== v ? v : 0;
  }
}

// (Before the relu loops were top-level functions, relu's pullback was the most allocated by a
// training step.)
function reluBack64(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = xd[i] > 0 ? g[i] : 0;
}

/**
 * The leaky rectifier: x for x > 0, else α·x; `alpha` (default 0.01) must be finite and
 * non-negative (RangeError). leakyRelu'(x) = 1 for x > 0, else α.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().leakyRelu(tensor([-2, 3], [2], "float64"), 0.5);
 * if (y.data.join() !== "-1,3") throw new Error("unexpected");
 * ```
 */
export const leakyRelu: Primitive<[Tensor, alpha?: number]> = unary<[alpha?: number]>(
  "leakyRelu",
  (x, alpha = 0.01) => {
    checkFinite("leakyRelu", "alpha", alpha, 0);
    assertTensor("leakyRelu", x);
    const xd = x.data;
    const out = allocate(x.dtype, xd.length);
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i];
      out[i] = v > 0 || v !== v ? v : alpha * v;
    }
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("leakyRelu", dy, x.shape);
      const dx = allocate(x.dtype, g.length);
      leakyReluBack(xd, g, dx, alpha);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

function leakyReluBack(xd: FloatArray, g: FloatArray, dx: FloatArray, alpha: number): void {
  for (let i = 0; i < g.length; i++) dx[i] = xd[i] > 0 ? g[i] : alpha * g[i];
}

/**
 * The exponential linear unit: x for x > 0, else α(eˣ - 1); `alpha` (default 1) must be finite
 * and non-negative (RangeError). elu'(x) = 1 for x > 0, else α·eˣ (= elu(x) + α).
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().elu(tensor([2, -1000], [2], "float64"));
 * if (y.data.join() !== "2,-1") throw new Error("unexpected");
 * ```
 */
export const elu: Primitive<[Tensor, alpha?: number]> = unary<[alpha?: number]>(
  "elu",
  (x, alpha = 1) => {
    checkFinite("elu", "alpha", alpha, 0);
    assertTensor("elu", x);
    const xd = x.data;
    const out = allocate(x.dtype, xd.length);
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i];
      out[i] = v > 0 ? v : alpha * Math.expm1(v); // expm1 keeps digits near 0
    }
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("elu", dy, x.shape);
      const dx = allocate(x.dtype, g.length);
      eluBack(xd, g, dx, alpha);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

function eluBack(xd: FloatArray, g: FloatArray, dx: FloatArray, alpha: number): void {
  for (let i = 0; i < g.length; i++) {
    const v = xd[i];
    dx[i] = v > 0 ? g[i] : g[i] * alpha * Math.exp(v);
  }
}

/**
 * softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^(-|x|)) so that it never
 * overflows: softplus(1000) = 1000, softplus(-1000) = 0. softplus'(x) = σ(x).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.softplus(x), tensor([0, 1000], [2], "float64"));
 * if (y.data[0] !== Math.LN2 || y.data[1] !== 1000) throw new Error("unexpected");
 * if (pullback(tensor([1, 1], [2], "float64")).data[0] !== 0.5) throw new Error("σ(0) = 1/2");
 * ```
 */
export const softplus: Primitive<[Tensor]> = unary("softplus", (x: Tensor) => {
  assertTensor("softplus", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    out[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("softplus", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    softplusBack(xd, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function softplusBack(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = g[i] * sigmoidOf(xd[i]);
}

/**
 * swish(x) = x·σ(βx) (SiLU for β = 1); `beta` (default 1) must be finite (RangeError).
 * swish'(x) = σ(βx) + βx·σ(βx)(1 - σ(βx)).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.swish(x), tensor([0, 1000, -1000], [3], "float64"));
 * if (y.data[1] !== 1000 || y.data[2] !== 0) throw new Error("unexpected");
 * if (pullback(tensor([1, 1, 1], [3], "float64")).data.join() !== "0.5,1,0") throw new Error("unexpected");
 * ```
 */
export const swish: Primitive<[Tensor, beta?: number]> = unary<[beta?: number]>(
  "swish",
  (x, beta = 1) => {
    checkFinite("swish", "beta", beta);
    assertTensor("swish", x);
    const xd = x.data;
    const out = allocate(x.dtype, xd.length);
    for (let i = 0; i < xd.length; i++) {
      const s = sigmoidOf(beta * xd[i]);
      out[i] = s === 0 ? (xd[i] < 0 ? -0 : 0) : xd[i] * s; // x·σ(βx) → 0 where σ(βx) vanishes (x → ∓Infinity)
    }
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("swish", dy, x.shape);
      const dx = allocate(x.dtype, g.length);
      swishBack(xd, g, dx, beta);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

function swishBack(xd: FloatArray, g: FloatArray, dx: FloatArray, beta: number): void {
  for (let i = 0; i < g.length; i++) {
    const z = beta * xd[i];
    const s = sigmoidOf(z);
    const ds = s * (1 - s);
    // Once σ'(z) has underflowed, z·σ'(z) is 0 even where z itself overflowed to ±Infinity.
    dx[i] = g[i] * (s + (ds === 0 ? 0 : z * ds));
  }
}
