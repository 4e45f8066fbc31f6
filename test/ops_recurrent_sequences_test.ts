// The fused recurrent sequences equal the per-step composition of the cells they run.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { key, normal } from "../src/random.ts";
import { astype, type DType, fromTypedArray, type Tensor, zeros } from "../src/tensor.ts";
import { checkGradients } from "../src/testing/mod.ts";
import { snapshot } from "./_arbitraries.ts";

/** Sizes, a seed, a mask (per element: 1 valid, 0 padding) and whether a state is given. */
const seqArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  time: fc.integer({ min: 1, max: 4 }),
  features: fc.integer({ min: 1, max: 3 }),
  units: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(1000),
  mask: fc.option(fc.array(fc.constantFrom(0, 1, 1), { minLength: 12, maxLength: 12 }), {
    nil: undefined,
  }),
  given: fc.boolean(),
  sequence: fc.boolean(),
});
type Drawn = typeof seqArb extends fc.Arbitrary<infer A> ? A : never;

/** A sequence's inputs: `hc` the LSTM's packed state or the GRU's `h`; `rb` the GRU's. */
type LstmInputs = { x: Tensor; hc?: Tensor; w: Tensor; u: Tensor; b: Tensor; rb?: Tensor };

function draw(c: Drawn, dtype: DType, gates = 4): { p: LstmInputs; mask?: Tensor } {
  const { batch, time, features, units, seed } = c, f64 = { dtype: "float64" as const };
  const cast = (v: Tensor) => astype(v, dtype);
  const p: LstmInputs = {
    x: cast(normal(key(seed), [batch, time, features], f64)),
    w: cast(normal(key(seed + 1), [features, gates * units], f64)),
    u: cast(normal(key(seed + 2), [units, gates * units], f64)),
    b: cast(normal(key(seed + 3), [gates * units], f64)),
  };
  if (gates === 3) p.rb = cast(normal(key(seed + 6), [3 * units], f64));
  const state = gates === 4 ? [2, batch, units] : [batch, units];
  if (c.given) p.hc = cast(normal(key(seed + 4), state, f64));
  const mask = c.mask === undefined
    ? undefined
    : fromTypedArray(Float64Array.from(c.mask.slice(0, batch * time)), [batch, time]);
  return { p, mask };
}

function column(mask: Tensor | undefined, s: number): Tensor | undefined {
  if (mask === undefined) return undefined;
  const [batch, time] = mask.shape;
  return fromTypedArray(Float64Array.from({ length: batch }, (_, b) => mask.data[b * time + s]), [
    batch,
  ]);
}

/** The LSTM as the layer ran it before the fused sequence: linear and lstmCell per step. */
function lstmSteps(t: Ops, p: LstmInputs, mask: Tensor | undefined, sequence: boolean): Tensor {
  let hc = p.hc;
  const states: Tensor[] = [];
  for (let s = 0; s < p.x.shape[1]; s++) {
    hc = t.lstmCell(t.linear(t.index(p.x, s, 1), p.w, p.b), hc, p.u, column(mask, s));
    states.push(hc);
  }
  return sequence ? t.stack(states, 2) : hc as Tensor;
}

const lstmFused = (t: Ops, p: LstmInputs, mask: Tensor | undefined, sequence: boolean) =>
  t.lstmSequence(p.x, p.hc, p.w, p.u, p.b, mask, sequence);

/** The GRU as the layer ran it before the fused sequence: linear and gruCell per step. */
function gruSteps(t: Ops, p: LstmInputs, mask: Tensor | undefined, sequence: boolean): Tensor {
  let h = p.hc;
  const states: Tensor[] = [];
  for (let s = 0; s < p.x.shape[1]; s++) {
    h = t.gruCell(t.linear(t.index(p.x, s, 1), p.w, p.b), h, p.u, p.rb, column(mask, s));
    states.push(h);
  }
  return sequence ? t.stack(states, 1) : h as Tensor;
}

const gruFused = (t: Ops, p: LstmInputs, mask: Tensor | undefined, sequence: boolean) =>
  t.gruSequence(p.x, p.hc, p.w, p.u, p.b, p.rb, mask, sequence);

const SEQUENCES = [
  { name: "lstmSequence", cell: "lstmCell", gates: 4, fused: lstmFused, steps: lstmSteps },
  { name: "gruSequence", cell: "gruCell", gates: 3, fused: gruFused, steps: gruSteps },
] as const;

function close(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  a.data.forEach((v, i) => {
    const d = Math.abs(v - b.data[i]);
    assert.ok(d <= tol * (1 + Math.abs(b.data[i])), `${what}[${i}]: ${v} vs ${b.data[i]}`);
  });
}

