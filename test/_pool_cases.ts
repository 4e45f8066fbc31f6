/**
 * Drawn pooling cases shared by the pool tests: odd sizes, strides below, at and above the
 * window, every padding mode (explicit pads below the window).
 *
 * @module
 */

import fc from "fast-check";
import type { Padding, Pair } from "../src/ops/conv.ts";
import type { Pool2dOptions } from "../src/ops/pool.ts";
import { tensorArb } from "../src/testing/arbitraries.ts";
import { type DType, fromTypedArray, type Tensor } from "../src/tensor.ts";

/** A pair option as `[height, width]`. */
export const both = (p: Pair): [number, number] => typeof p === "number" ? [p, p] : [p[0], p[1]];

export const pairArb = fc.oneof(
  fc.integer({ min: 1, max: 3 }),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
);

export interface Case {
  shape: number[];
  options: Pool2dOptions;
}

/** Odd sizes, strides below, at and above the window, every padding (pads below the window). */
export const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 3 }),
  size: pairArb,
  stride: fc.option(pairArb, { nil: undefined }),
  mode: fc.constantFrom("valid", "same", "explicit", undefined),
  pads: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  extra: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
}).map((d) => {
  const [kh, kw] = both(d.size);
  const pads = [d.pads[0] % kh, d.pads[1] % kh, d.pads[2] % kw, d.pads[3] % kw];
  const padding: Padding | undefined = d.mode === "explicit"
    ? [[pads[0], pads[1]], [pads[2], pads[3]]]
    : d.mode;
  const extent = (k: number, p: number) => (d.mode === "same" ? 1 : Math.max(1, k - p));
  const shape = [
    d.batch,
    extent(kh, d.mode === "explicit" ? pads[0] + pads[1] : 0) + d.extra[0],
    extent(kw, d.mode === "explicit" ? pads[2] + pads[3] : 0) + d.extra[1],
    d.c,
  ];
  const options: Pool2dOptions = { size: d.size };
  return {
    shape,
    options: {
      ...options,
      ...(d.stride === undefined ? {} : { stride: d.stride }),
      ...(padding === undefined ? {} : { padding }),
    },
  };
});

export const withTensor = (dtype: DType) =>
  caseArb.chain((c) => fc.record({ c: fc.constant(c), x: tensorArb(c.shape, { dtype }) }));

export function cast(x: Tensor, dtype: DType): Tensor {
  return fromTypedArray(
    dtype === "float64" ? Float64Array.from(x.data) : Float32Array.from(x.data),
    x.shape,
  );
}
