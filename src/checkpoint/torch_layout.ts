/**
 * Which PyTorch layer a gradstream layer's trees map to, and the weight layouts between them:
 *
 * - `dense` `w: [in, out]` is `nn.Linear`'s `weight: [out, in]` (a transpose);
 * - `conv2d` `w: [kh, kw, in/groups, out]` (HWIO, for NHWC inputs) is `nn.Conv2d`'s `weight:
 *   [out, in/groups, kh, kw]` (OIHW, for NCHW inputs), and `conv1d` `w: [k, in/groups, out]` is
 *   `nn.Conv1d`'s `[out, in/groups, k]`;
 * - a `dense` that follows a feature map of `C` channels (through `flatten` or a global pool)
 *   reads the features in gradstream's channels-last order `(position, channel)`, PyTorch's
 *   `nn.Flatten` in channels-first order `(channel, position)`: the Linear weight's columns are
 *   permuted accordingly, so the same trained network computes the same function on the same
 *   image in both libraries (NHWC here, NCHW there).
 *
 * @module
 */

import { untraced } from "../autodiff/ops.ts";
import { isTensor, type Tensor } from "../tensor.ts";

/** The PyTorch module a layer's trees stand for. */
export type Kind = "none" | "linear" | "conv" | "batchnorm" | "sequential";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isTensor(v);
}

const hasKeys = (v: Record<string, unknown>, keys: string[]) =>
  Object.keys(v).length === keys.length && keys.every((k) => isTensor(v[k]));

/** The kind of a layer from its parameter and state trees (a `TypeError` naming `op`). */
export function kindOf(op: string, params: unknown, state: unknown, where: string): Kind {
  if (params === null && state === null) return "none";
  if (Array.isArray(params) && Array.isArray(state)) {
    if (params.length !== state.length) {
      throw new TypeError(
        `${op}: ${where} has ${params.length} parameter entries but ${state.length} state entries`,
      );
    }
    return "sequential";
  }
  if (isRecord(params) && state === null) {
    if (hasKeys(params, ["w", "b"]) || hasKeys(params, ["w"])) {
      const rank = (params.w as Tensor).shape.length;
      if (rank === 2) return "linear";
      if (rank === 3 || rank === 4) return "conv";
    }
  }
  if (
    isRecord(params) && isRecord(state) && hasKeys(params, ["gamma", "beta"]) &&
    hasKeys(state, ["mean", "var"])
  ) {
    return "batchnorm";
  }
  throw new TypeError(
    `${op}: ${where} holds parameters no PyTorch layer of this mapping matches (it knows ` +
      `serial → nn.Sequential, dense → nn.Linear, conv1d/conv2d → nn.Conv1d/nn.Conv2d, ` +
      `batchNorm → nn.BatchNorm1d/2d, and layers without parameters)`,
  );
}

// The layouts are permutations of axes, done by the `reshape` and `transpose` primitives.
const t = () => untraced();

/**
 * The shape of the PyTorch weight for a gradstream weight of shape `shape`: `[out, in]` for a
 * dense one, `[out, in/groups, ...kernel]` for a convolution's.
 */
export function torchWeightShape(shape: readonly number[]): number[] {
  if (shape.length === 2) return [shape[1], shape[0]];
  const out = shape[shape.length - 1], cin = shape[shape.length - 2];
  return [out, cin, ...shape.slice(0, -2)];
}

/**
 * A dense weight `[P·C, out]` as PyTorch's `[out, C·P]`, its input order changed from
 * `(position p, channel c)` to `(c, p)`; `channels` 1 is a plain transpose.
 */
export function linearToTorch(w: Tensor, channels: number): Tensor {
  const [nin, nout] = w.shape, ops = t();
  const pcOut = ops.reshape(w, [nin / channels, channels, nout]);
  return ops.reshape(ops.transpose(pcOut, [2, 1, 0]), [nout, nin]);
}

/** The inverse of {@linkcode linearToTorch}: PyTorch's `[out, C·P]` as a dense `[P·C, out]`. */
export function linearFromTorch(weight: Tensor, channels: number): Tensor {
  const [nout, nin] = weight.shape, ops = t();
  const outCp = ops.reshape(weight, [nout, channels, nin / channels]);
  return ops.reshape(ops.transpose(outCp, [2, 1, 0]), [nin, nout]);
}

/** A convolution kernel `[...kernel, in, out]` as PyTorch's `[out, in, ...kernel]`. */
export function convToTorch(w: Tensor): Tensor {
  const shape = w.shape, out = shape[shape.length - 1], cin = shape[shape.length - 2];
  const ops = t(), s = w.data.length / (out * cin);
  const sio = ops.reshape(w, [s, cin, out]);
  return ops.reshape(ops.transpose(sio, [2, 1, 0]), torchWeightShape(shape));
}

/** The inverse of {@linkcode convToTorch}, back to the template's shape `[...kernel, in, out]`. */
export function convFromTorch(weight: Tensor, shape: readonly number[]): Tensor {
  const out = shape[shape.length - 1], cin = shape[shape.length - 2];
  const ops = t(), s = weight.data.length / (out * cin);
  const ois = ops.reshape(weight, [out, cin, s]);
  return ops.reshape(ops.transpose(ois, [2, 1, 0]), shape);
}
