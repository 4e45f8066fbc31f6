/**
 * Datasets: a pair of tensors whose first axis indexes examples, and the row gathering that
 * mini-batching is built on.
 *
 * @module
 */

import { allocate, formatShape, fromTypedArray, isTensor, type Tensor } from "../tensor.ts";
import { checkInteger, describeValue } from "../_checks.ts";

/**
 * Inputs and targets, example-major: `x.shape[0] === y.shape[0]` is the number of examples.
 * Classification targets are a float tensor `[N]` of integer class indices (what
 * `softmaxCrossEntropy` and `accuracy` expect); regression targets are `[N, ...]`.
 *
 * @example
 * ```ts
 * import type { Dataset } from "./dataset.ts";
 * import { tensor } from "../tensor.ts";
 * const xor: Dataset = { x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: tensor([0, 1, 1, 0]) };
 * if (xor.x.shape[0] !== xor.y.shape[0]) throw new Error("unexpected");
 * ```
 */
export interface Dataset {
  /** Inputs, `[N, ...exampleShape]`. */
  readonly x: Tensor;
  /** Targets, `[N, ...targetShape]`. */
  readonly y: Tensor;
}

/**
 * The number of examples, after checking that `x` and `y` are tensors of rank >= 1 that agree
 * on it (a `TypeError` naming `op` and both shapes otherwise).
 *
 * @example
 * ```ts
 * import { datasetSize } from "./dataset.ts";
 * import { zeros } from "../tensor.ts";
 * if (datasetSize({ x: zeros([5, 2]), y: zeros([5]) }) !== 5) throw new Error("unexpected");
 * ```
 */
export function datasetSize(dataset: Dataset, op = "datasetSize"): number {
  if (typeof op !== "string") {
    throw new TypeError(`datasetSize: op must be a string, got ${describeValue(op)}`);
  }
  if (typeof dataset !== "object" || dataset === null) {
    throw new TypeError(`${op}: a dataset is { x, y }, got ${describeValue(dataset)}`);
  }
  const { x, y } = dataset;
  if (!isTensor(x) || !isTensor(y)) {
    throw new TypeError(
      `${op}: dataset.x and dataset.y must be tensors, got x ${describeValue(x)} and y ${
        describeValue(y)
      }`,
    );
  }
  if (x.shape.length === 0 || y.shape.length === 0) {
    throw new TypeError(
      `${op}: dataset tensors need an example axis, got x ${formatShape(x.shape)} and y ${
        formatShape(y.shape)
      }`,
    );
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new TypeError(
      `${op}: x and y disagree on the number of examples (${x.shape[0]} vs ${y.shape[0]}) ` +
        `for shapes ${formatShape(x.shape)} and ${formatShape(y.shape)}`,
    );
  }
  return x.shape[0];
}

/** Row copies at least this long use `TypedArray.set` (a memcpy); shorter rows a plain loop. */
const SET_THRESHOLD = 32;

/**
 * Rows `order[start..end)` of `t` (indices along the first axis), copied into a new tensor of
 * shape `[end - start, ...t.shape.slice(1)]`. Without `order`, rows `start..end` in sequence.
 *
 * @example
 * ```ts
 * import { takeRows } from "./dataset.ts";
 * import { tensor } from "../tensor.ts";
 * const t = takeRows(tensor([[1, 2], [3, 4], [5, 6]]), 0, 2, new Uint32Array([2, 0, 1]));
 * if (t.data.join() !== "5,6,1,2") throw new Error("unexpected");
 * ```
 */
export function takeRows(t: Tensor, start: number, end: number, order?: ArrayLike<number>): Tensor {
  if (!isTensor(t) || t.shape.length === 0) {
    throw new TypeError(
      `takeRows: t must be a tensor with a leading example axis, got ${describeValue(t)}`,
    );
  }
  if (
    order !== undefined && !Array.isArray(order) &&
    !(ArrayBuffer.isView(order) && !(order instanceof DataView))
  ) {
    throw new TypeError(
      `takeRows: order must be an array or typed array of row indices, got ${describeValue(order)}`,
    );
  }
  checkInteger("takeRows", "start", start, { min: 0 });
  checkInteger("takeRows", "end", end, { min: start });
  const n = t.shape[0];
  const count = end - start;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end)) {
    throw new RangeError(`takeRows: need integers 0 <= start <= end, got ${start} and ${end}`);
  }
  if (end > (order === undefined ? n : order.length)) {
    throw new RangeError(`takeRows: end ${end} is past the ${order?.length ?? n} rows available`);
  }
  let row = 1;
  for (let d = 1; d < t.shape.length; d++) row *= t.shape[d];
  const src = t.data;
  const out = allocate(t.dtype, count * row);
  if (order === undefined) {
    out.set(src.subarray(start * row, end * row));
  } else if (row >= SET_THRESHOLD) {
    for (let i = 0; i < count; i++) {
      const r = order[start + i];
      if (!(Number.isInteger(r) && r >= 0 && r < n)) {
        throw new RangeError(`takeRows: row index ${describeValue(r)} out of [0, ${n})`);
      }
      out.set(src.subarray(r * row, r * row + row), i * row);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const r = order[start + i];
      if (!(Number.isInteger(r) && r >= 0 && r < n)) {
        throw new RangeError(`takeRows: row index ${describeValue(r)} out of [0, ${n})`);
      }
      const from = r * row, to = i * row;
      for (let j = 0; j < row; j++) out[to + j] = src[from + j];
    }
  }
  return fromTypedArray(out, [count, ...t.shape.slice(1)]);
}
