/**
 * The Gaussian error linear unit, exact (`gelu`, through `erfc`) and in its tanh approximation
 * (`geluTanh`). Two functions rather than a string option: the choice is made where the model
 * is written and checked by the type system.
 *
 * @module
 */

import { allocate, type FloatArray, fromTypedArray, type Tensor } from "../tensor.ts";
import { assertTensor, cotangent } from "./_checks.ts";
import { sigmoidOf } from "./_scalar.ts";
import { type Primitive, unary } from "./primitive.ts";
import { erfc } from "./erf.ts";

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const SQRT_2_OVER_PI = 0.7978845608028654; // √(2/π)
const GELU_C = 0.044715;

/**
 * The exact GELU: gelu(x) = x·Φ(x), with Φ(x) = ½·erfc(-x/√2) the standard normal CDF (erfc
 * rather than 1 + erf keeps Φ precise in the left tail). gelu'(x) = Φ(x) + x·φ(x), with
 * φ(x) = e^(-x²/2)/√(2π).
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.gelu(x), tensor([0, 1000, -1000], [3], "float64"));
 * if (y.data[0] !== 0 || y.data[1] !== 1000 || y.data[2] !== 0) throw new Error("unexpected");
 * if (pullback(tensor([1, 0, 0], [3], "float64")).data[0] !== 0.5) throw new Error("gelu'(0) = 1/2");
 * ```
 */
export const gelu: Primitive<[Tensor]> = unary("gelu", (x: Tensor) => {
  assertTensor("gelu", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    // At -Infinity, v·Φ(v) is -Infinity·0; the limit is 0.
    out[i] = v === -Infinity ? -0 : 0.5 * v * erfc(-v * SQRT1_2);
  }
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("gelu", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    geluBack(xd, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8). The same holds for `geluTanhBack` below.
function geluBack(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) {
    const v = xd[i];
    // φ(v) underflows to 0 well before v² overflows, so v·φ(v) is Infinity·0 only at ±Infinity,
    // where its limit is 0.
    const phi = Math.exp(-0.5 * v * v);
    dx[i] = g[i] * (0.5 * erfc(-v * SQRT1_2) + (phi === 0 ? 0 : v * INV_SQRT_2PI * phi));
  }
}

/**
 * The tanh approximation of GELU: ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³), computed as
 * x·σ(2u) (since 1 + tanh(u) = 2σ(2u)), which neither cancels for negative x nor overflows.
 * geluTanh'(x) = σ(2u) + x·2σ(2u)(1 - σ(2u))·u', with u' = √(2/π)(1 + 3·0.044715x²).
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().geluTanh(tensor([1000, -1000, 1], [3], "float64"));
 * if (y.data[0] !== 1000 || y.data[1] !== 0) throw new Error("unexpected");
 * if (Math.abs(y.data[2] - 0.8411919906082768) > 1e-15) throw new Error("unexpected");
 * ```
 */
export const geluTanh: Primitive<[Tensor]> = unary("geluTanh", (x: Tensor) => {
  assertTensor("geluTanh", x);
  const xd = x.data;
  const out = allocate(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    const s = sigmoidOf(2 * SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
    out[i] = s === 0 ? (v < 0 ? -0 : 0) : v * s; // x·σ(2u) → 0 as x → -Infinity
  }
  return [fromTypedArray(out, x.shape), (dy) => {
    const g = cotangent("geluTanh", dy, x.shape);
    const dx = allocate(x.dtype, g.length);
    geluTanhBack(xd, g, dx);
    return fromTypedArray(dx, x.shape);
  }];
});

function geluTanhBack(xd: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < g.length; i++) {
    const v = xd[i];
    const s = sigmoidOf(2 * SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
    const ds = s * (1 - s);
    // Once σ' has underflowed the second term is 0, even where v·u' overflowed.
    const tail = ds === 0 ? 0 : v * 2 * ds * SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v);
    dx[i] = g[i] * (s + tail);
  }
}
