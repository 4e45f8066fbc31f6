/**
 * The input side of the recurrent layers: `init`'s example shape, the input tree
 * `{ inputs, mask?, state? }` and the mask's per-step columns. Private to `src/layers/`.
 *
 * @module
 */

import {
  allocate,
  type DType,
  formatShape,
  fromTypedArray,
  isTensor,
  type Tensor,
} from "../tensor.ts";
import { checkShape, describeValue } from "../_checks.ts";
import { describeTreeOf } from "../_tree_walk.ts";
import { describeShapeTree } from "./_layer_checks.ts";

/** `init`'s example shape: `[time, features]` or `{ inputs, mask?, state? }`; the sizes. */
export function initShapes(op: string, inShape: unknown): { time: number; features: number } {
  const tree = typeof inShape === "object" && inShape !== null && !Array.isArray(inShape);
  const s = tree ? (inShape as { inputs?: unknown }).inputs : inShape;
  const ok = Array.isArray(s) && s.length === 2 && s.every((d) => Number.isInteger(d) && d >= 1);
  if (!ok) {
    throw new TypeError(
      `${op} init: examples must be sequences [time, features] (or { inputs: [time, features], ` +
        `mask?, state? }) with sizes >= 1, got ${describeShapeTree(inShape)}`,
    );
  }
  checkShape(`${op} init`, s, "the example shape");
  return { time: s[0], features: s[1] };
}

/** The input tree's parts, checked: `inputs` `[batch, time, features]`, `mask`, `state`. */
export function parseInput(
  op: string,
  x: unknown,
): { inputs: Tensor; mask?: Tensor; state?: unknown } {
  let inputs: unknown = x, mask: unknown, state: unknown;
  if (!isTensor(x)) {
    const keys = ["inputs", "mask", "state"];
    const ok = typeof x === "object" && x !== null && !Array.isArray(x) && "inputs" in x &&
      Object.keys(x).every((k) => keys.includes(k));
    if (!ok) {
      throw new TypeError(
        `Cannot ${op}: the input must be a tensor [batch, time, features] or ` +
          `{ inputs, mask?, state? }, got ${describeTreeOf(x)}`,
      );
    }
    ({ inputs, mask, state } = x as { inputs: unknown; mask?: unknown; state?: unknown });
  }
  if (!isTensor(inputs) || inputs.shape.length !== 3 || inputs.shape[1] < 1) {
    throw new TypeError(
      `Cannot ${op}: expected inputs [batch, time, features] of rank 3 with time >= 1, got ${
        isTensor(inputs) ? `shape ${formatShape(inputs.shape)}` : describeValue(inputs)
      }`,
    );
  }
  if (mask !== undefined) checkMask(op, mask, inputs);
  return { inputs, mask: mask as Tensor | undefined, state };
}

function checkMask(op: string, mask: unknown, x: Tensor): asserts mask is Tensor {
  const [batch, time] = x.shape;
  if (
    !isTensor(mask) || mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time
  ) {
    throw new TypeError(
      `Cannot ${op}: the mask must have shape [${batch}, ${time}] (batch and time of inputs ${
        formatShape(x.shape)
      }), got ${isTensor(mask) ? `shape ${formatShape(mask.shape)}` : describeValue(mask)}`,
    );
  }
  const bad = mask.data.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot ${op}: mask values must be 0 (padding) or 1 (valid), got ${mask.data[bad]} at ` +
        `[${Math.floor(bad / time)}, ${bad % time}]`,
    );
  }
}

/** Each step's column of the mask as a `[batch]` tensor of `dtype`. */
export function maskSteps(mask: Tensor, dtype: DType): Tensor[] {
  const [batch, time] = mask.shape;
  const out: Tensor[] = [];
  for (let s = 0; s < time; s++) {
    const m = allocate(dtype, batch);
    for (let b = 0; b < batch; b++) m[b] = mask.data[b * time + s];
    out.push(fromTypedArray(m, [batch]));
  }
  return out;
}
