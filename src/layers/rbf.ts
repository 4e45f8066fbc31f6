/**
 * The radial basis function layer: `units` radial units, each answering with a function of the
 * distance from the input to its centre, `yⱼ = φ(‖x − cⱼ‖ / σⱼ)`.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import type { Initializer } from "../init.ts";
import { normal } from "../random.ts";
import {
  DEFAULT_DTYPE,
  type DType,
  formatShape,
  fromTypedArray,
  full,
  isTensor,
  item,
  type Tensor,
} from "../tensor.ts";
import { backend as namedBackend } from "../kernels/select.ts";
import {
  checkDType,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  describeValue,
  MAX_ELEMENTS,
} from "../_checks.ts";
import type { Layer } from "./layer.ts";
import { checkParam, checkRank } from "./_conv_checks.ts";
import { checkContext, checkInitArgs, checkNone, checkRecord } from "./_layer_checks.ts";
import { squaredDistances } from "./_distances.ts";

/**
 * The radial function `φ` of {@linkcode rbf}, of `u = r²/σ²` (`r` the distance to the centre,
 * `σ` the unit's width): `"gaussian"` `exp(−u/2)`, `"multiquadric"` `√(1 + u)` (Hardy's; it
 * grows with the distance), `"inverseMultiquadric"` `1/√(1 + u)` and `"inverseQuadratic"`
 * `1/(1 + u)`.
 */
export type RbfKernel = "gaussian" | "multiquadric" | "inverseMultiquadric" | "inverseQuadratic";

const KERNELS: readonly RbfKernel[] = [
  "gaussian",
  "multiquadric",
  "inverseMultiquadric",
  "inverseQuadratic",
];

/**
 * Parameters of {@linkcode rbf}: the centres `[units, features]` and the log of each unit's
 * width `[units]`. The width is learnt through its logarithm so that it stays positive whatever
 * step an optimiser takes (a width pushed through zero would flip nothing and blow up `u`), and
 * so that a step changes it by a factor rather than by an amount, whether it is 0.01 or 100.
 */
export type RbfParams = { readonly centers: Tensor; readonly logWidths: Tensor };

/** Options of {@linkcode rbf}. */
export interface RbfOptions {
  /** The radial function; default `"gaussian"`. */
  kernel?: RbfKernel;
  /**
   * Initial centres `[units, features]` (from `kmeans` on the training inputs, say): `init`
   * sees only shapes, so centres from data come in here. Default: drawn by `init`.
   */
  centers?: Tensor;
  /** Initialiser of the centres when `centers` is not given; default standard normal. */
  init?: Initializer;
  /**
   * Initial widths `σ`: one positive number for every unit, a tensor `[units]` of them, or
   * `"nearest"`: every width the mean, over the centres, of the distance from a centre to its
   * nearest other centre (the usual heuristic; needs `units >= 2`). Default 1.
   */
  widths?: number | Tensor | "nearest";
  /** Parameter dtype; default the dtype of `centers`, else float32. Inputs must match. */
  dtype?: DType;
}

const standardNormal: Initializer = (key, shape, options) =>
  normal(key, shape, { dtype: options?.dtype });

/** `φ(u)` for `u = r²/σ²`, over primitives. */
function radial(t: Ops, kernel: RbfKernel, u: Tensor): Tensor {
  switch (kernel) {
    case "gaussian":
      return t.exp(t.mulScalar(u, -0.5));
    case "multiquadric":
      return t.sqrt(t.addScalar(u, 1));
    case "inverseMultiquadric":
      return t.pow(t.addScalar(u, 1), -0.5);
    case "inverseQuadratic":
      return t.pow(t.addScalar(u, 1), -1);
  }
}

/** The mean over centres of the distance to the nearest other centre, through primitives. */
function meanNearest(c: Tensor): number {
  const t = untraced(namedBackend("ts"));
  const k = c.shape[0];
  const diagonal = Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0));
  const mask = fromTypedArray(diagonal, [k, k]);
  const others = t.where(mask, full([1], Infinity, c.dtype), squaredDistances(t, c, c));
  const nearest = t.neg(t.max(t.neg(others), { axis: 1 }));
  return item(t.mean(t.sqrt(nearest)));
}

