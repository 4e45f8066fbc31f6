/**
 * Data: datasets, IDX files, MNIST and Fashion-MNIST, seeded toy problems, normalisation,
 * one-hot labels and keyed splits.
 *
 * @example
 * ```ts
 * import { featureStats, oneHot, standardize, trainTestSplit, twoMoons } from "./mod.ts";
 * import { key } from "../random.ts";
 * const { train, test } = trainTestSplit(key(1), twoMoons(key(0), 200), 0.25);
 * const stats = featureStats(train.x);
 * const xTest = standardize(test.x, stats);
 * const yTrain = oneHot(train.y, 2);
 * if (xTest.shape.join() !== "50,2" || yTrain.shape.join() !== "150,2") {
 *   throw new Error("unexpected");
 * }
 * ```
 *
 * @module
 */

export * from "./dataset.ts";
export * from "./subset.ts";
export * from "./idx.ts";
export * from "./mnist.ts";
export * from "./normalize.ts";
export * from "./one_hot.ts";
export * from "./shift.ts";
export * from "./split.ts";
export * from "./synthetic.ts";
export * from "./kmeans.ts";
export * from "./text.ts";
