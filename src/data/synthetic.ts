/**
 * Seeded two-dimensional toy problems: two moons, spirals and concentric circles. Each returns
 * a {@linkcode Dataset} with `x` of shape `[n, 2]` and `y` of shape `[n]` holding class indices;
 * example `i` belongs to class `i % classes`, so every class is equally represented in any prefix.
 * The same key gives the same points.
 *
 * @module
 */

import type { Dataset } from "./dataset.ts";
import { type Key, normal, split, uniform } from "../random.ts";
import { allocate, DEFAULT_DTYPE, type DType, fromTypedArray } from "../tensor.ts";
import { checkDType, checkInteger, checkKey, checkNumber, checkOptions } from "../_checks.ts";

/** Options shared by the generators. */
export interface SyntheticOptions {
  /** Standard deviation of the Gaussian noise (see each generator for where it is added). */
  noise?: number;
  /** Element type of `x` and `y`, default float32. */
  dtype?: DType;
}

/** The checks every generator makes under its name: key, count, noise and dtype. */
function checkGenerator(op: string, key: Key, n: number, noise: unknown, dtype: unknown): void {
  checkKey(op, key);
  // Each example costs a few float64 words of scratch; 2²⁶ examples is far past a toy problem.
  checkInteger(op, "n", n, { min: 1, max: 1 << 26 });
  checkNumber(op, "noise", noise, { min: 0 });
  checkDType(op, dtype);
}

/** Packs float64 coordinates and class indices into a dataset of the requested dtype. */
function pack(op: string, xy: Float64Array, labels: Float64Array, dtype: DType): Dataset {
  const x = allocate(dtype, xy.length, op);
  x.set(xy);
  const y = allocate(dtype, labels.length, op);
  y.set(labels);
  return { x: fromTypedArray(x, [labels.length, 2]), y: fromTypedArray(y, [labels.length]) };
}

/**
 * Two interleaved half circles (scikit-learn's `make_moons`): class 0 on
 * `(cos t, sin t)`, class 1 on `(1 - cos t, 0.5 - sin t)`, `t` uniform in `[0, pi)`, plus
 * Gaussian noise of standard deviation `noise` (default 0.1) on both coordinates.
 *
 * @example
 * ```ts
 * import { twoMoons } from "./synthetic.ts";
 * import { key } from "../random.ts";
 * const { x, y } = twoMoons(key(0), 200, { noise: 0.1 });
 * if (x.shape.join() !== "200,2" || y.data[1] !== 1) throw new Error("unexpected");
 * ```
 */
export function twoMoons(key: Key, n: number, options: SyntheticOptions = {}): Dataset {
  const { noise = 0.1, dtype = DEFAULT_DTYPE } = checkOptions("twoMoons", options, [
    "noise",
    "dtype",
  ]);
  checkGenerator("twoMoons", key, n, noise, dtype);
  const [kt, kz] = split(key);
  const t = uniform(kt, [n], { max: Math.PI, dtype: "float64" }).data;
  const z = normal(kz, [n, 2], { std: noise, dtype: "float64" }).data;
  const xy = allocate("float64", 2 * n, "twoMoons") as Float64Array;
  const labels = allocate("float64", n, "twoMoons") as Float64Array;
  for (let i = 0; i < n; i++) {
    const c = i & 1, ct = Math.cos(t[i]), st = Math.sin(t[i]);
    xy[2 * i] = (c === 0 ? ct : 1 - ct) + z[2 * i];
    xy[2 * i + 1] = (c === 0 ? st : 0.5 - st) + z[2 * i + 1];
    labels[i] = c;
  }
  return pack("twoMoons", xy, labels, dtype);
}

/** Options of {@linkcode spirals}. */
export interface SpiralOptions extends SyntheticOptions {
  /** Number of arms (classes), an integer >= 2; default 3. */
  classes?: number;
}

/**
 * Interleaved spiral arms (the CS231n toy problem). Example `i` of class `c = i % classes` has
 * radius `r` uniform in `[0, 1)` and angle `2 pi c / classes + 4 r`, plus Gaussian noise of
 * standard deviation `noise` (default 0.2) on the angle; its point is `(r sin a, r cos a)`.
 *
 * @example
 * ```ts
 * import { spirals } from "./synthetic.ts";
 * import { key } from "../random.ts";
 * const { x, y } = spirals(key(0), 300, { classes: 3 });
 * if (x.shape.join() !== "300,2" || y.data[5] !== 2) throw new Error("unexpected");
 * ```
 */
export function spirals(key: Key, n: number, options: SpiralOptions = {}): Dataset {
  const { noise = 0.2, classes = 3, dtype = DEFAULT_DTYPE } = checkOptions("spirals", options, [
    "noise",
    "classes",
    "dtype",
  ]);
  checkGenerator("spirals", key, n, noise, dtype);
  checkInteger("spirals", "classes", classes, { min: 2, max: 1 << 20 });
  const [kr, kz] = split(key);
  const r = uniform(kr, [n], { dtype: "float64" }).data;
  const z = normal(kz, [n], { std: noise, dtype: "float64" }).data;
  const xy = allocate("float64", 2 * n, "spirals") as Float64Array;
  const labels = allocate("float64", n, "spirals") as Float64Array;
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const a = (2 * Math.PI * c) / classes + 4 * r[i] + z[i];
    xy[2 * i] = r[i] * Math.sin(a);
    xy[2 * i + 1] = r[i] * Math.cos(a);
    labels[i] = c;
  }
  return pack("spirals", xy, labels, dtype);
}

/** Options of {@linkcode circles}. */
export interface CircleOptions extends SyntheticOptions {
  /** Radius of the inner circle relative to the outer one, in (0, 1); default 0.5. */
  factor?: number;
}

/**
 * Two concentric circles (scikit-learn's `make_circles`): class 0 on the unit circle, class 1 on
 * the circle of radius `factor`, angles uniform, plus Gaussian noise of standard deviation
 * `noise` (default 0.05) on both coordinates.
 *
 * @example
 * ```ts
 * import { circles } from "./synthetic.ts";
 * import { key } from "../random.ts";
 * const { x } = circles(key(0), 100, { noise: 0, factor: 0.5 });
 * const r1 = Math.hypot(x.data[2], x.data[3]); // example 1 is on the inner circle
 * if (Math.abs(r1 - 0.5) > 1e-6) throw new Error("unexpected");
 * ```
 */
export function circles(key: Key, n: number, options: CircleOptions = {}): Dataset {
  const { noise = 0.05, factor = 0.5, dtype = DEFAULT_DTYPE } = checkOptions("circles", options, [
    "noise",
    "factor",
    "dtype",
  ]);
  checkGenerator("circles", key, n, noise, dtype);
  checkNumber("circles", "factor", factor, {
    min: 0,
    max: 1,
    minExclusive: true,
    maxExclusive: true,
  });
  const [ka, kz] = split(key);
  const a = uniform(ka, [n], { max: 2 * Math.PI, dtype: "float64" }).data;
  const z = normal(kz, [n, 2], { std: noise, dtype: "float64" }).data;
  const xy = allocate("float64", 2 * n, "circles") as Float64Array;
  const labels = allocate("float64", n, "circles") as Float64Array;
  for (let i = 0; i < n; i++) {
    const c = i & 1, radius = c === 0 ? 1 : factor;
    xy[2 * i] = radius * Math.cos(a[i]) + z[2 * i];
    xy[2 * i + 1] = radius * Math.sin(a[i]) + z[2 * i + 1];
    labels[i] = c;
  }
  return pack("circles", xy, labels, dtype);
}
