/**
 * Strided loop nests behind broadcasting, reductions and transposes. Private to `src/ops/`.
 *
 * Every loop walks a contiguous (row-major) tensor of some shape and reads or writes other
 * operands through strides, 0 along broadcast axes. Axes of size 1 are dropped and adjacent
 * axes that are contiguous for every operand are merged, so the innermost loop is as long as
 * possible; the outer axes advance an odometer once per inner run. The operation is chosen by
 * a `switch` outside the inner loop, so no closure is called per element.
 *
 * @module
 */

import { allocate, type DType, type FloatArray, type Shape, sizeOf } from "../tensor.ts";

/** Row-major strides of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/**
 * Strides that read a tensor of shape `small` at each position of the broadcast shape `big`
 * (numpy rules: `small` is right-aligned; its size-1 axes and missing leading axes get stride 0).
 */
export function broadcastStrides(small: Shape, big: Shape): number[] {
  const out = new Array<number>(big.length).fill(0);
  const st = stridesOf(small);
  const offset = big.length - small.length;
  for (let d = 0; d < small.length; d++) out[offset + d] = small[d] === 1 ? 0 : st[d];
  return out;
}

/** A loop nest: the walked shape and, per strided operand, its strides. */
export interface Nest {
  shape: number[];
  strides: number[][];
}

/** Drops size-1 axes and merges axes that are contiguous for every operand. */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Nest {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < strides.length; k++) {
      merge = strides[k][d] === st[k][last] * dims[last];
    }
    if (merge) {
      dims[last] *= n;
    } else {
      dims.push(n);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][d]);
    }
  }
  if (dims.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  dims.reverse();
  for (const s of st) s.reverse();
  return { shape: dims, strides: st };
}

/** `out = a + b` in {@linkcode binaryLoop}. */
export const ADD = 0;
/** `out = a - b` in {@linkcode binaryLoop}. */
export const SUB = 1;
/** `out = a * b` in {@linkcode binaryLoop}; `acc += g * s` in {@linkcode accumulateLoop}. */
export const MUL = 2;
/** `out = a / b` in {@linkcode binaryLoop}; `acc += g / s` in {@linkcode accumulateLoop}. */
export const DIV = 3;
/** `acc += g` in {@linkcode accumulateLoop}. */
export const SUM = 4;
/** The operation codes of {@linkcode binaryLoop}. */
export type BinaryOp = typeof ADD | typeof SUB | typeof MUL | typeof DIV;
/** The operation codes of {@linkcode accumulateLoop}. */
export type AccumulateOp = typeof SUM | typeof MUL | typeof DIV;

