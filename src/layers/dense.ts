/**
 * The fully connected layer: `y = x·W + b`.
 *
 * @module
 */

import { glorotUniform, type Initializer, zerosInit } from "../init.ts";
import { split } from "../random.ts";
import { DEFAULT_DTYPE, type DType, formatShape, isTensor, type Tensor } from "../tensor.ts";
import type { Layer } from "./layer.ts";
import {
  checkBoolean,
  checkDType,
  checkFunction,
  checkInteger,
  checkOptions,
  checkShape,
  describeValue,
  MAX_ELEMENTS,
} from "../_checks.ts";
import { describeTreeOf } from "../_tree_walk.ts";
import { checkContext, checkInitArgs, checkNone, checkRecord } from "./_layer_checks.ts";

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
  if (!isTensor(t)) {
    throw new TypeError(
      `Cannot ${op}: ${what} must be a tensor of shape ${formatShape(shape)}, got ${
        describeValue(t)
      }`,
    );
  }
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
 * The forward code is one fused primitive, `t.linear(x, w, b)`; its pullback gives `dW = xᵀ·dy`,
 * `db = Σ_batch dy` and `dx = dy·Wᵀ`, the last only when something upstream needs it (not in a
 * model's first layer, where it would cost as much as `dW`).
 *
 * @example
 * ```ts
 * import { dense } from "./dense.ts";
 * import { EVAL } from "./layer.ts";
 * import { vjp } from "../autodiff/trace.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = dense(3);
 * const { outShape, params } = layer.init(key(0), [2]);
 * if ((outShape as number[])[0] !== 3 || params.w.shape.join() !== "2,3") throw new Error("unexpected");
 * const x = tensor([[1, 2], [3, 4]]);
 * const [y, pullback] = vjp((t, p) => layer.apply(t, p, null, x, EVAL).y, params);
 * if (y.shape.join() !== "2,3") throw new Error("unexpected");
 * const grads = pullback(tensor([[1, 0, 0], [0, 1, 0]]));
 * if (grads.b?.data[0] !== 1 || grads.w.shape.join() !== "2,3") throw new Error("unexpected");
 * ```
 */
export function dense(units: number, options: DenseOptions = {}): Layer<DenseParams, null> {
  const op = "dense";
  checkInteger(op, "units", units, { min: 1, max: MAX_ELEMENTS });
  const { init = glorotUniform, bias = true, biasInit = zerosInit, dtype = DEFAULT_DTYPE } =
    checkOptions(op, options, ["init", "bias", "biasInit", "dtype"]);
  checkFunction(op, "init", init, "an initialiser (key, shape, options) => Tensor");
  checkFunction(op, "biasInit", biasInit, "an initialiser (key, shape, options) => Tensor");
  checkBoolean(op, "bias", bias);
  checkDType(op, dtype);
  const keys = bias ? ["w", "b"] : ["w"];
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      if (inShape.length !== 1 || !(Number.isInteger(inShape[0]) && inShape[0] >= 1)) {
        throw new TypeError(
          `dense init: examples must be vectors [in] with in >= 1, got shape ${
            formatShape(inShape)
          } ` +
            `(flatten higher-rank examples first)`,
        );
      }
      checkShape(`${op} init`, [inShape[0], units], "the weight shape");
      const fans = { fanIn: inShape[0], fanOut: units, dtype };
      const [kw, kb] = split(key);
      const w = init(kw, [inShape[0], units], fans);
      checkParam(
        `${op} init`,
        w,
        "the weight the initialiser returned",
        [inShape[0], units],
        dtype,
      );
      const b = bias ? biasInit(kb, [units], fans) : undefined;
      if (b !== undefined) {
        checkParam(`${op} init`, b, "the bias the initialiser returned", [units], dtype);
      }
      const params: DenseParams = b !== undefined ? { w, b } : { w };
      return { outShape: [units], params, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx);
      checkNone(op, "state", state);
      if (!isTensor(x) || x.shape.length !== 2) {
        throw new TypeError(
          `Cannot dense: expected a batch [batch, in] of rank 2, got ${
            isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
          }`,
        );
      }
      const inDim = x.shape[1];
      // The structure init made for this input, as describeTree writes it.
      const expected = bias ? `{b:[${units}],w:[${inDim},${units}]}` : `{w:[${inDim},${units}]}`;
      if (typeof params !== "object" || params === null || isTensor(params)) {
        checkRecord(op, "params", params, expected, keys);
      }
      const dt = x.dtype;
      checkParam("dense", params.w, "the weight w", [inDim, units], dt);
      const hasBias = params.b !== undefined;
      if (hasBias !== bias) {
        throw new TypeError(
          `Cannot dense: the layer was built with bias: ${bias} but the parameters ` +
            `${hasBias ? "have" : "lack"} a bias b (expected ${expected}, got ${
              describeTreeOf(params)
            })`,
        );
      }
      checkRecord(op, "params", params, expected, keys);
      if (hasBias) checkParam("dense", params.b, "the bias b", [units], dt);
      return { y: t.linear(x, params.w, params.b), state };
    },
  };
}
