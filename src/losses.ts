/**
 * Losses: `(prediction, target) => [loss, dLoss/dPrediction]`, averaged over the batch.
 *
 * @module
 */

import type { Tensor } from "./tensor.ts";

/**
 * A loss: the mean loss over the batch and its gradient with respect to the prediction
 * (same shape and dtype as the prediction).
 */
export type Loss = (prediction: Tensor, target: Tensor) => [loss: number, grad: Tensor];
