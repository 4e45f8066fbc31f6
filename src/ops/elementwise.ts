/**
 * Elementwise functions of one tensor: `exp`, `log`, `sqrt`, `square`, `abs`, `neg`, `pow`,
 * `mulScalar` and `addScalar`, each a one-input primitive whose derivative sits next to its
 * forward loop. Outputs keep the input's dtype; arithmetic is in double precision. `log`,
 * `sqrt` and `pow` follow IEEE (and `Math`) outside their domains: `log(0) = -Infinity`,
 * `log(-1) = NaN`, `sqrt(-1) = NaN`.
 *
 * @module
 */

import { denseScale } from "./_dense_loops.ts";
import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, checkFinite, cotangent } from "./_checks.ts";
import { type Primitive, unary } from "./primitive.ts";

/**
 * `eˣ`. d/dx eˣ = eˣ = y.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().exp(tensor([0], [1], "float64"));
 * if (y.data[0] !== 1) throw new Error("unexpected");
 * ```
 */
export const exp: Primitive<[Tensor]> = unary("exp", (x: Tensor) => {
  assertTensor("exp", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.exp(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("exp", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    expBack(out, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8). The same holds for each `…Back` function below.
function expBack(out: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = g[i] * out[i];
}

/**
 * Natural logarithm. d/dx ln x = 1/x.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.log(x), tensor([1, 4], [2], "float64"));
 * if (y.data[0] !== 0 || pullback(tensor([1, 1], [2], "float64")).data[1] !== 0.25) throw new Error("unexpected");
 * ```
 */
export const log: Primitive<[Tensor]> = unary("log", (x: Tensor) => {
  assertTensor("log", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.log(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("log", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    logBack(xd, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function logBack(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = g[i] / xd[i];
}

/**
 * Square root. d/dx √x = 1/(2√x) = 1/(2y).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.sqrt(x), tensor([4]));
 * if (y.data[0] !== 2 || pullback(tensor([1])).data[0] !== 0.25) throw new Error("unexpected");
 * ```
 */
export const sqrt: Primitive<[Tensor]> = unary("sqrt", (x: Tensor) => {
  assertTensor("sqrt", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.sqrt(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("sqrt", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    sqrtBack(out, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function sqrtBack(out: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = g[i] / (2 * out[i]);
}

/**
 * `x²`. d/dx x² = 2x.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.square(x), tensor([-3]));
 * if (y.data[0] !== 9 || pullback(tensor([1])).data[0] !== -6) throw new Error("unexpected");
 * ```
 */
export const square: Primitive<[Tensor]> = unary("square", (x: Tensor) => {
  assertTensor("square", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = xd[i] * xd[i];
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("square", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    squareBack(xd, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function squareBack(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = 2 * xd[i] * g[i];
}

/**
 * `|x|`. d/dx |x| = sign(x); at the kink x = 0 the pullback uses the subgradient 0.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.abs(x), tensor([-2, 0, 3]));
 * if (y.data.join() !== "2,0,3") throw new Error("unexpected");
 * if (pullback(tensor([1, 1, 1])).data.join() !== "-1,0,1") throw new Error("unexpected");
 * ```
 */
export const abs: Primitive<[Tensor]> = unary("abs", (x: Tensor) => {
  assertTensor("abs", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.abs(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("abs", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    absBack(xd, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function absBack(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) {
    const v = xd[i];
    dx[i] = v > 0 ? g[i] : v < 0 ? -g[i] : 0;
  }
}

/**
 * `-x`. d/dx (-x) = -1.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().neg(tensor([1, -2]));
 * if (y.data.join() !== "-1,2") throw new Error("unexpected");
 * ```
 */
export const neg: Primitive<[Tensor]> = unary("neg", (x: Tensor) => {
  assertTensor("neg", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = -xd[i];
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("neg", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    negBack(g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function negBack(g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) dx[i] = -g[i];
}

/**
 * `xᵖ` for a finite static exponent `p` (RangeError otherwise), by `Math.pow`: a negative base
 * with a non-integer `p` gives NaN. d/dx xᵖ = p·xᵖ⁻¹ (0 for p = 0, even at x = 0).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.pow(x, 3), tensor([2, -1], [2], "float64"));
 * if (y.data.join() !== "8,-1") throw new Error("unexpected");
 * if (pullback(tensor([1, 1], [2], "float64")).data.join() !== "12,3") throw new Error("3x²");
 * ```
 */
export const pow: Primitive<[Tensor, p: number]> = unary("pow", (x: Tensor, p: number) => {
  assertTensor("pow", x);
  checkFinite("pow", "p", p);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.pow(xd[i], p);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("pow", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    if (p !== 0) powBack(xd, g, dx, p);
    return fromTypedArray(dx, x.shape);
  }];
});

function powBack(xd: FloatArray, g: FloatArray, dx: FloatArray, p: number): void {
  for (let i = 0; i < g.length; i++) dx[i] = g[i] * p * Math.pow(xd[i], p - 1);
}

/**
 * `c · x` for a finite number `c` (RangeError otherwise). d/dx (c·x) = c.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.mulScalar(x, 3), tensor([1, 2]));
 * if (y.data.join() !== "3,6" || pullback(tensor([1, 1])).data.join() !== "3,3") throw new Error("unexpected");
 * ```
 */
export const mulScalar: Primitive<[Tensor, c: number]> = unary(
  "mulScalar",
  (x: Tensor, c: number) => {
    assertTensor("mulScalar", x);
    checkFinite("mulScalar", "c", c);
    const xd = x.data;
    const out = allocate(x.dtype, xd.length);
    denseScale("mul", xd, c, out);
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("mulScalar", dy, x.shape);
      const dx = allocate(x.dtype, g.length);
      denseScale("mul", g, c, dx);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

/**
 * `x + c` for a finite number `c` (RangeError otherwise). d/dx (x + c) = 1.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.addScalar(x, 0.5), tensor([1, 2]));
 * if (y.data.join() !== "1.5,2.5" || pullback(tensor([2, 3])).data.join() !== "2,3") throw new Error("unexpected");
 * ```
 */
export const addScalar: Primitive<[Tensor, c: number]> = unary(
  "addScalar",
  (x: Tensor, c: number) => {
    assertTensor("addScalar", x);
    checkFinite("addScalar", "c", c);
    const xd = x.data;
    const out = allocate(x.dtype, xd.length);
    denseScale("add", xd, c, out);
    return [fromTypedArray(out, x.shape), (dy) => {
      const g = cotangent("addScalar", dy, x.shape);
      // The cotangent passes through unchanged; tensors are immutable, so it is shared.
      if (dy.dtype === x.dtype) return dy;
      const dx = allocate(x.dtype, g.length);
      dx.set(g);
      return fromTypedArray(dx, x.shape);
    }];
  },
);
