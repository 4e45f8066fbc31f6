/**
 * The fully connected layer: `y = x·W + b`.
 *
 * @module
 */

import { glorotUniform, type Initializer, zerosInit } from "../init.ts";
import { kernels } from "../kernels/select.ts";
import { split } from "../random.ts";
import {
  allocate,
  DEFAULT_DTYPE,
  type DType,
  type FloatArray,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
} from "../tensor.ts";
import type { Layer } from "./layer.ts";

/** Parameters of {@linkcode dense}: weights `[in, units]` and, unless disabled, bias `[units]`. */
export type DenseParams = { readonly w: Tensor; readonly b?: Tensor };

/** Options of {@linkcode dense}. */
export interface DenseOptions {
  /** Weight initialiser, called with fans `(in, units)`; default {@linkcode glorotUniform}. */
  init?: Initializer;
  /** Whether to learn a bias; default `true`. */
  bias?: boolean;
  /** Bias initialiser; default zeros. */
  biasInit?: Initializer;
  /**
   * Parameter dtype, default float32. Inputs must have the same dtype; use float64 for
   * gradient checks.
   */
  dtype?: DType;
}

function checkParam(
  op: string,
  t: unknown,
  what: string,
  shape: readonly number[],
  dtype: DType,
  hint = "parameters and inputs must share a dtype",
) {
  if (!isTensor(t)) throw new TypeError(`Cannot ${op}: ${what} is not a tensor`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new TypeError(
      `Cannot ${op}: ${what} has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`,
    );
  }
  if (t.dtype !== dtype) {
    throw new TypeError(
      `Cannot ${op}: ${what} is ${t.dtype} but the input is ${dtype} ` +
        `(${hint})`,
    );
  }
}

/**
 * A fully connected layer with `units` outputs: `y = x·W + b` for a batch `x` of shape
 * `[batch, in]`, with `W: [in, units]` and `b: [units]`. Examples must be vectors: an input of
 * any other rank is a `TypeError` (flatten images first). Parameters have the `dtype` option's
 * element type (float32 by default) and must match the input's.
 *
 * The VJP, for `dy: [batch, units]`: `dW = xᵀ·dy`, `db = Σ_batch dy`, `dx = dy·Wᵀ`. Both
 * products call `kernels().gemm` with transpose flags, so no transpose is ever materialised.
 * `dx` is computed when its data is first read: a model's first layer is where nobody reads
 * it, and there it costs as much as `dW` (a third of the MLP benchmark's backward pass).
 *
 * @example
 * ```ts
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = dense(3);
 * const { outShape, params } = layer.init(key(0), [2]);
 * if (outShape[0] !== 3 || params.w.shape.join() !== "2,3") throw new Error("unexpected");
 * const { y, vjp } = layer.apply(params, null, tensor([[1, 2], [3, 4]]), EVAL);
 * if (y.shape.join() !== "2,3") throw new Error("unexpected");
 * const grads = vjp(tensor([[1, 0, 0], [0, 1, 0]]));
 * if (grads.params.b?.data[0] !== 1 || grads.x.shape.join() !== "2,2") throw new Error("unexpected");
 * ```
 */
