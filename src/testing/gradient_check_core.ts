/**
 * The core of the gradient checker (see `gradient_check.ts` for the method): the options and
 * report types, and the comparison of a trace's VJP with central finite differences.
 *
 * @module
 */

import { type Key, key as makeKey, normal, randomBits, split } from "../random.ts";
import { formatShape, fromTypedArray, shapesEqual, type Tensor } from "../tensor.ts";
import { formatPath, type Tree, treeLeaves } from "../tree.ts";
import { flattenTree } from "../_tree_walk.ts";
import {
  checkBackend,
  checkFunction,
  checkInteger,
  checkKey,
  checkNumber,
  checkOptions,
  describeValue,
} from "../_checks.ts";
import type { Ops } from "../autodiff/ops.ts";
import { untraced } from "../autodiff/ops.ts";
import { vjp } from "../autodiff/trace.ts";
import type { Backend } from "../kernels/kernels.ts";
import { backend as namedBackend } from "../kernels/select.ts";

/** Options of {@linkcode checkGradients}. */
export interface GradientCheckOptions {
  /** Finite-difference step `h`. Default `1e-5`. */
  step?: number;
  /** Largest acceptable error (see the module doc). Default `1e-6`. */
  tolerance?: number;
  /** Absolute floor of the error's denominator. Default `1e-3`. */
  floor?: number;
  /** Key for the random cotangent and for sampling elements. Default `key(0)`. */
  key?: Key;
  /** At most this many elements are checked per input leaf (chosen at random). Default 64. */
  maxPerLeaf?: number;
  /**
   * The backend the primitives run on. Default: the TypeScript reference (`backend("ts")`),
   * whose float64 loops are exact enough for differences at `h = 1e-5`.
   */
  backend?: Backend;
}

/** Where the worst disagreement occurred. */
export interface GradientCheckWorst {
  /** Path of the input leaf, e.g. `params.0.w` (see `formatPath`). */
  path: string;
  /** Flat (row-major) index of the element within that leaf. */
  index: number;
  /** The VJP's value. */
  analytic: number;
  /** The central-difference value. */
  numeric: number;
  /** The error of this element. */
  error: number;
}

/** The result of a gradient check. */
export interface GradientCheckReport {
  /** True when at least one element was compared, `maxError <= tolerance` and every value is finite. */
  ok: boolean;
  /** The worst error over all checked elements. */
  maxError: number;
  /** The element with the worst error (`null` when nothing was checked). */
  worst: GradientCheckWorst | null;
  /** How many elements were compared. */
  checked: number;
  /** The tolerance the check used. */
  tolerance: number;
}

/**
 * A function the checker differentiates: forward code over the primitives of `t` from a tree
 * of inputs to a tree of outputs. The checker runs it in a trace for the analytic cotangents
 * and untraced, on moved inputs, for the central differences.
 */
export type Differentiable<X extends Tree> = (t: Ops, x: X) => Tree;

const referenceBackend: Backend = namedBackend("ts");

function requireFloat64(op: string, leaves: readonly Tensor[], what: string): void {
  for (const t of leaves) {
    if (t.dtype !== "float64") {
      throw new TypeError(
        `${op}: ${what} must be float64 for finite differences, got a ${t.dtype} ` +
          `tensor of shape ${formatShape(t.shape)} (convert with astype(t, "float64"))`,
      );
    }
  }
}

/**
 * The checker behind every public entry point: `op` names the caller in messages. Returns the
 * report; throws only for malformed arguments.
 */
