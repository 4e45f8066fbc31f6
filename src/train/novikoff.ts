/**
 * Novikoff's bound on the perceptron's mistakes: if a unit vector `u` separates the data with
 * margin `γ = minᵢ yᵢ u·xᵢ > 0` and every example has `‖xᵢ‖ ≤ R`, the perceptron started at
 * zero makes at most `(R/γ)²` mistakes in all, however many epochs it runs and in whatever
 * order it sees the examples. The proof is two lines: each mistake adds at least `ηγ` to `w·u`
 * and at most `η²R²` to `‖w‖²`, so after `k` mistakes `kηγ ≤ w·u ≤ ‖w‖ ≤ √k ηR`.
 *
 * With a bias the perceptron is the same rule on the augmented examples `(xᵢ, 1)` and the
 * separator is `(w, b)`, so `R` and `γ` are measured there: `R = maxᵢ ‖(xᵢ, 1)‖`,
 * `γ = minᵢ yᵢ(w·xᵢ + b) / ‖(w, b)‖`. Any separating hyperplane gives a valid bound (the
 * hard-margin one the tightest); the one that generated the data is the usual choice.
 *
 * @module
 */

import { untraced } from "../autodiff/ops.ts";
import type { Backend } from "../kernels/kernels.ts";
import { defaultBackend } from "../kernels/select.ts";
import { formatShape, isTensor, item, scalar, type Tensor } from "../tensor.ts";
import { checkBoolean, checkNumber, checkOptions, describeValue } from "../_checks.ts";
import { checkBackend } from "./state.ts";
import { checkPerceptronData } from "./_perceptron_data.ts";

/**
 * A hyperplane `w·x + b = 0`: weights `[features]` and an optional bias (a number or a scalar
 * tensor; default 0).
 */
export interface Separator {
  /** The normal vector, `[features]`, in the data's dtype. It need not be a unit vector. */
  readonly w: Tensor;
  /** The offset; default 0. */
  readonly b?: number | Tensor;
}

/** Options of {@linkcode novikoffBound}. */
export interface NovikoffOptions {
  /**
   * Whether the perceptron the bound is for learns a bias (as `trainPerceptron`'s option of
   * the same name): then `R` and `γ` are measured on the augmented examples `(x, 1)`. Default
   * `true`.
   */
  bias?: boolean;
  /** The backend the primitives run on; default {@linkcode defaultBackend}. */
  backend?: Backend;
}

/** The result of {@linkcode novikoffBound}. */
export interface NovikoffBound {
  /** `R`: the largest norm of an (augmented) example. */
  readonly radius: number;
  /**
   * `γ`: the smallest signed distance `yᵢ(w·xᵢ + b)/‖(w, b)‖` of an example to the
   * hyperplane, positive.
   */
  readonly margin: number;
  /** `(R/γ)²`: no perceptron run from zero weights on this data makes more mistakes. */
  readonly bound: number;
}

/**
 * The radius `R`, the margin `γ` of the hyperplane `separator` and Novikoff's mistake bound
 * `(R/γ)²` for a perceptron on `x: [n, features]` with labels `y: [n]` of ±1 (see the module
 * doc for the augmented form used with a bias). A hyperplane that does not separate the data
 * (some `yᵢ(w·xᵢ + b) ≤ 0`) is a `RangeError` naming the first example on the wrong side.
 *
 * @example
 * ```ts
 * import { novikoffBound } from "./novikoff.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([[3, 4], [-3, -4]], [2, 2], "float64");
 * const { radius, margin, bound } = novikoffBound(x, tensor([1, -1], [2], "float64"), {
 *   w: tensor([3, 4], [2], "float64"),
 * }, { bias: false });
 * if (radius !== 5 || margin !== 5 || bound !== 1) throw new Error("unexpected");
 * ```
 */
export function novikoffBound(
  x: Tensor,
  y: Tensor,
  separator: Separator,
  options: NovikoffOptions = {},
): NovikoffBound {
  const op = "novikoffBound";
  const { bias = true, backend = defaultBackend() } = checkOptions(op, options, [
    "bias",
    "backend",
  ]);
  checkBoolean(op, "bias", bias);
  checkBackend(op, backend);
  const t = untraced(backend);
  const [n, d] = checkPerceptronData(op, t, x, y);
  if (separator === undefined) {
    throw new TypeError(`${op}: separator { w, b? } is required, got undefined`);
  }
  const sep = checkOptions(op, separator, ["w", "b"], "separator");
  const { w, b = 0 } = sep;
  if (!isTensor(w) || w.shape.length !== 1 || w.shape[0] !== d || w.dtype !== x.dtype) {
    throw new TypeError(
      `${op}: separator.w must be a ${x.dtype} tensor [${d}] for x of shape ${
        formatShape(x.shape)
      }, got ${describeValue(w)}`,
    );
  }
  let offset: number;
  if (isTensor(b)) {
    if (b.data.length !== 1) {
      throw new TypeError(
        `${op}: separator.b must be a number or a one-element tensor, got ${describeValue(b)}`,
      );
    }
    offset = item(b);
  } else {
    offset = b;
  }
  checkNumber(op, "separator.b", offset);
  if (!bias && offset !== 0) {
    throw new RangeError(
      `${op}: separator.b is ${offset} but bias is false (a perceptron without a bias only ` +
        "learns hyperplanes through the origin)",
    );
  }
  const extra = bias ? 1 : 0;
  // R² = max_i ‖x_i‖² (+ 1 for the augmented coordinate).
  const r2 = item(t.max(t.sum(t.square(x), { axis: 1 }))) + extra;
  const norm = Math.sqrt(item(t.sum(t.square(w))) + offset * offset);
  if (!(norm > 0)) throw new RangeError(`${op}: separator.w and separator.b are all zero`);
  const scores = t.reshape(
    t.linear(x, t.reshape(w, [d, 1]), t.reshape(scalar(offset, x.dtype), [1])),
    [n],
  );
  const signed = t.neg(t.mul(scores, y)); // -y_i (w·x_i + b): its largest is the worst example
  const worst = item(t.max(signed));
  if (!(worst < 0)) {
    const i = item(t.argmax(signed));
    throw new RangeError(
      `${op}: the separator does not separate the data: example ${i} (label ${
        y.data[i]
      }) has y(w·x + b) = ${-worst}, not > 0`,
    );
  }
  const margin = -worst / norm;
  // R²/γ² from R² itself: squaring √(R²) again would round a whole bound off its integer.
  return Object.freeze({ radius: Math.sqrt(r2), margin, bound: r2 / (margin * margin) });
}