/**
 * A layer of `units` radial units over vectors `[batch, features]`: unit `j` has a centre `cⱼ`
 * and a width `σⱼ`, both learnt, and answers `φ(‖x − cⱼ‖²/σⱼ²)` for the chosen
 * {@linkcode RbfKernel}, shape `[batch, units]`. Follow it with `dense(outputs)` for an RBF
 * network. The squared distances use the fast form `‖x‖² − 2x·cᵀ + ‖c‖²` (one gemm),
 * clamped at 0 against cancellation; the gradients with respect to the centres, the log-widths
 * and the input come from the primitives' pullbacks (checked in float64 for every kernel).
 *
 * @example
 * ```ts
 * import { rbf } from "./rbf.ts";
 * import { EVAL } from "./layer.ts";
 * import { untraced } from "../autodiff/ops.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const layer = rbf(2, { centers: tensor([[0, 0], [3, 4]]), widths: 5 });
 * const { params, outShape } = layer.init(key(0), [2]);
 * if ((outShape as number[])[0] !== 2) throw new Error("unexpected");
 * const { y } = layer.apply(untraced(), params, null, tensor([[0, 0]]), EVAL);
 * // At its own centre a Gaussian unit answers 1; five units away, with width 5, exp(-1/2).
 * if (y.data[0] !== 1 || Math.abs(y.data[1] - Math.exp(-0.5)) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function rbf(units: number, options: RbfOptions = {}): Layer<RbfParams, null> {
  const op = "rbf";
  checkInteger(op, "units", units, { min: 1, max: MAX_ELEMENTS });
  const o = checkOptions(op, options, ["kernel", "centers", "init", "widths", "dtype"]);
  const { kernel = "gaussian", centers, init = standardNormal, widths = 1 } = o;
  if (!KERNELS.includes(kernel)) {
    throw new TypeError(
      `${op}: kernel must be one of ${KERNELS.map((k) => `"${k}"`).join(", ")}, got ${
        describeValue(kernel)
      }`,
    );
  }
  checkFunction(op, "init", init, "an initialiser (key, shape, options) => Tensor");
  // An explicit `dtype: null` is an error, not the default (`??` would take it as absent).
  const dtype = checkDType(
    op,
    o.dtype !== undefined ? o.dtype : isTensor(centers) ? centers.dtype : DEFAULT_DTYPE,
  );
  if (centers !== undefined) {
    if (!isTensor(centers) || centers.shape.length !== 2 || centers.shape[0] !== units) {
      throw new TypeError(
        `${op}: centers must be a tensor [${units}, features] (one row per unit), got ${
          isTensor(centers) ? `shape ${formatShape(centers.shape)}` : describeValue(centers)
        }`,
      );
    }
    if (centers.dtype !== dtype) {
      throw new TypeError(`${op}: centers are ${centers.dtype} but dtype is ${dtype}`);
    }
    checkFiniteTensor(op, "centers", centers);
  }
  if (widths === "nearest") {
    if (units < 2) {
      throw new RangeError(`${op}: widths "nearest" needs units >= 2 (a centre and another)`);
    }
  } else if (isTensor(widths)) {
    if (widths.shape.length !== 1 || widths.shape[0] !== units || widths.dtype !== dtype) {
      throw new TypeError(
        `${op}: widths must be a ${dtype} tensor [${units}], got ${describeValue(widths)}`,
      );
    }
    const t = untraced(namedBackend("ts"));
    checkNumber(op, "the smallest of widths", item(t.neg(t.max(t.neg(widths)))), {
      min: 0,
      minExclusive: true,
    });
    checkFiniteTensor(op, "widths", widths);
  } else {
    checkNumber(op, "widths", widths, { min: 0, minExclusive: true });
  }
  const logOf = (w: Tensor) => untraced(namedBackend("ts")).log(w);
  return {
    name: op,
    init: (key, inShape) => {
      checkInitArgs(op, key, inShape);
      if (inShape.length !== 1 || inShape[0] < 1) {
        throw new TypeError(
          `${op} init: examples must be vectors [features] with features >= 1, got shape ${
            formatShape(inShape)
          } (flatten higher-rank examples first)`,
        );
      }
      const shape = [units, inShape[0]];
      if (centers !== undefined && centers.shape[1] !== inShape[0]) {
        throw new TypeError(
          `${op} init: the centers have ${centers.shape[1]} features but the examples ` +
            `${formatShape(inShape)} have ${inShape[0]}`,
        );
      }
      const c = centers ?? init(key, shape, { fanIn: inShape[0], fanOut: units, dtype });
      checkParam(`${op} init`, c, "the centres the initialiser returned", shape, dtype);
      let logWidths: Tensor;
      if (widths === "nearest") {
        const sigma = meanNearest(c);
        if (!(sigma > 0 && Number.isFinite(sigma))) {
          throw new RangeError(
            `${op} init: widths "nearest" found a mean nearest-centre distance of ${sigma} ` +
              "(centres that coincide); give the widths instead",
          );
        }
        logWidths = full([units], Math.log(sigma), dtype);
      } else {
        logWidths = isTensor(widths) ? logOf(widths) : full([units], Math.log(widths), dtype);
      }
      return { outShape: [units], params: { centers: c, logWidths }, state: null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      checkNone(op, "state", state);
      checkRank(op, x, 2, "[batch, features]");
      const f = x.shape[1];
      const expected = `{centers:[${units},${f}],logWidths:[${units}]}`;
      checkRecord(op, "params", params, expected, ["centers", "logWidths"]);
      checkParam(op, params.centers, "the centres centers", [units, f], x.dtype);
      checkParam(op, params.logWidths, "the log-widths logWidths", [units], x.dtype);
      const d2 = squaredDistances(t, x, params.centers);
      // u = r²/σ² = r²·exp(−2 log σ), broadcast along the batch.
      const u = t.mul(d2, t.exp(t.mulScalar(params.logWidths, -2)));
      return { y: radial(t, kernel, u), state };
    },
  };
}

function checkFiniteTensor(op: string, name: string, x: Tensor): void {
  const t = untraced(namedBackend("ts"));
  if (x.data.length > 0 && !Number.isFinite(item(t.max(t.abs(x))))) {
    throw new RangeError(`${op}: ${name} hold a NaN or an infinity; they must be finite`);
  }
}
