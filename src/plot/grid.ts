/**
 * A grid of values over a rectangle of the plane: what a heatmap or a contour plot draws.
 *
 * @module
 */

import { checkDomain, checkNumbers, checkObject, checkOptions } from "./_checks.ts";

/**
 * `cols x rows` values over `[x0, x1] x [y0, y1]`, row by row from the bottom:
 * `values[r * cols + c]` belongs to the cell centred at
 * `(x0 + (c + 0.5)(x1 - x0)/cols, y0 + (r + 0.5)(y1 - y0)/rows)`.
 */
export interface Grid {
  /** `cols * rows` values, row by row from the bottom. */
  readonly values: ArrayLike<number>;
  /** Cells across. */
  readonly cols: number;
  /** Cells up. */
  readonly rows: number;
  /** `[x0, x1]`: the rectangle's left and right edges. */
  readonly x: readonly [number, number];
  /** `[y0, y1]`: the rectangle's bottom and top edges. */
  readonly y: readonly [number, number];
}

/** Options for {@link sampleGrid}: the rectangle and how finely to sample it. */
export interface GridSpec {
  /** `[x0, x1]`: the rectangle's left and right edges. */
  readonly x: readonly [number, number];
  /** `[y0, y1]`: the rectangle's bottom and top edges. */
  readonly y: readonly [number, number];
  /** Cells across (default 60). */
  readonly cols?: number;
  /** Cells up (default: `cols`). */
  readonly rows?: number;
}

/** Throws unless `grid` is well formed; `caller` names the chart in errors. */
export function checkGrid(caller: string, grid: Grid): void {
  checkObject(caller, "the grid", grid);
  const { cols, rows } = grid;
  checkSize(caller, cols, rows);
  checkNumbers(caller, "grid.values", grid.values);
  if (grid.values.length !== cols * rows) {
    throw new TypeError(
      `${caller}: a ${cols}x${rows} grid needs ${cols * rows} values, got ${grid.values.length}`,
    );
  }
  checkDomain(caller, "grid.x", grid.x);
  checkDomain(caller, "grid.y", grid.y);
}

/** Most cells along a side: a grid of 4096 x 4096 is already more than any figure shows. */
const MAX_SIDE = 4096;

function checkSize(caller: string, cols: unknown, rows: unknown): void {
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 2 && (n as number) <= MAX_SIDE;
  if (!ok(cols) || !ok(rows)) {
    throw new RangeError(
      `${caller}: a grid needs integer cols and rows from 2 to ${MAX_SIDE}, got ${String(cols)}x${
        String(rows)
      }`,
    );
  }
}

/** A grid spec, filled in with its defaults (60 cells a side) and checked. */
function fullSpec(caller: string, spec: GridSpec): Required<GridSpec> {
  checkObject(caller, "the grid spec", spec);
  checkOptions(caller, spec, ["x", "y", "cols", "rows"], "the grid spec");
  const full = { cols: 60, ...spec, rows: spec.rows ?? spec.cols ?? 60 };
  if (full.x === undefined || full.y === undefined) {
    throw new TypeError(
      `${caller}: the grid spec needs x and y ranges, such as { x: [-1, 1], y: [-1, 1] }`,
    );
  }
  checkSize(caller, full.cols, full.rows);
  checkDomain(caller, "grid.x", full.x);
  checkDomain(caller, "grid.y", full.y);
  return full;
}

/** The centres of a grid's cells: `[xs, ys]`, `cols` and `rows` of them. */
export function cellCentres(spec: Required<GridSpec>): [Float64Array, Float64Array] {
  const xs = new Float64Array(spec.cols);
  const ys = new Float64Array(spec.rows);
  for (let c = 0; c < spec.cols; c++) {
    xs[c] = spec.x[0] + ((c + 0.5) * (spec.x[1] - spec.x[0])) / spec.cols;
  }
  for (let r = 0; r < spec.rows; r++) {
    ys[r] = spec.y[0] + ((r + 0.5) * (spec.y[1] - spec.y[0])) / spec.rows;
  }
  return [xs, ys];
}

/**
 * Samples `f(x, y)` at the centre of every cell.
 *
 * @example
 * ```ts
 * import { sampleGrid } from "./mod.ts";
 * const g = sampleGrid((x, y) => x * y, { x: [0, 2], y: [0, 4], cols: 2, rows: 2 });
 * // cell centres are x in {0.5, 1.5}, y in {1, 3}; the last cell is (1.5, 3)
 * if (g.values[3] !== 4.5) throw new Error(`${g.values[3]}`);
 * ```
 */
export function sampleGrid(f: (x: number, y: number) => number, spec: GridSpec): Grid {
  if (typeof f !== "function") {
    throw new TypeError("sampleGrid: f must be a function (x, y) => number");
  }
  const full = fullSpec("sampleGrid", spec);
  const grid0: Grid = { ...full, values: new Float64Array(full.cols * full.rows) };
  checkGrid("sampleGrid", grid0);
  const [xs, ys] = cellCentres(full);
  const values = new Float64Array(full.cols * full.rows);
  for (let r = 0; r < full.rows; r++) {
    for (let c = 0; c < full.cols; c++) values[r * full.cols + c] = f(xs[c], ys[r]);
  }
  return { values, cols: full.cols, rows: full.rows, x: full.x, y: full.y };
}

/**
 * The grid of `cols x rows` points, as an `[n, 2]` row-major array of (x, y) pairs in the
 * order of `Grid.values`: feed it to a model in one batch, then build the grid from the
 * outputs with {@link gridOf}.
 */
export function gridPoints(spec: GridSpec): Float32Array {
  const full = fullSpec("gridPoints", spec);
  const [xs, ys] = cellCentres(full);
  const out = new Float32Array(full.cols * full.rows * 2);
  for (let r = 0; r < full.rows; r++) {
    for (let c = 0; c < full.cols; c++) {
      out[2 * (r * full.cols + c)] = xs[c];
      out[2 * (r * full.cols + c) + 1] = ys[r];
    }
  }
  return out;
}

/** The grid of `spec` holding `values` (one per point of {@link gridPoints}, in its order). */
export function gridOf(values: ArrayLike<number>, spec: GridSpec): Grid {
  checkNumbers("gridOf", "values", values);
  const full = fullSpec("gridOf", spec);
  const grid: Grid = { values, cols: full.cols, rows: full.rows, x: full.x, y: full.y };
  checkGrid("gridOf", grid);
  return grid;
}
