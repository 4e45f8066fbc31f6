/**
 * Subsets of a dataset: chosen examples, or a contiguous range of them.
 *
 * @module
 */

import { checkInteger, describeValue } from "../_checks.ts";
import { type Dataset, datasetSize, takeRows } from "./dataset.ts";

/**
 * The examples at `indices`, in that order (a copy). Throws a `RangeError` for an index outside
 * `0 .. N-1`.
 *
 * @example
 * ```ts
 * import { takeExamples } from "./subset.ts";
 * import { tensor } from "../tensor.ts";
 * const ds = { x: tensor([[0, 0], [1, 1], [2, 2]]), y: tensor([0, 1, 2]) };
 * const picked = takeExamples(ds, [2, 0]);
 * if (picked.y.data[0] !== 2 || picked.x.shape[0] !== 2) throw new Error("unexpected");
 * ```
 */
export function takeExamples(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const n = datasetSize(ds, "takeExamples");
  if (
    !Array.isArray(indices) && !(ArrayBuffer.isView(indices) && !(indices instanceof DataView))
  ) {
    throw new TypeError(
      `takeExamples: indices must be an array or typed array of example indices, got ${
        describeValue(indices)
      }`,
    );
  }
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (typeof j !== "number" || !Number.isInteger(j) || j < 0 || j >= n) {
      throw new RangeError(
        `takeExamples: index ${describeValue(j)} at position ${i} is outside 0..${n - 1}`,
      );
    }
  }
  return {
    x: takeRows(ds.x, 0, indices.length, indices),
    y: takeRows(ds.y, 0, indices.length, indices),
  };
}

/**
 * Examples `start` (inclusive) to `end` (exclusive, clamped to the dataset) as a copy: a quick
 * subset for demos, e.g. `sliceDataset(train, 0, 10000)`.
 *
 * @example
 * ```ts
 * import { sliceDataset } from "./subset.ts";
 * import { tensor } from "../tensor.ts";
 * const ds = { x: tensor([[0], [1], [2], [3]]), y: tensor([0, 1, 0, 1]) };
 * if (sliceDataset(ds, 1, 3).x.data.join() !== "1,2") throw new Error("unexpected");
 * ```
 */
export function sliceDataset(ds: Dataset, start: number, end?: number): Dataset {
  const n = datasetSize(ds, "sliceDataset");
  checkInteger("sliceDataset", "start", start, { min: 0 });
  if (end !== undefined) checkInteger("sliceDataset", "end", end, { min: start });
  const to = Math.min(end ?? n, n);
  if (to < start) {
    throw new RangeError(`sliceDataset: need integers 0 <= start <= end, got ${start}, ${end}`);
  }
  return { x: takeRows(ds.x, start, to), y: takeRows(ds.y, start, to) };
}