export function dense(units: number, options: DenseOptions = {}): Layer<DenseParams, null> {
  if (!(Number.isInteger(units) && units >= 1)) {
    throw new RangeError(`dense: units must be a positive integer, got ${units}`);
  }
  const { init = glorotUniform, bias = true, biasInit = zerosInit, dtype = DEFAULT_DTYPE } =
    options;
  if (typeof init !== "function" || typeof biasInit !== "function") {
    throw new TypeError("dense: init and biasInit must be initialiser functions");
  }
  if (dtype !== "float32" && dtype !== "float64") {
    throw new RangeError(`dense: dtype must be "float32" or "float64", got ${String(dtype)}`);
  }
  return {
    name: "dense",
    init: (key, inShape) => {
      if (inShape.length !== 1 || !(Number.isInteger(inShape[0]) && inShape[0] >= 1)) {
        throw new TypeError(
          `dense: examples must be vectors [in] with in >= 1, got shape ${formatShape(inShape)} ` +
            `(flatten higher-rank examples first)`,
        );
      }
      const fans = { fanIn: inShape[0], fanOut: units, dtype };
      const [kw, kb] = split(key);
      const w = init(kw, [inShape[0], units], fans);
      const params: DenseParams = bias ? { w, b: biasInit(kb, [units], fans) } : { w };
      return { outShape: [units], params, state: null };
    },
    apply: (params, state, x) => {
      if (!isTensor(x) || x.shape.length !== 2) {
        throw new TypeError(
          `Cannot dense: expected a batch [batch, in] of rank 2, got ${
            isTensor(x) ? `shape ${formatShape(x.shape)}` : "a non-tensor"
          }`,
        );
      }
      const [n, inDim] = x.shape;
      const dt = x.dtype;
      checkParam("dense", params.w, "the weight w", [inDim, units], dt);
      const hasBias = params.b !== undefined;
      if (hasBias !== bias) {
        throw new TypeError(
          `Cannot dense: the layer was built with bias: ${bias} but the parameters ` +
            `${hasBias ? "have" : "lack"} a bias b`,
        );
      }
      if (hasBias) checkParam("dense", params.b, "the bias b", [units], dt);
      const w = params.w.data;
      const out = allocate(dt, n * units);
      kernels().gemm(false, false, n, units, inDim, x.data, w, out);
      if (hasBias) addRows(out, params.b!.data, n, units);
      return {
        y: fromTypedArray(out, [n, units]),
        state,
        vjp: (dy) => {
          checkParam(
            "dense VJP",
            dy,
            "the cotangent",
            [n, units],
            dt,
            "the kernels need one dtype",
          );
          const g = dy.data;
          // dW[in×units] = xᵀ·dy: x is stored batch×in, so it is op(a) with transA.
          const dw = allocate(dt, inDim * units);
          kernels().gemm(true, false, inDim, units, n, x.data, g, dw);
          const dx = lazyInputCotangent(dt, n, inDim, units, g, w);
          const dW = fromTypedArray(dw, [inDim, units]);
          if (!hasBias) return { params: { w: dW }, x: dx };
          // Column sums accumulate in double so a float32 bias gradient over a large batch
          // loses nothing to the running sum.
          const db = allocate(dt, units);
          db.set(columnSums(g, n, units));
          return {
            params: { w: dW, b: fromTypedArray(db, [units]) },
            x: dx,
          };
        },
      };
    },
  };
}

/**
 * dx[batch×in] = dy·Wᵀ (W is stored in×units, so it is op(b) with transB), computed when its
 * data is first read. The first layer of a model is the usual place nobody reads it, and there
 * it is the largest product of the backward pass (batch·in·units multiply-adds, as many as
 * dW). The tensor is frozen like any other and its data, once computed, never changes.
 */
function lazyInputCotangent(
  dt: DType,
  n: number,
  inDim: number,
  units: number,
  g: FloatArray,
  w: FloatArray,
): Tensor {
  let data: FloatArray | undefined;
  return Object.freeze({
    dtype: dt,
    shape: Object.freeze([n, inDim]),
    get data(): FloatArray {
      if (data === undefined) {
        const dx = allocate(dt, n * inDim);
        kernels().gemm(false, true, n, inDim, units, g, w, dx);
        data = dx;
      }
      return data;
    },
  });
}

// The loops below are functions of their own: JavaScriptCore ran them several times slower
// inline in `apply` (Bun: 0.28 ms for the MLP's first bias against 0.02 ms under V8), and an
// engine optimises a small function early and keeps it optimised.

/** `out[i, j] += b[j]` for each of the `n` rows of `out` (freshly allocated by the caller). */
function addRows(out: FloatArray, b: FloatArray, n: number, units: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * units;
    for (let j = 0; j < units; j++) out[row + j] += b[j];
  }
}

/** Column sums of the `n × units` matrix `g`, accumulated in double. */
function columnSums(g: FloatArray, n: number, units: number): Float64Array {
  const sums = new Float64Array(units);
  for (let i = 0; i < n; i++) {
    const row = i * units;
    for (let j = 0; j < units; j++) sums[j] += g[row + j];
  }
  return sums;
}
