/**
 * Mini-batches of a dataset, reshuffled every epoch from an explicit key.
 *
 * @module
 */

import { foldIn, type Key, permutation } from "../random.ts";
import type { Tensor } from "../tensor.ts";
import { type Dataset, datasetSize, takeRows } from "../data/dataset.ts";
import { checkBoolean, checkInteger, checkKey, checkOptions, MAX_ELEMENTS } from "../_checks.ts";

/** One mini-batch, with where it sits in the run. */
export interface Batch {
  /** Inputs, `[size, ...exampleShape]`. */
  readonly x: Tensor;
  /** Targets, `[size, ...targetShape]`. */
  readonly y: Tensor;
  /** The epoch this batch belongs to (0-based). */
  readonly epoch: number;
  /** The batch's index within its epoch (0-based). */
  readonly index: number;
  /** The number of examples in the batch (the last one may be short unless `dropLast`). */
  readonly size: number;
  /**
   * Batches in this epoch, when the source knows it (progress bars use it; the epoch ends
   * after `index === batchCount - 1`).
   */
  readonly batchCount?: number;
}

/** Options of {@linkcode batches}. */
export interface BatchOptions {
  /** Examples per batch, a positive integer. */
  batchSize: number;
  /** Shuffle with this key: epoch `e` uses `permutation(foldIn(shuffle, e), N)`. Default: in order. */
  shuffle?: Key;
  /** Drop each epoch's last, short batch (default false). */
  dropLast?: boolean;
  /** How many epochs to emit (default `Infinity`: stop the run with `take`/`takeWhile`). */
  epochs?: number;
  /** The first epoch's number, to resume a run from a checkpoint (default 0). */
  startEpoch?: number;
}

/**
 * A re-iterable, lazy source of batches: each `for..of` (or `fit`) starts again at
 * `startEpoch` and computes one batch per pull, so nothing is gathered ahead of use.
 */
export interface BatchSource extends Iterable<Batch> {
  /** Examples in the dataset. */
  readonly examples: number;
  /** Batches per epoch. */
  readonly batchCount: number;
}

/**
 * Splits a dataset into mini-batches, epoch after epoch. Rows are gathered with typed-array
 * copies, so batches never alias the dataset. With `shuffle`, every epoch has its own order,
 * a pure function of the key and the epoch number: the same key gives the same run.
 *
 * @example
 * ```ts
 * import { batches } from "./batches.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const data = { x: tensor([[0], [1], [2], [3], [4]]), y: tensor([0, 1, 2, 3, 4]) };
 * const seen = [...batches(data, { batchSize: 2, shuffle: key(0), epochs: 2 })];
 * if (seen.length !== 6 || seen[2].size !== 1 || seen[3].epoch !== 1) throw new Error("unexpected");
 * ```
 */
export function batches(dataset: Dataset, options: BatchOptions): BatchSource {
  const op = "batches";
  const examples = datasetSize(dataset, op);
  if (options === undefined) {
    throw new TypeError(`${op}: options { batchSize } are required, got undefined`);
  }
  const { batchSize, shuffle, dropLast = false, epochs = Infinity, startEpoch = 0 } = checkOptions(
    op,
    options,
    ["batchSize", "shuffle", "dropLast", "epochs", "startEpoch"],
  );
  checkInteger(op, "batchSize", batchSize, { min: 1, max: MAX_ELEMENTS });
  if (shuffle !== undefined) checkKey(op, shuffle, "shuffle");
  checkBoolean(op, "dropLast", dropLast);
  if (epochs !== Infinity) checkInteger(op, "epochs (an integer or Infinity)", epochs, { min: 0 });
  checkInteger(op, "startEpoch", startEpoch, { min: 0, max: 0xffffffff });
  const batchCount = dropLast ? Math.floor(examples / batchSize) : Math.ceil(examples / batchSize);
  if (batchCount === 0 && epochs > 0) {
    // An epoch without batches would make an endless run spin without ever training.
    throw new RangeError(
      `batches: ${examples} examples make no batch of ${batchSize}` +
        (dropLast ? " with dropLast" : ""),
    );
  }
  function* generate(): Generator<Batch> {
    for (let e = 0; e < epochs; e++) {
      const epoch = startEpoch + e;
      const order = shuffle === undefined
        ? undefined
        : permutation(foldIn(shuffle, epoch), examples);
      for (let index = 0; index < batchCount; index++) {
        const start = index * batchSize;
        const end = Math.min(start + batchSize, examples);
        yield {
          x: takeRows(dataset.x, start, end, order),
          y: takeRows(dataset.y, start, end, order),
          epoch,
          index,
          size: end - start,
          batchCount,
        };
      }
    }
  }
  return { examples, batchCount, [Symbol.iterator]: generate };
}
