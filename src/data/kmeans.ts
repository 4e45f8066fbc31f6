/**
 * k-means clustering with k-means++ seeding: the usual way to place the centres of an RBF
 * layer on the data (`rbf(units, { centers: kmeans(x, units, { key }).centers })`), since a
 * layer's `init` sees only shapes. Every step is a primitive call through `untraced(backend)`.
 *
 * @module
 */

import { type Ops, untraced } from "../autodiff/ops.ts";
import type { Backend } from "../kernels/kernels.ts";
import { defaultBackend } from "../kernels/select.ts";
import { squaredDistances } from "../layers/_distances.ts";
import { type Key, split, uniform } from "../random.ts";
import { formatShape, isTensor, item, scalar, type Tensor } from "../tensor.ts";
import {
  checkBackend,
  checkInteger,
  checkKey,
  checkOptions,
  describeValue,
  MAX_ELEMENTS,
} from "../_checks.ts";

/** Options of {@linkcode kmeans}. */
export interface KMeansOptions {
  /** The key of the k-means++ seeding (required): the same key gives the same clusters. */
  key: Key;
  /**
   * The most Lloyd iterations (assign each point, then move each centre to its cluster's
   * mean). Default 100.
   */
  iterations?: number;
  /** The backend the primitives run on; default {@linkcode defaultBackend}. */
  backend?: Backend;
}

/** The result of {@linkcode kmeans}. */
export interface KMeans {
  /** The centres `[k, features]`, in x's dtype. */
  readonly centers: Tensor;
  /**
   * The index of each point's nearest centre, `[n]` (a float tensor of class indices, as
   * datasets hold them).
   */
  readonly assignments: Tensor;
  /** The sum of squared distances from each point to its centre. */
  readonly inertia: number;
  /** The Lloyd iterations run. */
  readonly iterations: number;
  /** Whether the assignments stopped changing before `iterations` ran out. */
  readonly converged: boolean;
}

/**
 * Clusters the rows of `x: [n, features]` into `k` clusters (`1 <= k <= n`). Seeding is
 * k-means++ (Arthur and Vassilvitskii 2007): the first centre a uniformly drawn point, each next
 * one a point drawn with probability proportional to its squared distance to the nearest centre
 * so far (sampled with the Gumbel-max trick, `argmax(log D² + Gumbel noise)`, so the draw is
 * one primitive reduction). Then Lloyd's iterations until the assignments stop changing: each
 * point to its nearest centre (the first on a tie), each centre to the mean of its points (a
 * centre left with no points stays where it is). Fewer than `k` distinct points is a
 * `RangeError`.
 *
 * @example
 * ```ts
 * import { kmeans } from "./kmeans.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([[0, 0], [0, 1], [10, 10], [10, 11]]);
 * const { centers, assignments } = kmeans(x, 2, { key: key(0) });
 * const a = assignments.data;
 * if (a[0] !== a[1] || a[2] !== a[3] || a[0] === a[2]) throw new Error("unexpected");
 * if (centers.data[2 * a[2] + 1] !== 10.5) throw new Error("unexpected");
 * ```
 */
export function kmeans(x: Tensor, k: number, options: KMeansOptions): KMeans {
  const op = "kmeans";
  if (options === undefined) {
    throw new TypeError(`${op}: options { key, iterations?, backend? } are required (the key)`);
  }
  const o = checkOptions(op, options, ["key", "iterations", "backend"]);
  const { key, iterations = 100, backend = defaultBackend() } = o;
  checkKey(op, key, "options.key");
  checkInteger(op, "iterations", iterations, { min: 1, max: 1e6 });
  checkBackend(op, backend, "options.backend");
  if (!isTensor(x) || x.shape.length !== 2 || x.shape[0] < 1 || x.shape[1] < 1) {
    throw new TypeError(
      `${op}: x must be a tensor [n, features] with n, features >= 1, got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
  const n = x.shape[0];
  checkInteger(op, "k", k, { min: 1, max: MAX_ELEMENTS });
  if (k > n) {
    throw new RangeError(`${op}: k = ${k} clusters need at least ${k} points, x has ${n}`);
  }
  const t = untraced(backend);
  if (!Number.isFinite(item(t.max(t.abs(x))))) {
    throw new RangeError(`${op}: x holds a NaN or an infinity; points must be finite`);
  }
  let centers = seed(t, x, k, key);
  let assign = nearest(t, x, centers);
  let run = 0, converged = false;
  while (run < iterations) {
    centers = means(t, x, assign, centers, k);
    run++;
    const next = nearest(t, x, centers);
    const same = item(t.sum(t.equal(next, assign))) === n;
    assign = next;
    if (same) {
      converged = true;
      break;
    }
  }
  const d2 = squaredDistances(t, x, centers);
  const inertia = item(t.sum(t.neg(t.max(t.neg(d2), { axis: 1 }))));
  return Object.freeze({ centers, assignments: assign, inertia, iterations: run, converged });
}

/** k-means++: k rows of x, each next drawn with probability ∝ D² (Gumbel-max). */
function seed(t: Ops, x: Tensor, k: number, key: Key): Tensor {
  const n = x.shape[0];
  const keys = split(key, k);
  const first = Math.min(n - 1, Math.floor(item(uniform(keys[0], [1])) * n));
  let centers = t.take(x, [first], 0);
  let d2 = t.reshape(squaredDistances(t, x, centers), [n]);
  for (let j = 1; j < k; j++) {
    if (!(item(t.max(d2)) > 0)) {
      throw new RangeError(
        `kmeans: x has only ${j} distinct points, fewer than the k = ${k} clusters asked for`,
      );
    }
    // −log(−log U) is Gumbel noise; log D² = −∞ keeps a point already chosen from being drawn.
    const u = uniform(keys[j], [n], { dtype: x.dtype });
    const gumbel = t.neg(t.log(t.neg(t.log(u))));
    const pick = item(t.argmax(t.add(t.log(d2), gumbel)));
    const row = t.take(x, [pick], 0);
    centers = t.concat([centers, row], 0);
    d2 = t.minimum(d2, t.reshape(squaredDistances(t, x, row), [n]));
  }
  return centers;
}

/** Each point's nearest centre (the first on a tie), `[n]`. */
function nearest(t: Ops, x: Tensor, centers: Tensor): Tensor {
  return t.argmax(t.neg(squaredDistances(t, x, centers)), 1);
}

/** Each centre moved to the mean of its points; a centre with none keeps its place. */
function means(t: Ops, x: Tensor, assign: Tensor, centers: Tensor, k: number): Tensor {
  const member = t.oneHot(assign, k); // [n, k]
  const counts = t.reshape(t.sum(member, { axis: 0 }), [k, 1]);
  const sums = t.matmul(t.transpose(member), x); // [k, features]
  const one = scalar(1, x.dtype);
  const occupied = t.minimum(counts, one); // 1 for a centre with points, 0 for one without
  return t.where(occupied, t.div(sums, t.maximum(counts, one)), centers);
}
