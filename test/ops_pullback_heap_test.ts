import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { backend } from "../src/kernels/select.ts";
import type { Pullback } from "../src/ops/primitive.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import { type Tensor, tensor } from "../src/tensor.ts";

// A pullback's loop written inside its per-call closure ran unoptimised often enough under V8
// to box every element it read (16 bytes of JS heap per element); the loops now live in
// top-level functions. This guards that: a pullback on a [128, 256] float32 input must grow the
// JS heap by far less than one boxed number per element (512 KiB). Typed-array storage (the
// cotangent's 128 KiB) is outside `heapUsed` under V8; the bound leaves room for it elsewhere.
// Caveat: called in isolation like this, the old in-closure loops stayed optimised too (about
// 1 KiB per call under Deno), so this is a bound on the pullbacks' allocation, not a
// reproduction of the boxing seen in a training step; Bun's `heapUsed` moved by 0 here.

const ROWS = 128, COLS = 256, N = ROWS * COLS;
const LIMIT = 64 * 1024;
const WARMUP = 30;
const SAMPLES = 15;

type Collect = () => void;
const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void; Deno?: unknown };
/** A forced full collection where the runtime exposes one, else undefined. */
const collect: Collect | undefined = g.Bun !== undefined
  ? () => g.Bun!.gc(true)
  : typeof g.gc === "function"
  ? g.gc
  : undefined;
/** Deno without --expose-gc: measured without forced collections, by the median of many calls. */
const uncollectedDeno = collect === undefined && g.Deno !== undefined;
const skip = collect === undefined && !uncollectedDeno
  ? "no gc() in this runtime (and not Deno, where medians without gc are used)"
  : false;

function filled(seed: number, shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s / 1073741824 - 1; // in [-1, 1)
  }
  return tensor(data, shape, "float32");
}

const x = filled(1, [ROWS, COLS]);
const x2 = filled(2, [ROWS, COLS]);
const dyFull = filled(3, [ROWS, COLS]);
const dyScalar = tensor([1.5], [], "float32");

interface Case {
  name: string;
  forward: () => readonly [Tensor, Pullback | undefined];
  dy: Tensor;
  needs: readonly boolean[];
}

const ts = backend("ts");
const P = PRIMITIVES;
const CASES: Case[] = [
  { name: "relu", forward: () => P.relu.run(ts, x), dy: dyFull, needs: [true] },
  { name: "sigmoid", forward: () => P.sigmoid.run(ts, x), dy: dyFull, needs: [true] },
  { name: "tanh", forward: () => P.tanh.run(ts, x), dy: dyFull, needs: [true] },
  { name: "exp", forward: () => P.exp.run(ts, x), dy: dyFull, needs: [true] },
  { name: "mul", forward: () => P.mul.run(ts, x, x2), dy: dyFull, needs: [true, true] },
  { name: "softmax", forward: () => P.softmax.run(ts, x), dy: dyFull, needs: [true] },
  { name: "sum", forward: () => P.sum.run(ts, x), dy: dyScalar, needs: [true] },
];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The JS heap growth of one pullback call, per sample (forward runs outside the window). */
function heapGrowth(c: Case): number[] {
  let keep: unknown;
  for (let i = 0; i < WARMUP; i++) {
    const [, back] = c.forward();
    keep = back!(c.dy, c.needs);
  }
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const [, back] = c.forward();
    collect?.();
    collect?.();
    const before = process.memoryUsage().heapUsed;
    keep = back!(c.dy, c.needs);
    const after = process.memoryUsage().heapUsed;
    out.push(after - before);
  }
  assert.ok(keep !== undefined);
  return out;
}

const mode = collect !== undefined ? "after forced gc" : "without forced gc (median)";
for (const c of CASES) {
  test(
    `${c.name}'s pullback on float32 [${ROWS}, ${COLS}] grows the JS heap < 64 KiB per call (${mode})`,
    {
      skip,
    },
    () => {
      const growth = heapGrowth(c);
      const m = median(growth);
      assert.ok(
        m < LIMIT,
        `${c.name}: median heap growth ${m} bytes per pullback (${
          (m / N).toFixed(2)
        } per element; samples ${growth.join(", ")}), expected < ${LIMIT}`,
      );
    },
  );
}