for (const q of SEQUENCES) {
  for (const [dtype, tol] of [["float64", 1e-12], ["float32", 2e-5]] as const) {
    for (const name of ["blas", "ts"] as const) {
      let be;
      try {
        be = backend(name);
      } catch {
        continue; // blas missing here: the ts run still covers the primitive
      }
      test(`${q.name} equals linear + ${q.cell} per step in value and gradient (${dtype}, ${name})`, () => {
        fc.assert(
          fc.property(seqArb, (c) => {
            const { p, mask } = draw(c, dtype, q.gates);
            const opts = { backend: be };
            const [y1, back1] = vjp((t, r: LstmInputs) => q.fused(t, r, mask, c.sequence), p, opts);
            const [y2, back2] = vjp((t, r: LstmInputs) => q.steps(t, r, mask, c.sequence), p, opts);
            close(y1, y2, tol, "value");
            const dy = astype(normal(key(c.seed + 5), y1.shape, { dtype: "float64" }), dtype);
            const [g1, g2] = [back1(dy), back2(dy)];
            for (const k of Object.keys(p) as (keyof LstmInputs)[]) {
              close(g1[k] as Tensor, g2[k] as Tensor, 10 * tol, k);
            }
          }),
          { numRuns: 40 },
        );
      });
    }
  }

  test(`${q.name} gradient matches central differences (float64, masks, initial state)`, () => {
    fc.assert(
      fc.property(seqArb, (c) => {
        const { p, mask } = draw(c, "float64", q.gates);
        const r = checkGradients((t, v: LstmInputs) => q.fused(t, v, mask, c.sequence), p);
        assert.ok(r.ok, `max error ${r.maxError} at ${r.worst?.path}`);
      }),
      { numRuns: 30 },
    );
  });

  test(`${q.name} never writes into its inputs, and its pullback runs twice alike`, () => {
    const drawn = { batch: 2, time: 3, features: 2, units: 3, seed: 7, given: true };
    const { p, mask } = draw({ ...drawn, mask: [1, 0, 1, 1, 1, 0] } as Drawn, "float32", q.gates);
    const inputs = Object.values(p) as Tensor[];
    const before = snapshot(...inputs);
    const [y, back] = vjp((t, r: LstmInputs) => q.fused(t, r, mask, true), p);
    const dy = normal(key(1), y.shape);
    const [g1, g2] = [back(dy), back(dy)];
    assert.deepEqual(snapshot(...inputs), before);
    for (const k of Object.keys(p) as (keyof LstmInputs)[]) {
      assert.deepEqual([...(g1[k] as Tensor).data], [...(g2[k] as Tensor).data], k);
    }
  });
}

test("lstmSequence without bias or state equals zeros passed in", () => {
  const t = untraced();
  const { p } = draw(
    { batch: 2, time: 3, features: 2, units: 2, seed: 3, given: false } as Drawn,
    "float64",
  );
  const y = t.lstmSequence(p.x, undefined, p.w, p.u, undefined, undefined, true);
  const ref = t.lstmSequence(
    p.x,
    zeros([2, 2, 2], "float64"),
    p.w,
    p.u,
    zeros([8], "float64"),
    undefined,
    true,
  );
  assert.deepEqual([...y.data], [...ref.data]);
});

test("lstmSequence names itself and the values when shapes disagree", () => {
  const t = untraced(), x = zeros([2, 3, 4]), w = zeros([4, 8]), u = zeros([2, 8]);
  const fails = (f: () => unknown, ...parts: string[]) =>
    assert.throws(f, (e: Error) =>
      e instanceof TypeError && e.message.includes("lstmSequence") &&
      parts.every((s) => e.message.includes(s)));
  fails(() => t.lstmSequence(zeros([2, 4]), undefined, w, u, undefined), "[2,4]");
  fails(() => t.lstmSequence(x, undefined, zeros([3, 8]), u, undefined), "[3,8]");
  fails(() => t.lstmSequence(x, undefined, zeros([4, 7]), u, undefined), "[4,7]");
  fails(() => t.lstmSequence(x, undefined, w, zeros([3, 8]), undefined), "[3,8]", "[2,8]");
  fails(() => t.lstmSequence(x, zeros([2, 3, 2]), w, u, undefined), "[2,3,2]", "[2,2,2]");
  fails(() => t.lstmSequence(x, undefined, w, u, zeros([7])), "bias", "[7]");
  fails(() => t.lstmSequence(x, undefined, w, u, undefined, zeros([3, 2])), "mask", "[2, 3]");
  fails(() => t.lstmSequence(x, undefined, w, u, zeros([8], "float64")), "float64");
  fails(
    () => t.lstmSequence(x, undefined, w, u, undefined, undefined, 1 as unknown as boolean),
    "sequence",
  );
});

test("gruSequence names itself and the values when shapes disagree", () => {
  const t = untraced(), x = zeros([2, 3, 4]), w = zeros([4, 6]), u = zeros([2, 6]);
  const fails = (f: () => unknown, ...parts: string[]) =>
    assert.throws(f, (e: Error) =>
      e instanceof TypeError && e.message.includes("gruSequence") &&
      parts.every((s) => e.message.includes(s)));
  fails(
    () => t.gruSequence(x, undefined, zeros([4, 8]), u, undefined, undefined),
    "3·units",
    "[4,8]",
  );
  fails(() => t.gruSequence(x, zeros([2, 2, 2]), w, u, undefined, undefined), "[2,2,2]", "[2,2]");
  fails(() => t.gruSequence(x, undefined, w, u, undefined, zeros([5])), "recurrent bias", "[5]");
});
