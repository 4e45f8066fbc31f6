/**
 * Shared fast-check arbitraries for the op and layer tests: broadcast-compatible shape pairs,
 * operand pairs, axis selections and tensors whose elements are well separated (for `max`).
 *
 * @module
 */

import fc from "fast-check";
import { fromTypedArray, type Shape, sizeOf, type Tensor } from "../src/tensor.ts";
import { shapeArb, tensorArb, type TensorArbOptions } from "../src/testing/arbitraries.ts";

/** Two shapes that broadcast together, and the shape they broadcast to (derived here). */
export interface BroadcastPair {
  a: number[];
  b: number[];
  out: number[];
}

/**
 * A base shape, and two operands made from it by dropping leading axes and setting some
 * axes to 1. Their broadcast shape is the base's suffix of the longer rank, with 1 where both
 * operands have 1: derived from the construction, not from the code under test.
 */
export function broadcastPairArb(maxRank = 3, maxDim = 4): fc.Arbitrary<BroadcastPair> {
  return shapeArb({ minRank: 0, maxRank, minDim: 1, maxDim }).chain((base) => {
    const operand = fc.tuple(
      fc.integer({ min: 0, max: base.length }),
      fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
    );
    return fc.tuple(operand, operand).map(([[dropA, onesA], [dropB, onesB]]) => {
      const a = base.slice(dropA).map((d, i) => (onesA[dropA + i] ? 1 : d));
      const b = base.slice(dropB).map((d, i) => (onesB[dropB + i] ? 1 : d));
      const start = Math.min(dropA, dropB);
      const out = base.slice(start).map((d, i) => {
        const j = start + i;
        const aOne = j < dropA || onesA[j];
        const bOne = j < dropB || onesB[j];
        return aOne && bOne ? 1 : d;
      });
      return { a, b, out };
    });
  });
}

/** Float64 operands of a broadcast pair, with the pair. */
export function broadcastOperandsArb(
  options: TensorArbOptions = {},
  optionsB: TensorArbOptions = options,
): fc.Arbitrary<{ pair: BroadcastPair; a: Tensor; b: Tensor }> {
  return broadcastPairArb().chain((pair) =>
    fc.record({
      pair: fc.constant(pair),
      a: tensorArb(pair.a, options),
      b: tensorArb(pair.b, optionsB),
    })
  );
}

/** A float64 tensor of a drawn shape (rank `minRank`..3, dims 1..4). */
export function smallTensorArb(options: TensorArbOptions & { minRank?: number } = {}) {
  return shapeArb({ minRank: options.minRank ?? 0, maxRank: 3, maxDim: 4 }).chain((s) =>
    tensorArb(s, options)
  );
}

/** Reduction axes for a shape: undefined (all), a single axis, or a list; some negative. */
export function axisArb(shape: Shape): fc.Arbitrary<number | number[] | undefined> {
  const rank = shape.length;
  if (rank === 0) return fc.constantFrom(undefined, [] as number[]);
  const signed = (d: number) => fc.boolean().map((neg) => (neg ? d - rank : d));
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: rank - 1 }).chain(signed),
    fc.subarray(shape.map((_, i) => i)).chain((axes) =>
      fc.tuple(...axes.map(signed)).map((list) => [...list])
    ),
  );
}

/**
 * A float64 tensor of `shape` whose elements are distinct multiples of 0.25 (shuffled and
 * shifted), so no two are within a finite-difference step of each other: `max` has a unique,
 * stable argmax everywhere.
 */
export function distinctTensorArb(shape: Shape): fc.Arbitrary<Tensor> {
  const n = sizeOf(shape);
  const ranks = Array.from({ length: n }, (_, i) => i);
  return fc.tuple(
    fc.shuffledSubarray(ranks, { minLength: n, maxLength: n }),
    fc.double({ min: -1, max: 1, noNaN: true }),
  ).map(([perm, shift]) =>
    fromTypedArray(Float64Array.from(perm, (r) => (r - n / 2) * 0.25 + shift), shape)
  );
}

/** A snapshot of every input's data, to compare after running an op and its VJP. */
export function snapshot(...inputs: Tensor[]): Float64Array[] {
  return inputs.map((t) => Float64Array.from(t.data));
}
