/**
 * Random, keyed splits of a dataset into training and held-out parts.
 *
 * @module
 */

import { checkKey, checkNumber } from "../_checks.ts";
import { takeExamples } from "./subset.ts";
import { type Dataset, datasetSize } from "./dataset.ts";
import { type Key, permutation } from "../random.ts";

/**
 * Shuffles the examples with `key` and holds out `fraction` of them (rounded, at least one and
 * at most N-1) as the test set. Same key, same split. Throws a `RangeError` unless
 * `0 < fraction < 1` and the dataset has at least two examples.
 *
 * @example
 * ```ts
 * import { trainTestSplit } from "./split.ts";
 * import { twoMoons } from "./synthetic.ts";
 * import { key } from "../random.ts";
 * const { train, test } = trainTestSplit(key(1), twoMoons(key(0), 100), 0.2);
 * if (train.x.shape[0] !== 80 || test.x.shape[0] !== 20) throw new Error("unexpected");
 * ```
 */
export function trainTestSplit(
  key: Key,
  ds: Dataset,
  fraction: number,
): { train: Dataset; test: Dataset } {
  checkKey("trainTestSplit", key);
  const n = datasetSize(ds, "trainTestSplit");
  checkNumber("trainTestSplit", "fraction", fraction, {
    min: 0,
    max: 1,
    minExclusive: true,
    maxExclusive: true,
  });
  if (n < 2) {
    throw new RangeError(`trainTestSplit: need at least 2 examples to split, got ${n}`);
  }
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const perm = permutation(key, n);
  return {
    train: takeExamples(ds, perm.subarray(nTest)),
    test: takeExamples(ds, perm.subarray(0, nTest)),
  };
}

/**
 * The dataset with its examples in a keyed random order (a copy).
 *
 * @example
 * ```ts
 * import { shuffleDataset } from "./split.ts";
 * import { key } from "../random.ts";
 * import { tensor } from "../tensor.ts";
 * const ds = shuffleDataset(key(0), { x: tensor([[0], [1], [2]]), y: tensor([0, 1, 2]) });
 * if ([...ds.y.data].sort().join() !== "0,1,2") throw new Error("not a permutation");
 * if (ds.x.data.join() !== ds.y.data.join()) throw new Error("rows must move together");
 * ```
 */
export function shuffleDataset(key: Key, ds: Dataset): Dataset {
  checkKey("shuffleDataset", key);
  const n = datasetSize(ds, "shuffleDataset");
  return takeExamples(ds, permutation(key, n));
}