/** `out[i] = a[.] op b[.]` over the nest (strides `[a, b]`); `out` is contiguous. */
export function binaryLoop(
  op: BinaryOp,
  nest: Nest,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  out: { [i: number]: number; length: number },
): void {
  const { shape } = nest;
  const [sa, sb] = nest.strides;
  const rank = shape.length;
  const n = shape[rank - 1];
  const ja = sa[rank - 1];
  const jb = sb[rank - 1];
  const runs = out.length / n;
  const idx = new Int32Array(rank);
  let pa = 0;
  let pb = 0;
  let o = 0;
  for (let r = 0; r < runs; r++) {
    switch (op) {
      case ADD:
        for (let j = 0; j < n; j++) out[o + j] = a[pa + j * ja] + b[pb + j * jb];
        break;
      case SUB:
        for (let j = 0; j < n; j++) out[o + j] = a[pa + j * ja] - b[pb + j * jb];
        break;
      case MUL:
        for (let j = 0; j < n; j++) out[o + j] = a[pa + j * ja] * b[pb + j * jb];
        break;
      case DIV:
        for (let j = 0; j < n; j++) out[o + j] = a[pa + j * ja] / b[pb + j * jb];
        break;
    }
    o += n;
    for (let d = rank - 2; d >= 0; d--) {
      pa += sa[d];
      pb += sb[d];
      if (++idx[d] < shape[d]) break;
      pa -= sa[d] * shape[d];
      pb -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Reduces a contiguous `g` (the nest's shape) into `acc` through strides that are 0 along the
 * reduced axes (strides `[acc, s]`; `s` is a second strided operand, ignored by `Sum`). `acc`
 * is float64 so that sums of float32 data are not rounded at every step.
 */
export function accumulateLoop(
  op: AccumulateOp,
  nest: Nest,
  g: ArrayLike<number>,
  s: ArrayLike<number>,
  acc: Float64Array,
  total: number,
): void {
  const { shape } = nest;
  const [sc, ss] = nest.strides;
  const rank = shape.length;
  const n = shape[rank - 1];
  const jc = sc[rank - 1];
  const js = ss[rank - 1];
  const runs = total / n;
  const idx = new Int32Array(rank);
  let pc = 0;
  let ps = 0;
  let o = 0;
  for (let r = 0; r < runs; r++) {
    switch (op) {
      case SUM:
        if (jc === 0) {
          let t = 0;
          for (let j = 0; j < n; j++) t += g[o + j];
          acc[pc] += t;
        } else {
          for (let j = 0; j < n; j++) acc[pc + j * jc] += g[o + j];
        }
        break;
      case MUL:
        for (let j = 0; j < n; j++) acc[pc + j * jc] += g[o + j] * s[ps + j * js];
        break;
      case DIV:
        for (let j = 0; j < n; j++) acc[pc + j * jc] += g[o + j] / s[ps + j * js];
        break;
    }
    o += n;
    for (let d = rank - 2; d >= 0; d--) {
      pc += sc[d];
      ps += ss[d];
      if (++idx[d] < shape[d]) break;
      pc -= sc[d] * shape[d];
      ps -= ss[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** `out[i] = src[.]` over the nest (strides `[src]`): broadcasting copies and transposes. */
export function gatherLoop(
  nest: Nest,
  src: ArrayLike<number>,
  out: { [i: number]: number; length: number },
): void {
  const { shape } = nest;
  const [ss] = nest.strides;
  const rank = shape.length;
  const n = shape[rank - 1];
  const js = ss[rank - 1];
  const runs = out.length / n;
  const idx = new Int32Array(rank);
  let ps = 0;
  let o = 0;
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < n; j++) out[o + j] = src[ps + j * js];
    o += n;
    for (let d = rank - 2; d >= 0; d--) {
      ps += ss[d];
      if (++idx[d] < shape[d]) break;
      ps -= ss[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * For each output position, the largest element of contiguous `x` mapped there through strides
 * `[out]` and the flat index of its first occurrence (row-major order). A NaN wins over any
 * number, so NaN propagates as in IEEE `max`.
 */
export function maxLoop(
  nest: Nest,
  x: ArrayLike<number>,
  best: Float64Array,
  arg: Int32Array,
  total: number,
): void {
  const { shape } = nest;
  const [sc] = nest.strides;
  const rank = shape.length;
  const n = shape[rank - 1];
  const jc = sc[rank - 1];
  const runs = total / n;
  const idx = new Int32Array(rank);
  arg.fill(-1);
  let pc = 0;
  let o = 0;
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < n; j++) {
      const q = pc + j * jc;
      const v = x[o + j];
      const m = best[q];
      // Strict ">" keeps the first argmax; the NaN clause lets a NaN in and keeps it.
      if (arg[q] < 0 || v > m || (v !== v && m === m)) {
        best[q] = v;
        arg[q] = o + j;
      }
    }
    o += n;
    for (let d = rank - 2; d >= 0; d--) {
      pc += sc[d];
      if (++idx[d] < shape[d]) break;
      pc -= sc[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Sums contiguous `g` of shape `big` down to the broadcast-compatible shape `small`, after
 * multiplying (`MUL`) or dividing (`DIV`) it elementwise by `s` (shape `sShape`, broadcast to
 * `big`). The result is float64, one element per element of `small`.
 */
export function reduceTo(
  op: AccumulateOp,
  g: ArrayLike<number>,
  big: Shape,
  small: Shape,
  s: ArrayLike<number> = g,
  sShape: Shape = big,
): Float64Array {
  const acc = new Float64Array(sizeOf(small));
  const total = sizeOf(big);
  if (total === 0) return acc;
  const nest = coalesce(big, [broadcastStrides(small, big), broadcastStrides(sShape, big)]);
  accumulateLoop(op, nest, g, s, acc, total);
  return acc;
}

/** Copies `src` of shape `small` broadcast to shape `big` into `out` (contiguous, `big`). */
export function expandTo(
  src: ArrayLike<number>,
  small: Shape,
  big: Shape,
  out: { [i: number]: number; length: number },
): void {
  if (out.length === 0) return;
  gatherLoop(coalesce(big, [broadcastStrides(small, big)]), src, out);
}

/** `acc` in the given dtype: itself for float64 (it is fresh), else a rounded copy. */
export function asDType(acc: Float64Array, dtype: DType): FloatArray {
  if (dtype === "float64") return acc;
  const out = allocate(dtype, acc.length);
  out.set(acc);
  return out;
}
