/**
 * Elementwise functions of one tensor: `exp`, `log`, `sqrt`, `square`, `abs`, `neg` and
 * `mulScalar`. Each derivative sits next to its forward loop. Outputs keep the input's dtype;
 * arithmetic is in double precision. `log` and `sqrt` follow IEEE (and `Math`) outside their
 * domains: `log(0) = -Infinity`, `log(-1) = NaN`, `sqrt(-1) = NaN`.
 *
 * @module
 */

import { allocate, fromTypedArray, type Tensor } from "../tensor.ts";
import type { Vjp } from "../vjp.ts";
import { assertTensor, checkFinite, cotangent } from "./_checks.ts";

/** The pullback of a one-input op: the input's cotangent. */
export type UnaryVjp = Vjp<Tensor, Tensor>;

/**
 * `eˣ`. d/dx eˣ = eˣ = y.
 *
 * @example
 * ```ts
 * import { exp } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y] = exp(tensor([0], [1], "float64"));
 * if (y.data[0] !== 1) throw new Error("unexpected");
 * ```
 */
export function exp(x: Tensor): [Tensor, UnaryVjp] {
  assertTensor("exp", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.exp(xd[i]);
  const y = fromTypedArray(out, x.shape);
  return [y, (dy) => {
    const g = cotangent("exp", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) dx[i] = g[i] * out[i];
    return fromTypedArray(dx, x.shape);
  }];
}

/**
 * Natural logarithm. d/dx ln x = 1/x.
 *
 * @example
 * ```ts
 * import { log } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = log(tensor([1, 4], [2], "float64"));
 * if (y.data[0] !== 0 || vjp(tensor([1, 1], [2], "float64")).data[1] !== 0.25) throw new Error("unexpected");
 * ```
 */
export function log(x: Tensor): [Tensor, UnaryVjp] {
  assertTensor("log", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.log(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("log", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) dx[i] = g[i] / xd[i];
    return fromTypedArray(dx, x.shape);
  }];
}

/**
 * Square root. d/dx √x = 1/(2√x) = 1/(2y).
 *
 * @example
 * ```ts
 * import { sqrt } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = sqrt(tensor([4]));
 * if (y.data[0] !== 2 || vjp(tensor([1])).data[0] !== 0.25) throw new Error("unexpected");
 * ```
 */
export function sqrt(x: Tensor): [Tensor, UnaryVjp] {
  assertTensor("sqrt", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.sqrt(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("sqrt", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) dx[i] = g[i] / (2 * out[i]);
    return fromTypedArray(dx, x.shape);
  }];
}

/**
 * `x²`. d/dx x² = 2x.
 *
 * @example
 * ```ts
 * import { square } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = square(tensor([-3]));
 * if (y.data[0] !== 9 || vjp(tensor([1])).data[0] !== -6) throw new Error("unexpected");
 * ```
 */
export function square(x: Tensor): [Tensor, UnaryVjp] {
  assertTensor("square", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = xd[i] * xd[i];
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("square", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) dx[i] = 2 * xd[i] * g[i];
    return fromTypedArray(dx, x.shape);
  }];
}

/**
 * `|x|`. d/dx |x| = sign(x); at the kink x = 0 the VJP uses the subgradient 0.
 *
 * @example
 * ```ts
 * import { abs } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = abs(tensor([-2, 0, 3]));
 * if (y.data.join() !== "2,0,3") throw new Error("unexpected");
 * if (vjp(tensor([1, 1, 1])).data.join() !== "-1,0,1") throw new Error("unexpected");
 * ```
 */
export function abs(x: Tensor): [Tensor, UnaryVjp] {
  assertTensor("abs", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.abs(xd[i]);
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("abs", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) {
      const v = xd[i];
      dx[i] = v > 0 ? g[i] : v < 0 ? -g[i] : 0;
    }
    return fromTypedArray(dx, x.shape);
  }];
}

/**
 * `-x`. d/dx (-x) = -1.
 *
 * @example
 * ```ts
 * import { neg } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y] = neg(tensor([1, -2]));
 * if (y.data.join() !== "-1,2") throw new Error("unexpected");
 * ```
 */
export function neg(x: Tensor): [Tensor, UnaryVjp] {
  assertTensor("neg", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = -xd[i];
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("neg", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) dx[i] = -g[i];
    return fromTypedArray(dx, x.shape);
  }];
}

/**
 * `c · x` for a finite number `c` (RangeError otherwise). d/dx (c·x) = c.
 *
 * @example
 * ```ts
 * import { mulScalar } from "./elementwise.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, vjp] = mulScalar(tensor([1, 2]), 3);
 * if (y.data.join() !== "3,6" || vjp(tensor([1, 1])).data.join() !== "3,3") throw new Error("unexpected");
 * ```
 */
export function mulScalar(x: Tensor, c: number): [Tensor, UnaryVjp] {
  assertTensor("mulScalar", x);
  checkFinite("mulScalar", "c", c);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = c * xd[i];
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("mulScalar", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    for (let i = 0; i < g.length; i++) dx[i] = c * g[i];
    return fromTypedArray(dx, x.shape);
  }];
}
