/**
 * PyTorch state dicts in and out: a gradstream model's parameters and state under PyTorch's
 * names and layouts, so that `torch.nn.Sequential(Linear, ReLU, Linear, BatchNorm1d, ...)`
 * loads what gradstream trained (`model.load_state_dict(safetensors.torch.load_file(path))`)
 * and gradstream loads what PyTorch trained (`safetensors.torch.save_file(model.state_dict(),
 * path)`), with no glue written by hand.
 *
 * The mapping follows the parameter tree that the model's `init` returns:
 *
 * | gradstream                                   | PyTorch                                        |
 * | -------------------------------------------- | ---------------------------------------------- |
 * | `serial(...)`: entry `i` of params and state  | `nn.Sequential`: child `i` (`"i."` prefix)      |
 * | `dense`: `w` `[in, out]`, `b` `[out]`         | `nn.Linear`: `weight` `[out, in]`, `bias`       |
 * | `conv2d`/`conv1d`: `w` `[kh, kw, in/g, out]`   | `nn.Conv2d`/`nn.Conv1d`: `weight` `[out, in/g, kh, kw]` |
 * | `dense` after `flatten` of a `C`-channel map  | `nn.Linear` after `nn.Flatten`: columns in channels-first order (see `./torch_layout.ts`) |
 * | `batchNorm`: `gamma`, `beta`, `mean`, `var`   | `nn.BatchNorm1d`/`2d`: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked` (I64) |
 * | a layer without params or state (activations, dropout) | a child without a state dict (its index is used all the same) |
 *
 * A Linear weight is always transposed, by the library: a weight whose shape is not the
 * model's `[in, out]` read as `[out, in]` is a `TypeError`, so no layout error can pass
 * silently (a square layer included: it is transposed like any other). Half-precision
 * tensors (`F16`, `BF16`) and float64 ones are converted to the model's dtype; the
 * batch-norm counters are returned as numbers. Keys missing from the state dict, or left over,
 * are a `TypeError`, as `load_state_dict(strict=True)` makes them.
 *
 * Two conventions differ between the libraries, and matter only while training: PyTorch's
 * BatchNorm `momentum=0.1` is gradstream's `momentum: 0.9`, and PyTorch's running variance is
 * unbiased while gradstream's is biased. Evaluation uses the stored statistics in both, so a
 * loaded model computes the same function.
 *
 * The reading direction ({@linkcode fromTorchStateDict}) is in `./torch_from.ts`.
 *
 * @module
 */

import { checkInteger, checkOptions, describeValue } from "../_checks.ts";
import type { Tensor } from "../tensor.ts";
import { convToTorch, kindOf, linearToTorch } from "./torch_layout.ts";
import type { Tree } from "../tree.ts";
import type { StoredTensor } from "./stored_tensor.ts";

/** A PyTorch state dict: names to tensors (float) or stored tensors (`I64` counters, ...). */
export type TorchStateDict = { readonly [name: string]: Tensor | StoredTensor };

/** A model's trees, as its `init` returns them (or as training left them). */
export interface TorchMappable<P extends Tree = Tree, S extends Tree = Tree> {
  /** The parameter tree. */
  readonly params: P;
  /** The state tree (`null` entries for stateless layers). */
  readonly state: S;
}

/** Options of {@linkcode toTorchStateDict}. */
export interface ToTorchOptions {
  /**
   * The `num_batches_tracked` written for every batch-norm layer, or one per layer by its
   * PyTorch prefix (`"3."`); default 0. PyTorch reads it only when `momentum=None`.
   */
  numBatchesTracked?: number | Readonly<Record<string, number>>;
}

/** What {@linkcode fromTorchStateDict} returns: the model's trees and the counters. */
export interface FromTorch<P extends Tree = Tree, S extends Tree = Tree> {
  /** Parameters, shaped as the template's. */
  readonly params: P;
  /** State, shaped as the template's. */
  readonly state: S;
  /** Each batch-norm layer's `num_batches_tracked`, by its PyTorch prefix (`"3."`). */
  readonly numBatchesTracked: Readonly<Record<string, number>>;
}

/** How messages name the layer at a PyTorch prefix (`"3."` is layer 3). */
export const layerName = (prefix: string) =>
  prefix === "" ? "the model" : `layer ${prefix.slice(0, -1)}`;

/**
 * The channels a dense layer's inputs interleave: those of the feature map before it (through
 * `flatten` or a global pool), 1 when none came before. A width that is no multiple of them
 * means something other than a flatten joined the two: a `TypeError`, not a guess.
 */
