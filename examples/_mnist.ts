/**
 * MNIST or Fashion-MNIST as the examples load it: the first rows of each split for a quick
 * run, and the line that says how many images the run sees.
 *
 * @module
 */

import { type Dataset, loadFashionMnist, loadMnist, sliceDataset } from "../mod.ts";

/** Options of {@linkcode exampleMnist}. */
export interface ExampleMnistOptions {
  /** Fashion-MNIST (Debian's `dataset-fashion-mnist`) instead of MNIST. */
  readonly fashion?: boolean;
  /** Train on the first this many images only; default all 60,000. */
  readonly trainRows?: number;
  /** Test on the first this many images only; default all 10,000. */
  readonly testRows?: number;
}

/** The dataset's name, its (sliced) splits, and a line printed saying their sizes. */
export async function exampleMnist(
  options: ExampleMnistOptions = {},
): Promise<{ name: string; train: Dataset; test: Dataset }> {
  const data = options.fashion ? await loadFashionMnist() : await loadMnist();
  const first = (d: Dataset, rows: number | undefined) =>
    rows === undefined ? d : sliceDataset(d, 0, rows);
  const train = first(data.train, options.trainRows);
  const test = first(data.test, options.testRows);
  const name = options.fashion ? "Fashion-MNIST" : "MNIST";
  console.log(`${name}: ${train.x.shape[0]} training and ${test.x.shape[0]} test images`);
  return { name, train, test };
}
