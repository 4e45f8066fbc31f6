/**
 * Joining tensors along an axis: `concat` (an existing axis grows) and `stack` (a new axis).
 *
 * Both take a list of tensors (arity `"list"`): the pullback returns one cotangent per tensor,
 * the slab of `dy` that tensor was copied into, and only for the tensors that need one.
 *
 * @module
 */

import {
  allocate,
  formatShape,
  fromTypedArray,
  isTensor,
  type Shape,
  type Tensor,
} from "../tensor.ts";
import { describeValue } from "../_checks.ts";
import { cotangent, normalizeAxis } from "./_checks.ts";
import { boxAt, copyBox, whole } from "./_region.ts";
import type { Cotangents } from "./primitive.ts";
import { type Primitive, primitive } from "./primitive.ts";

function tensorList(op: string, xs: unknown): readonly Tensor[] {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new TypeError(
      `Cannot ${op}: expected a non-empty array of tensors, got ${describeValue(xs)}`,
    );
  }
  xs.forEach((x, i) => {
    if (!isTensor(x)) {
      throw new TypeError(`Cannot ${op}: xs[${i}] must be a tensor, got ${describeValue(x)}`);
    }
    if (x.dtype !== xs[0].dtype) {
      throw new TypeError(
        `Cannot ${op}: dtypes differ, ${xs[0].dtype} (xs[0]) and ${x.dtype} (xs[${i}])`,
      );
    }
  });
  return xs;
}

/**
 * Copies each of `parts` (shapes equal to `out` but along `d`) into `out` one after another
 * along axis `d`; returns the joined tensor and the pullback that cuts `dy` back into parts.
 */
function join(op: string, xs: readonly Tensor[], parts: readonly Shape[], d: number, out: Shape) {
  const data = allocate(xs[0].dtype, out.reduce((a, b) => a * b, 1));
  const starts: number[] = [];
  let at = 0;
  for (let i = 0; i < xs.length; i++) {
    starts.push(at);
    const begin = out.map((_, k) => (k === d ? at : 0));
    copyBox(parts[i], xs[i].data, whole(parts[i]), data, boxAt(out, begin));
    at += parts[i][d];
  }
  const y = fromTypedArray(data, out);
  const pullback = (dy: Tensor, needs: readonly boolean[]): Cotangents => {
    const g = cotangent(op, dy, out);
    return xs.map((x, i) => {
      if (!needs[i]) return undefined;
      const dx = allocate(x.dtype, x.data.length);
      const begin = out.map((_, k) => (k === d ? starts[i] : 0));
      copyBox(parts[i], g, boxAt(out, begin), dx, whole(parts[i]));
      return fromTypedArray(dx, x.shape);
    });
  };
  return [y, pullback] as const;
}

/**
 * Joins `xs` along the existing axis `axis` (negative counts from the end): the shapes must
 * agree on every other axis. The pullback cuts `dy` back into one slab per input.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0);
 * if (y.shape.join() !== "3,2" || y.data.join() !== "1,2,3,4,5,6") throw new Error("unexpected");
 * ```
 */
export const concat: Primitive<[xs: readonly Tensor[], axis: number]> = primitive(
  "concat",
  "list",
  (_backend, xs: readonly Tensor[], axis: number) => {
    tensorList("concat", xs);
    const first = xs[0].shape;
    if (first.length === 0) {
      throw new TypeError("Cannot concat: scalars have no axis to join along (use stack)");
    }
    const d = normalizeAxis("concat", axis, first);
    let total = 0;
    xs.forEach((x, i) => {
      const ok = x.shape.length === first.length &&
        x.shape.every((n, k) => k === d || n === first[k]);
      if (!ok) {
        throw new TypeError(
          `Cannot concat: along axis ${axis}, xs[${i}] of shape ${
            formatShape(x.shape)
          } does not match xs[0] of shape ${formatShape(first)} on the other axes`,
        );
      }
      total += x.shape[d];
    });
    const out = first.map((n, k) => (k === d ? total : n));
    return join("concat", xs, xs.map((x) => x.shape), d, out);
  },
);

/**
 * Stacks `xs` (all of one shape) along a new axis `axis` of length `xs.length`; `axis` is in
 * `[-(rank + 1), rank]`, negative counting from the end of the output. The pullback returns
 * each input's slice of `dy`.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const y = untraced().stack([tensor([1, 2]), tensor([3, 4])], 1);
 * if (y.shape.join() !== "2,2" || y.data.join() !== "1,3,2,4") throw new Error("unexpected");
 * ```
 */
export const stack: Primitive<[xs: readonly Tensor[], axis: number]> = primitive(
  "stack",
  "list",
  (_backend, xs: readonly Tensor[], axis: number) => {
    tensorList("stack", xs);
    const first = xs[0].shape;
    xs.forEach((x, i) => {
      if (x.shape.length !== first.length || x.shape.some((n, k) => n !== first[k])) {
        throw new TypeError(
          `Cannot stack: xs[${i}] has shape ${formatShape(x.shape)}, xs[0] has ${
            formatShape(first)
          } (stacked tensors must have one shape)`,
        );
      }
    });
    const rank = first.length;
    if (typeof axis !== "number") {
      throw new TypeError(`Cannot stack: axis must be an integer, got ${describeValue(axis)}`);
    }
    if (!Number.isInteger(axis) || axis < -(rank + 1) || axis > rank) {
      throw new RangeError(
        `Cannot stack: axis ${axis} is out of range for tensors of shape ${formatShape(first)} ` +
          `(a new axis is an integer in [${-(rank + 1)}, ${rank}])`,
      );
    }
    const d = axis < 0 ? axis + rank + 1 : axis;
    const part = [...first.slice(0, d), 1, ...first.slice(d)];
    const out = [...first.slice(0, d), xs.length, ...first.slice(d)];
    return join("stack", xs, xs.map(() => part), d, out);
  },
);
