/**
 * Reductions over axes: `sum`, `mean` and `max`. Sums accumulate in double precision whatever
 * the dtype; the result is rounded to the input's dtype once.
 *
 * @module
 */

import {
  allocate,
  type FloatArray,
  formatShape,
  fromTypedArray,
  sizeOf,
  type Tensor,
} from "../tensor.ts";
import { type Primitive, unary } from "./primitive.ts";
import { assertTensor, axisMask, cotangent } from "./_checks.ts";
import { checkBoolean, checkOptions } from "../_checks.ts";
import {
  asDType,
  broadcastStrides,
  coalesce,
  expandTo,
  maxLoop,
  reduceTo,
  SUM,
} from "./_strided.ts";

/** Options of {@linkcode sum}, {@linkcode mean} and {@linkcode max}. */
export interface ReduceOptions {
  /**
   * The axis or axes to reduce; negative axes count from the end. Default: all axes (the
   * result is a scalar). An empty list reduces nothing. Out-of-range or repeated axes are a
   * `RangeError`.
   */
  axis?: number | readonly number[];
  /** Keep each reduced axis with size 1, so the result broadcasts against the input. */
  keepDims?: boolean;
}

interface Plan {
  /** The input's shape with reduced axes set to 1. */
  kept: number[];
  /** The output's shape: `kept`, or `kept` without the reduced axes. */
  out: number[];
  /** How many input elements meet in each output element. */
  count: number;
}

function plan(op: string, x: Tensor, options: ReduceOptions): Plan {
  assertTensor(op, x);
  checkOptions(op, options, ["axis", "keepDims"]);
  if (options.keepDims !== undefined) checkBoolean(op, "keepDims", options.keepDims);
  const mask = axisMask(op, options.axis, x.shape);
  const kept = x.shape.map((d, i) => (mask[i] ? 1 : d));
  const out = options.keepDims ? kept : x.shape.filter((_, i) => !mask[i]);
  let count = 1;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count *= x.shape[i];
  return { kept, out, count };
}

function requireElements(op: string, x: Tensor, p: Plan): void {
  if (p.count === 0 && sizeOf(p.out) > 0) {
    throw new TypeError(
      `Cannot ${op}: the reduced axes of shape ${formatShape(x.shape)} hold no elements`,
    );
  }
}

function expand(op: string, dy: Tensor, p: Plan, x: Tensor, factor: number): Tensor {
  const g = cotangent(op, dy, p.out);
  const dx = allocate(x.dtype, x.data.length);
  expandTo(g, p.kept, x.shape, dx);
  if (factor !== 1) { for (let i = 0; i < dx.length; i++) dx[i] *= factor; }
  return fromTypedArray(dx, x.shape);
}

/**
 * Sum over `axis` (default all). The pullback broadcasts the cotangent back over the summed axes.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const t = untraced();
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * if (t.sum(x).data[0] !== 21) throw new Error("unexpected");
 * const rows = t.sum(x, { axis: -1, keepDims: true });
 * if (rows.shape.join() !== "2,1" || rows.data.join() !== "6,15") throw new Error("unexpected");
 * ```
 */
export const sum: Primitive<[Tensor, options?: ReduceOptions]> = unary(
  "sum",
  (x: Tensor, options: ReduceOptions = {}) => {
    const p = plan("sum", x, options);
    const y = fromTypedArray(asDType(reduceTo(SUM, x.data, x.shape, p.kept), x.dtype), p.out);
    return [y, (dy) => expand("sum", dy, p, x, 1)];
  },
);

/**
 * Mean over `axis` (default all). Reducing axes of size 0 is a `TypeError` (the mean of no
 * elements is undefined). The pullback spreads the cotangent evenly: `dx = dy / count`.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.mean(x, { axis: 0 }), tensor([[1, 2], [3, 6]]));
 * if (y.data.join() !== "2,4") throw new Error("unexpected");
 * if (pullback(tensor([1, 1])).data.join() !== "0.5,0.5,0.5,0.5") throw new Error("unexpected");
 * ```
 */
export const mean: Primitive<[Tensor, options?: ReduceOptions]> = unary(
  "mean",
  (x: Tensor, options: ReduceOptions = {}) => {
    const p = plan("mean", x, options);
    requireElements("mean", x, p);
    const acc = reduceTo(SUM, x.data, x.shape, p.kept);
    for (let i = 0; i < acc.length; i++) acc[i] /= p.count;
    const y = fromTypedArray(asDType(acc, x.dtype), p.out);
    return [y, (dy) => expand("mean", dy, p, x, 1 / p.count)];
  },
);

/**
 * Maximum over `axis` (default all); NaN propagates. Reducing axes of size 0 is a
 * `TypeError`. The pullback routes each cotangent element to the **first** position (in row-major
 * order of the input) holding the maximum: under ties exactly one element gets the gradient
 * and the others get 0, a valid subgradient that keeps the total equal to the cotangent.
 *
 * @example
 * ```ts
 * import { vjp } from "../autodiff/trace.ts";
 * import { tensor } from "../tensor.ts";
 * const [y, pullback] = vjp((t, x) => t.max(x, { axis: 1 }), tensor([[1, 5, 5], [7, 2, 3]]));
 * if (y.data.join() !== "5,7") throw new Error("unexpected");
 * // The tie in row 0 sends the gradient to the first 5.
 * if (pullback(tensor([1, 1])).data.join() !== "0,1,0,1,0,0") throw new Error("unexpected");
 * ```
 */
export const max: Primitive<[Tensor, options?: ReduceOptions]> = unary(
  "max",
  (x: Tensor, options: ReduceOptions = {}) => {
    const p = plan("max", x, options);
    requireElements("max", x, p);
    const best = new Float64Array(sizeOf(p.out));
    const arg = new Int32Array(best.length);
    if (x.data.length > 0) {
      const nest = coalesce(x.shape, [broadcastStrides(p.kept, x.shape)]);
      maxLoop(nest, x.data, best, arg, x.data.length);
    }
    const y = fromTypedArray(asDType(best, x.dtype), p.out);
    return [y, (dy) => {
      const g = cotangent("max", dy, p.out);
      const dx = allocate(x.dtype, x.data.length);
      scatterAdd(g, arg, dx);
      return fromTypedArray(dx, x.shape);
    }];
  },
);

// A top-level function, not a loop inside the pullback closure: the closure is made afresh for
// every call, and its loop ran unoptimised often enough to box every element it read (16 bytes
// of heap per element; measured under V8).
function scatterAdd(g: FloatArray, arg: Int32Array, dx: FloatArray): void {
  for (let q = 0; q < arg.length; q++) dx[arg[q]] += g[q];
}
