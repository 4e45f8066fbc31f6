/**
 * Reusable workspaces for primitives with large buffers that are never tensors: what the fused
 * recurrent sequences' forward calls leave for their pullbacks (every step's gates and states),
 * and the buffers a call uses and is done with (the GRU's pullback cotangents, the fused conv
 * block's convolution output and its cotangent). Private to `src/ops/`.
 *
 * Why: a fresh typed array is several times slower to write than one written before (its pages
 * are new to the process: `bench/floors.ts` measures both), and such a workspace is tens of
 * MiB a training step. These buffers are never tensors and never reach a caller: a primitive
 * takes one and gives it back when nothing will read it again (at the end of the call, or when
 * its pullback has run), so the next step writes memory the process already has. Tensors stay
 * fresh arrays.
 *
 * The contract for a primitive: take with {@linkcode WorkspacePool.take} (contents arbitrary:
 * the primitive writes every element it later reads); give back with
 * {@linkcode WorkspacePool.give} only once nothing will read the buffer again. A pullback that
 * may run more than once gives it back after its first run and computes the forward again (into
 * a workspace of its own, given back in turn) on a later one. A workspace whose pullback never
 * runs is just garbage.
 *
 * @module
 */

import { allocate, type DType, type FloatArray } from "../tensor.ts";

/** Free buffers kept per pool: enough for a few sequence layers of one model. */
const KEEP = 4;

/** A small free list of float buffers, matched by element type and length. */
export class WorkspacePool {
  readonly #free: FloatArray[] = [];
  constructor(readonly op: string) {}

  /** A buffer of `length` elements of `dtype`, a freed one where one matches (not zeroed). */
  take(dtype: DType, length: number): FloatArray {
    const f64 = dtype === "float64";
    const i = this.#free.findIndex((a) =>
      a.length === length && (a instanceof Float64Array) === f64
    );
    if (i < 0) return allocate(dtype, length, this.op);
    const [buf] = this.#free.splice(i, 1);
    return buf;
  }

  /** Gives `buf` back for a later `take`; the oldest free buffer goes past {@linkcode KEEP}. */
  give(buf: FloatArray): void {
    if (this.#free.includes(buf)) return;
    this.#free.push(buf);
    if (this.#free.length > KEEP) this.#free.shift();
  }
}

/** Consecutive views of `buf` of the given lengths: one workspace cut into its arrays. */
export function views(buf: FloatArray, lengths: readonly number[]): FloatArray[] {
  let at = 0;
  return lengths.map((len) => buf.subarray(at, at += len));
}
