/** The backend, value helpers and arbitraries the loss tests share (not a test file itself). */
import fc from "fast-check";
import type { Loss } from "../src/losses.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { fromTypedArray, type Tensor, tensor } from "../src/tensor.ts";
import { shapeArb, tensorArb } from "../src/testing/mod.ts";

export const t = untraced(backend("ts"));
/** The loss's value, untraced. */
export const value = (loss: Loss, p: Tensor, y: Tensor) => loss(t, p, y).data[0];
/** The loss's value and its gradient with respect to the prediction. */
export const withGrad = (loss: Loss, p: Tensor, y: Tensor) =>
  valueAndGrad((t, p: Tensor) => loss(t, p, y), p, { backend: backend("ts") });

export const batchShapeArb = shapeArb({ minRank: 1, maxRank: 3 });
/** A target and a prediction of the same (drawn) shape. */
export const pairArb = batchShapeArb.chain((s) => fc.tuple(tensorArb(s), tensorArb(s)));
/** A target t and a prediction t + d, with d kept `margin` away from each point in `avoid`. */
export function offsetPairArb(avoid: number[]) {
  return batchShapeArb.chain((s) =>
    fc.tuple(tensorArb(s), tensorArb(s, { avoid, margin: 0.01 })).map(([t, d]) =>
      [fromTypedArray(t.data.map((v, i) => v + d.data[i]), s), t] as const
    )
  );
}
export const logitsShapeArb = fc.tuple(
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 6 }),
);
/** Logits [B, C] and integer labels [B] in [0, C). */
export const labelledArb = logitsShapeArb.chain(([b, c]) =>
  fc.tuple(
    tensorArb([b, c], { min: -5, max: 5 }),
    fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: b, maxLength: b })
      .map((ls) => tensor(ls, [b], "float64")),
  )
);
export function oneHot(labels: Tensor, c: number): Tensor {
  const out = new Float64Array(labels.data.length * c);
  labels.data.forEach((l, i) => (out[i * c + l] = 1));
  return fromTypedArray(out, [labels.data.length, c]);
}