export function flattened(
  op: string,
  w: Tensor,
  channels: number | undefined,
  prefix: string,
): number {
  if (channels === undefined) return 1;
  if (w.shape[0] % channels !== 0) {
    throw new TypeError(
      `${op}: dense ${layerName(prefix)} takes ${w.shape[0]} inputs after a feature map of ` +
        `${channels} channels: the mapping needs the map flattened (or pooled) into it, a ` +
        `multiple of ${channels} inputs`,
    );
  }
  return channels;
}

/**
 * The PyTorch state dict of a model's parameters and state (see the module doc for the
 * names and layouts). Linear weights come out transposed to `[out, in]`; every batch-norm
 * layer gets an `I64` `num_batches_tracked`.
 *
 * @example
 * ```ts
 * import { toTorchStateDict } from "./torch.ts";
 * import { dense, reluLayer, serial } from "../../mod.ts";
 * import { key } from "../random.ts";
 * const { params, state } = serial(dense(4), reluLayer(), dense(2)).init(key(0), [3]);
 * const dict = toTorchStateDict({ params, state });
 * if (Object.keys(dict).join() !== "0.weight,0.bias,2.weight,2.bias") throw new Error("unexpected");
 * if (dict["0.weight"].shape.join() !== "4,3") throw new Error("Linear weights are [out, in]");
 * ```
 */
export function toTorchStateDict(
  model: TorchMappable,
  options: ToTorchOptions = {},
): TorchStateDict {
  return toTorchAs(model, options, "toTorchStateDict");
}

/** A model's trees: an object holding `params` and `state` (a `TypeError` naming `op`). */
export function checkTrees(op: string, model: unknown, what: string): void {
  if (
    typeof model !== "object" || model === null || !("params" in model) || !("state" in model)
  ) {
    throw new TypeError(
      `${op}: ${what} must hold the model's trees { params, state } (as its init returns ` +
        `them), got ${describeValue(model)}`,
    );
  }
}

/** {@linkcode toTorchStateDict} reporting errors as `op` (the file writers' name). */
export function toTorchAs(
  model: TorchMappable,
  options: ToTorchOptions,
  op: string,
): TorchStateDict {
  checkTrees(op, model, "the model");
  const { numBatchesTracked } = checkOptions(op, options, ["numBatchesTracked"]);
  if (typeof numBatchesTracked === "number") {
    checkInteger(op, "numBatchesTracked", numBatchesTracked, {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    });
  }
  const out: Record<string, Tensor | StoredTensor> = {};
  const counter = (prefix: string): StoredTensor => {
    const n = options.numBatchesTracked;
    const v = typeof n === "number"
      ? n
      : n !== undefined && Object.hasOwn(n, prefix)
      ? n[prefix]
      : 0;
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(
        `${op}: numBatchesTracked for ${
          layerName(prefix)
        } must be a non-negative integer, got ${v}`,
      );
    }
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, BigInt(v), true);
    return { dtype: "I64", shape: [], bytes };
  };
  // The channels of the last feature map walked past, for a dense that flattens it.
  let channels: number | undefined;
  const flatChannels = (w: Tensor, prefix: string) => flattened(op, w, channels, prefix);
  const walk = (params: unknown, state: unknown, prefix: string, depth: number) => {
    if (depth > 100) throw new RangeError(`${op}: the model nests deeper than 100 levels`);
    switch (kindOf(op, params, state, layerName(prefix))) {
      case "none":
        return;
      case "sequential":
        (params as unknown[]).forEach((p, i) =>
          walk(p, (state as unknown[])[i], `${prefix}${i}.`, depth + 1)
        );
        return;
      case "linear": {
        const p = params as { w: Tensor; b?: Tensor };
        out[`${prefix}weight`] = linearToTorch(p.w, flatChannels(p.w, prefix));
        if (p.b !== undefined) out[`${prefix}bias`] = p.b;
        channels = undefined;
        return;
      }
      case "conv": {
        const p = params as { w: Tensor; b?: Tensor };
        out[`${prefix}weight`] = convToTorch(p.w);
        if (p.b !== undefined) out[`${prefix}bias`] = p.b;
        channels = p.w.shape[p.w.shape.length - 1];
        return;
      }
      case "batchnorm": {
        const p = params as { gamma: Tensor; beta: Tensor },
          s = state as { mean: Tensor; var: Tensor };
        out[`${prefix}weight`] = p.gamma;
        out[`${prefix}bias`] = p.beta;
        out[`${prefix}running_mean`] = s.mean;
        out[`${prefix}running_var`] = s.var;
        out[`${prefix}num_batches_tracked`] = counter(prefix);
      }
    }
  };
  walk(model.params, model.state, "", 0);
  return out;
}
