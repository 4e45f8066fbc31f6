/**
 * Copies between boxes of row-major tensors: the loop behind slice, index, concat, stack, pad
 * and their pullbacks. Private to `src/ops/`.
 *
 * A box is a shape, an offset into a flat array and strides (the full tensor's row-major
 * strides). Copying a box of one tensor into a box of the same shape in another is a strided
 * copy; `coalesce` merges the axes both sides store contiguously, so a slice of whole rows
 * copies in one run.
 *
 * @module
 */

import { type FloatArray, type Shape, sizeOf } from "../tensor.ts";
import { coalesce } from "./_strided.ts";

/** Where a box of a tensor lies in its flat data. */
export interface Box {
  readonly offset: number;
  readonly strides: readonly number[];
}

/** The box of a tensor of shape `full` starting at `begin` (row-major strides). */
export function boxAt(full: Shape, begin: readonly number[]): Box {
  const strides = new Array<number>(full.length);
  let acc = 1;
  let offset = 0;
  for (let d = full.length - 1; d >= 0; d--) {
    strides[d] = acc;
    offset += begin[d] * acc;
    acc *= full[d];
  }
  return { offset, strides };
}

/** `dst[box] = src[box]` over a box of shape `shape` in both. */
export function copyBox(
  shape: Shape,
  src: ArrayLike<number>,
  from: Box,
  dst: FloatArray | Float64Array,
  to: Box,
): void {
  const total = sizeOf(shape);
  if (total === 0) return;
  const nest = coalesce(shape, [from.strides, to.strides]);
  const dims = nest.shape;
  const [ss, ds] = nest.strides;
  const rank = dims.length;
  const n = dims[rank - 1];
  const js = ss[rank - 1];
  const jd = ds[rank - 1];
  const idx = new Int32Array(rank);
  let ps = from.offset;
  let pd = to.offset;
  for (let r = 0, runs = total / n; r < runs; r++) {
    for (let j = 0; j < n; j++) dst[pd + j * jd] = src[ps + j * js];
    for (let d = rank - 2; d >= 0; d--) {
      ps += ss[d];
      pd += ds[d];
      if (++idx[d] < dims[d]) break;
      ps -= ss[d] * dims[d];
      pd -= ds[d] * dims[d];
      idx[d] = 0;
    }
  }
}

/** The whole of a tensor of shape `full` as a box. */
export function whole(full: Shape): Box {
  return boxAt(full, new Array<number>(full.length).fill(0));
}