export function check<X extends Tree>(
  op: string,
  f: Differentiable<X>,
  x: X,
  options: GradientCheckOptions | undefined,
): GradientCheckReport {
  checkFunction(op, "f", f, "a function (t, x) => outputs over the primitives of t");
  const {
    step = 1e-5,
    tolerance = 1e-6,
    floor = 1e-3,
    key = makeKey(0),
    maxPerLeaf = 64,
    backend = referenceBackend,
  } = checkOptions(op, options, ["step", "tolerance", "floor", "key", "maxPerLeaf", "backend"]);
  checkNumber(op, "step", step, { min: 0, minExclusive: true });
  checkNumber(op, "tolerance", tolerance, { min: 0 });
  checkNumber(op, "floor", floor, { min: 0, minExclusive: true });
  checkKey(op, key);
  checkInteger(op, "maxPerLeaf", maxPerLeaf, { min: 1 });
  checkBackend(op, backend, "options.backend");
  const [leaves, unflatten] = flattenTree(op, x);
  requireFloat64(op, leaves, "inputs");
  const [y, pullback] = vjp(f, x, { backend });
  const [outs] = flattenTree(`${op} (f's output)`, y);
  if (outs.length === 0) {
    throw new TypeError(`${op}: f returned no tensors, got ${describeValue(y)}`);
  }
  requireFloat64(op, outs, "the outputs");
  const [kCot, kPick] = split(key);
  const us = outs.map((o, i) =>
    normal(split(kCot, outs.length + 1)[i], o.shape, { dtype: "float64" })
  );
  const [, rebuild] = flattenTree(op, y);
  const grads = flattenTree(`${op} (the pullback's result)`, pullback(rebuild(us)) as Tree)[0];
  if (grads.length !== leaves.length) {
    throw new TypeError(
      `${op}: the pullback returned ${grads.length} leaves for ${leaves.length} inputs`,
    );
  }
  const plain = untraced(backend);
  const outputsAt = (moved: Tree): Tensor[] =>
    flattenTree(`${op} (f's output)`, f(plain, moved as X))[0];
  // Σ u·(f(x + h) − f(x − h)), differenced output by output before the sum, so that a large
  // output that does not depend on x_i cannot swamp a small one that does.
  const projectDifference = (plus: Tensor[], minus: Tensor[]): number => {
    let sum = 0;
    for (let o = 0; o < us.length; o++) {
      const pd = plus[o].data, md = minus[o].data, ud = us[o].data;
      for (let j = 0; j < ud.length; j++) sum += ud[j] * (pd[j] - md[j]);
    }
    return sum;
  };
  const paths = treeLeaves(x).map((leaf) => formatPath(leaf.path));
  let worst: GradientCheckWorst | null = null;
  let checked = 0;
  let finite = true;
  for (let l = 0; l < leaves.length; l++) {
    const leaf = leaves[l];
    const grad = grads[l];
    if (!shapesEqual(grad.shape, leaf.shape)) {
      throw new TypeError(
        `${op}: the VJP's cotangent for ${paths[l]} has shape ${
          formatShape(grad.shape)
        }, expected ${formatShape(leaf.shape)}`,
      );
    }
    for (const index of pickIndices(leaf.data.length, maxPerLeaf, l, kPick)) {
      const evalAt = (delta: number) => {
        const data = new Float64Array(leaf.data);
        data[index] += delta;
        const moved = leaves.slice();
        moved[l] = fromTypedArray(data, leaf.shape);
        return outputsAt(unflatten(moved));
      };
      const numeric = projectDifference(evalAt(step), evalAt(-step)) / (2 * step);
      const analytic = grad.data[index];
      const error = Math.abs(analytic - numeric) /
        Math.max(Math.abs(analytic), Math.abs(numeric), floor);
      if (!Number.isFinite(analytic) || !Number.isFinite(numeric)) finite = false;
      checked++;
      if (worst === null || !(error <= worst.error)) {
        worst = { path: paths[l], index, analytic, numeric, error };
      }
    }
  }
  const maxError = worst === null ? 0 : worst.error;
  // A check that compared nothing has shown nothing: it is not a pass.
  return {
    ok: checked > 0 && finite && maxError <= tolerance,
    maxError,
    worst,
    checked,
    tolerance,
  };
}

function pickIndices(n: number, max: number, leaf: number, key: Key): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const bits = randomBits(split(key, leaf + 1)[leaf], max);
  return Array.from(bits, (b) => b % n);
}
