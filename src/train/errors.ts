/**
 * Errors raised by the training loop.
 *
 * @module
 */

/** Where in a run a non-finite loss appeared. */
export interface LossSite {
  /** The optimiser step that was being computed (0-based: the number of steps taken before). */
  readonly step: number;
  /** The epoch of the batch (0-based). */
  readonly epoch: number;
  /** The index of the batch within its epoch (0-based). */
  readonly batch: number;
}

/**
 * Training met a loss that is NaN or infinite. The loop stops with this error instead of
 * carrying NaN parameters forward; the message names the step, epoch, batch and value.
 *
 * @example
 * ```ts
 * import { NonFiniteLossError } from "./errors.ts";
 * const e = new NonFiniteLossError("loss", NaN, { step: 12, epoch: 1, batch: 3 });
 * if (!e.message.includes("step 12 (epoch 1, batch 3)")) throw new Error("unexpected");
 * if (e.name !== "NonFiniteLossError" || !Number.isNaN(e.value)) throw new Error("unexpected");
 * ```
 */
export class NonFiniteLossError extends Error {
  /** The non-finite value. */
  readonly value: number;
  /** The step (0-based) during which it appeared. */
  readonly step: number;
  /** The epoch of the batch (0-based). */
  readonly epoch: number;
  /** The batch index within the epoch (0-based). */
  readonly batch: number;

  /** `what` names the quantity: `"loss"` (from `backward`) or `"penalty"` (from `regularize`). */
  constructor(what: string, value: number, site: LossSite) {
    super(
      `Non-finite ${what} ${value} at step ${site.step} (epoch ${site.epoch}, batch ${site.batch}); ` +
        `stopping before the parameters become NaN (lower the learning rate or clip gradients)`,
    );
    this.name = "NonFiniteLossError";
    this.value = value;
    this.step = site.step;
    this.epoch = site.epoch;
    this.batch = site.batch;
  }
}
