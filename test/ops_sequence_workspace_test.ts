// The fused sequences reuse their forward's workspace once its pullback has run
// (src/ops/_workspace.ts): results must not depend on what a reused buffer held, on the order
// of forwards and pullbacks, or on how often one pullback runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backend } from "../src/kernels/select.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import { WorkspacePool } from "../src/ops/_workspace.ts";
import { key, normal } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";

const B = 3, T = 4, F = 2, H = 5;
/** A sequence's arguments (gates 4: LSTM, 3: GRU with a recurrent bias), masked or not. */
const args = (seed: number, gates: number, masked: boolean) => {
  const mask = fromTypedArray(
    Float32Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1)),
    [
      B,
      T,
    ],
  );
  const x = normal(key(seed), [B, T, F]), w = normal(key(seed + 1), [F, gates * H]);
  const u = normal(key(seed + 2), [H, gates * H]), b = normal(key(seed + 3), [gates * H]);
  const m = masked ? mask : undefined;
  return gates === 4
    ? [x, undefined, w, u, b, m]
    : [x, undefined, w, u, b, normal(key(seed + 4), [gates * H]), m];
};
const bits = (ts: readonly (Tensor | undefined)[]) => ts.map((t) => t && Array.from(t.data));
const dyFor = (y: Tensor) =>
  fromTypedArray(Float32Array.from(y.data, (_, i) => Math.cos(i)), y.shape);

for (const name of ["ts", "wasm", "blas"] as const) {
  let be: ReturnType<typeof backend> | undefined;
  try {
    be = backend(name);
  } catch {
    be = undefined;
  }
  for (const [op, gates] of [["lstmSequence", 4], ["gruSequence", 3]] as const) {
    for (const masked of [false, true]) {
      test(
        `${op} on ${name}${
          masked ? ", masked" : ""
        }: reused workspaces give the bits of fresh ones`,
        {
          skip: be === undefined ? `the ${name} backend is not available here` : false,
        },
        () => {
          const prim = PRIMITIVES[op] as unknown as {
            run(
              be: unknown,
              ...a: unknown[]
            ): [Tensor, (dy: Tensor, needs: boolean[]) => readonly (Tensor | undefined)[]];
          };
          const needs = [true, false, true, true, true, true].slice(0, gates === 4 ? 5 : 6);
          const run = (seed: number) => {
            const [y, back] = prim.run(be, ...args(seed, gates, masked));
            return { y, back };
          };
          // The reference: each forward's pullback right after it (the workspace taken fresh at
          // first, then reused from the pool).
          const ref = [1, 2].map((seed) => {
            const { y, back } = run(seed);
            return { y: Array.from(y.data), g: bits(back(dyFor(y), needs)) };
          });
          // Poison the free buffers: an unmasked call on NaN inputs writes NaN into every row of
          // the workspaces it gives back, so a row that a later call reads without writing first
          // (a masked row's kept gates or cotangents) shows as NaN against the reference.
          const poison = args(3, gates, false).map((a, i) =>
            i === 0 ? fromTypedArray(new Float32Array(B * T * F).fill(NaN), [B, T, F]) : a
          );
          const [py, pback] = prim.run(be, ...poison);
          pback(dyFor(py), needs);
          // Two forwards before either pullback, pulled back out of order: two workspaces at once.
          const a = run(1), b = run(2);
          const gb = bits(b.back(dyFor(b.y), needs)), ga = bits(a.back(dyFor(a.y), needs));
          assert.deepEqual([Array.from(a.y.data), Array.from(b.y.data)], [ref[0].y, ref[1].y]);
          assert.deepEqual(ga, ref[0].g);
          assert.deepEqual(gb, ref[1].g);
          // A pullback run twice: the second computes the forward again, after another forward
          // has taken (and written over) the workspace the first one gave back.
          const c = run(1);
          const first = bits(c.back(dyFor(c.y), needs));
          const other = run(2);
          const second = bits(c.back(dyFor(c.y), needs));
          assert.deepEqual(first, ref[0].g);
          assert.deepEqual(second, ref[0].g);
          assert.deepEqual(bits(other.back(dyFor(other.y), needs)), ref[1].g);
        },
      );
    }
  }
}

test("WorkspacePool hands back a freed buffer of the same type and length, never twice", () => {
  const pool = new WorkspacePool("test");
  const a = pool.take("float32", 8);
  assert.ok(a instanceof Float32Array && a.length === 8);
  a.fill(7);
  pool.give(a);
  pool.give(a); // a second give of one buffer must not let two takers share it
  assert.equal(pool.take("float64", 8) instanceof Float64Array, true); // other type: fresh
  const again = pool.take("float32", 8);
  assert.equal(again, a);
  assert.notEqual(pool.take("float32", 8), a); // given once, taken once
  assert.notEqual(pool.take("float32", 9), a);
});

test("WorkspacePool keeps at most four free buffers, the newest", () => {
  const pool = new WorkspacePool("test");
  const bufs = Array.from({ length: 5 }, () => pool.take("float32", 4));
  bufs.forEach((b) => pool.give(b));
  const taken = Array.from({ length: 5 }, () => pool.take("float32", 4));
  assert.deepEqual(taken.slice(0, 4), bufs.slice(1)); // the oldest was dropped
  assert.ok(!bufs.includes(taken[4]));
});
