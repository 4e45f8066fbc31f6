/**
 * PyTorch state dicts in: a model's parameters and state rebuilt from PyTorch's names and
 * layouts, shaped as a template (the mapping is described in `./torch.ts`).
 *
 * @module
 */

import { checkOptions } from "../_checks.ts";
import { type DType, fromTypedArray, isTensor, type Tensor } from "../tensor.ts";
import { convFromTorch, kindOf, linearFromTorch, torchWeightShape } from "./torch_layout.ts";
import type { Tree } from "../tree.ts";
import { quote } from "./json_print.ts";
import { isStoredTensor, type StoredTensor, storedToTensor } from "./stored_tensor.ts";
import {
  checkTrees,
  flattened,
  type FromTorch,
  layerName,
  type TorchMappable,
  type TorchStateDict,
} from "./torch.ts";

/**
 * Rebuilds a model's parameters and state from a PyTorch state dict, shaped as `template`
 * (what the model's `init` returns). Linear weights are transposed from `[out, in]`; a shape
 * that does not fit, a missing key or a key left over is a `TypeError` naming it.
 *
 * @example
 * ```ts
 * import { fromTorchStateDict } from "./torch_from.ts";
 * import { toTorchStateDict } from "./torch.ts";
 * import { dense, serial } from "../../mod.ts";
 * import { key } from "../random.ts";
 * const model = serial(dense(3), dense(3)); // square layers: transposed all the same
 * const trained = model.init(key(1), [3]);
 * const back = fromTorchStateDict(toTorchStateDict(trained), model.init(key(2), [3]));
 * if (back.params[1].w.data[1] !== trained.params[1].w.data[1]) throw new Error("unexpected");
 * ```
 */
export function fromTorchStateDict<P extends Tree, S extends Tree>(
  dict: TorchStateDict,
  template: TorchMappable<P, S>,
): FromTorch<P, S> {
  return fromTorchAs(dict, template, "fromTorchStateDict");
}

/** {@linkcode fromTorchStateDict} reporting errors as `op` (the file readers' name). */
export function fromTorchAs<P extends Tree, S extends Tree>(
  dict: TorchStateDict,
  template: TorchMappable<P, S>,
  op: string,
): FromTorch<P, S> {
  checkTrees(op, template, "the template");
  checkOptions(op, dict, undefined, "the state dict");
  if (dict === undefined) throw new TypeError(`${op}: the state dict is missing`);
  const used = new Set<string>();
  const counters: Record<string, number> = {};
  const take = (name: string, like: Tensor, shape: readonly number[], what: string): Tensor => {
    if (!Object.hasOwn(dict, name)) {
      throw new TypeError(`${op}: the state dict has no ${quote(name)} (${what})`);
    }
    used.add(name);
    const v = dict[name];
    const got = isTensor(v) ? v.shape : isStoredTensor(v) ? v.shape : undefined;
    if (got === undefined) throw new TypeError(`${op}: ${quote(name)} is not a tensor`);
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new TypeError(
        `${op}: ${quote(name)} has shape [${got.join(",")}] but ${what} needs [${shape.join(",")}]`,
      );
    }
    return convert(v, like.dtype, name, op);
  };
  let channels: number | undefined; // as in toTorchAs
  const walk = (params: unknown, state: unknown, prefix: string, depth: number): [Tree, Tree] => {
    if (depth > 100) throw new RangeError(`${op}: the model nests deeper than 100 levels`);
    const where = layerName(prefix);
    switch (kindOf(op, params, state, where)) {
      case "none":
        return [null, null];
      case "sequential": {
        const ps: Tree[] = [], ss: Tree[] = [];
        (params as unknown[]).forEach((p, i) => {
          const [pi, si] = walk(p, (state as unknown[])[i], `${prefix}${i}.`, depth + 1);
          ps.push(pi);
          ss.push(si);
        });
        return [ps, ss];
      }
      case "linear": {
        const p = params as { w: Tensor; b?: Tensor };
        const [nin, nout] = p.w.shape;
        const weight = take(
          `${prefix}weight`,
          p.w,
          [nout, nin],
          `the nn.Linear weight [out, in] of dense ${where} (w [${nin},${nout}])`,
        );
        const w = linearFromTorch(weight, flattened(op, p.w, channels, prefix));
        channels = undefined;
        if (p.b === undefined) return [{ w }, null];
        return [{ w, b: take(`${prefix}bias`, p.b, [nout], `the bias of dense ${where}`) }, null];
      }
      case "conv": {
        const p = params as { w: Tensor; b?: Tensor };
        const shape = p.w.shape, nout = shape[shape.length - 1];
        const weight = take(
          `${prefix}weight`,
          p.w,
          torchWeightShape(shape),
          `the nn.Conv${shape.length - 2}d weight [out, in/groups, ...kernel] of conv ${where} ` +
            `(w [${shape.join(",")}])`,
        );
        const w = convFromTorch(weight, shape);
        channels = nout;
        if (p.b === undefined) return [{ w }, null];
        return [{ w, b: take(`${prefix}bias`, p.b, [nout], `the bias of conv ${where}`) }, null];
      }
      case "batchnorm": {
        const p = params as { gamma: Tensor; beta: Tensor },
          s = state as { mean: Tensor; var: Tensor };
        const f = [p.gamma.shape[0]];
        const what = (x: string) => `${x} of batchNorm ${where}`;
        const out: [Tree, Tree] = [
          {
            gamma: take(`${prefix}weight`, p.gamma, f, what("gamma")),
            beta: take(`${prefix}bias`, p.beta, f, what("beta")),
          },
          {
            mean: take(`${prefix}running_mean`, s.mean, f, what("the running mean")),
            var: take(`${prefix}running_var`, s.var, f, what("the running variance")),
          },
        ];
        const counterName = `${prefix}num_batches_tracked`;
        if (Object.hasOwn(dict, counterName)) {
          used.add(counterName);
          const c = convert(dict[counterName], "float64", counterName, op);
          if (c.data.length !== 1) {
            throw new TypeError(`${op}: ${quote(counterName)} is not a scalar`);
          }
          counters[prefix] = c.data[0];
        }
        return out;
      }
    }
  };
  const [params, state] = walk(template.params, template.state, "", 0);
  const extra = Object.keys(dict).filter((k) => !used.has(k));
  if (extra.length > 0) {
    throw new TypeError(
      `${op}: the state dict holds ${extra.length} key(s) the model has no place for: ${
        extra.slice(0, 5).map((k) => quote(k, 40)).join(", ")
      }${extra.length > 5 ? ", …" : ""}`,
    );
  }
  // The walk rebuilt the template's structure, entry for entry.
  return { params: params as P, state: state as S, numBatchesTracked: counters };
}

function convert(v: Tensor | StoredTensor, dtype: DType, name: string, op: string): Tensor {
  if (isTensor(v)) {
    if (v.dtype === dtype) return v;
    const out = dtype === "float64" ? new Float64Array(v.data) : new Float32Array(v.data);
    return fromTypedArray(out, v.shape);
  }
  try {
    const natural = storedToTensor(v, undefined, quote(name, 60));
    return natural.dtype === dtype ? natural : convert(natural, dtype, name, op);
  } catch (e) {
    const Kind = e instanceof RangeError ? RangeError : TypeError;
    throw new Kind(`${op}: ${(e as Error).message.replace(/^storedToTensor: /, "")}`);
  }
}
