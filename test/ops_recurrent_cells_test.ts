import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Ops } from "../src/autodiff/ops.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { key, normal } from "../src/random.ts";
import { fromTypedArray, type Tensor, zeros } from "../src/tensor.ts";
import { checkGradients } from "../src/testing/mod.ts";
import { sigmoid32, tanh32 } from "../src/ops/_fast_math.ts";
import { snapshot } from "./_arbitraries.ts";

const f64 = { dtype: "float64" as const };
const t = untraced();

/** Sizes, a seed and which rows are masked (undefined: no mask). */
const cellArb = fc.record({
  batch: fc.integer({ min: 1, max: 4 }),
  units: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat(1000),
  mask: fc.option(fc.array(fc.constantFrom(0, 1), { minLength: 4, maxLength: 4 }), {
    nil: undefined,
  }),
});

function maskOf(m: number[] | undefined, batch: number): Tensor | undefined {
  return m === undefined
    ? undefined
    : fromTypedArray(Float64Array.from(m.slice(0, batch)), [batch]);
}

/** The LSTM step as plain primitives: slices, activations, products and sums. */
function lstmPlain(t: Ops, zx: Tensor, zh: Tensor, hc: Tensor, mask?: Tensor): Tensor {
  const [batch, w] = zx.shape, u = w / 4;
  const z = t.add(zx, zh);
  const gate = (g: number) => t.slice(z, [0, g * u], [batch, u]);
  const i = t.sigmoid(gate(0)), f = t.sigmoid(gate(1)), g = t.tanh(gate(2)), o = t.sigmoid(gate(3));
  const h0 = t.index(hc, 0, 0), c0 = t.index(hc, 1, 0);
  const c = t.add(t.mul(f, c0), t.mul(i, g));
  const h = t.mul(o, t.tanh(c));
  const next = t.stack([h, c], 0);
  if (mask === undefined) return next;
  return t.where(t.reshape(mask, [1, batch, 1]), next, t.stack([h0, c0], 0));
}

/** The GRU step (reset_after) as plain primitives. */
function gruPlain(t: Ops, zx: Tensor, zh: Tensor, h: Tensor, mask?: Tensor): Tensor {
  const [batch, w] = zx.shape, u = w / 3;
  const part = (z: Tensor, g: number) => t.slice(z, [0, g * u], [batch, u]);
  const r = t.sigmoid(t.add(part(zx, 0), part(zh, 0)));
  const z = t.sigmoid(t.add(part(zx, 1), part(zh, 1)));
  const n = t.tanh(t.add(part(zx, 2), t.mul(r, part(zh, 2))));
  const next = t.add(t.mul(t.addScalar(t.neg(z), 1), n), t.mul(z, h));
  return mask === undefined ? next : t.where(t.reshape(mask, [batch, 1]), next, h);
}

const cells = [
  { name: "lstmCell", gates: 4, stateShape: (b: number, u: number) => [2, b, u], plain: lstmPlain },
  { name: "gruCell", gates: 3, stateShape: (b: number, u: number) => [b, u], plain: gruPlain },
] as const;

for (const cell of cells) {
  const fused = (tt: Ops, zx: Tensor, zh: Tensor, s: Tensor, m?: Tensor) =>
    cell.name === "lstmCell" ? tt.lstmCell(zx, zh, s, m) : tt.gruCell(zx, zh, s, m);
  const draw = (c: { batch: number; units: number; seed: number }) => ({
    zx: normal(key(c.seed), [c.batch, cell.gates * c.units], { ...f64, std: 2 }),
    zh: normal(key(c.seed + 1), [c.batch, cell.gates * c.units], { ...f64, std: 2 }),
    s: normal(key(c.seed + 2), cell.stateShape(c.batch, c.units), f64),
  });

  test(`${cell.name} equals its plain composition in value and gradient (float64, masks)`, () => {
    fc.assert(
      fc.property(cellArb, (c) => {
        const p = draw(c), m = maskOf(c.mask, c.batch);
        const [y1, back1] = vjp((tt, q: typeof p) => fused(tt, q.zx, q.zh, q.s, m), p);
        const [y2, back2] = vjp((tt, q: typeof p) => cell.plain(tt, q.zx, q.zh, q.s, m), p);
        y1.data.forEach((v, i) => assert.ok(Math.abs(v - y2.data[i]) < 1e-14, `value ${i}`));
        const dy = normal(key(c.seed + 3), y1.shape, f64);
        const [g1, g2] = [back1(dy), back2(dy)];
        for (const k of ["zx", "zh", "s"] as const) {
          g1[k].data.forEach((v, i) =>
            assert.ok(Math.abs(v - g2[k].data[i]) < 1e-13, `${k}[${i}]: ${v} vs ${g2[k].data[i]}`)
          );
        }
      }),
      { numRuns: 60 },
    );
  });

  test(`${cell.name} gradient matches central differences`, () => {
    fc.assert(
      fc.property(cellArb, (c) => {
        const p = draw(c), m = maskOf(c.mask, c.batch);
        const r = checkGradients((tt, q: typeof p) => fused(tt, q.zx, q.zh, q.s, m), p);
        assert.ok(r.ok, `max error ${r.maxError} at ${r.worst?.path}`);
      }),
      { numRuns: 30 },
    );
  });

  test(`${cell.name} with zh and the state undefined equals zeros passed in`, () => {
    const c = { batch: 3, units: 2, seed: 9 };
    const p = draw(c);
    const ref = fused(t, p.zx, zeros(p.zh.shape, "float64"), zeros(p.s.shape, "float64"));
    const y = cell.name === "lstmCell"
      ? t.lstmCell(p.zx, undefined, undefined)
      : t.gruCell(p.zx, undefined, undefined);
    assert.deepEqual([...y.data], [...ref.data]);
  });

  test(`${cell.name} never writes into its inputs`, () => {
    const p = draw({ batch: 2, units: 3, seed: 4 });
    const before = snapshot(p.zx, p.zh, p.s);
    const [, back] = vjp((tt, q: typeof p) => fused(tt, q.zx, q.zh, q.s), p);
    back(normal(key(5), cell.name === "lstmCell" ? [2, 2, 3] : [2, 3], f64));
    assert.deepEqual(snapshot(p.zx, p.zh, p.s), before);
  });

  test(`${cell.name} names itself and the shapes when zx and the state disagree`, () => {
    const zx = zeros([2, cell.gates * 3]);
    assert.throws(
      () =>
        cell.name === "lstmCell"
          ? t.lstmCell(zx, zx, zeros([2, 3, 3]))
          : t.gruCell(zx, zx, zeros([3, 3])),
      (e: Error) => e instanceof TypeError && e.message.includes(cell.name) && /\[/.test(e.message),
    );
    assert.throws(
      () =>
        cell.name === "lstmCell"
          ? t.lstmCell(zx, zeros([2, 5]), undefined)
          : t.gruCell(zx, zeros([2, 5]), undefined),
      (e: Error) => e instanceof TypeError && e.message.includes("[2,5]"),
    );
  });
}

test("the float32 tanh and sigmoid are within 3e-7 of the exact functions", () => {
  fc.assert(
    fc.property(fc.double({ min: -40, max: 40, noNaN: true }), (x) => {
      assert.ok(Math.abs(Math.fround(tanh32(x)) - Math.tanh(x)) <= 3e-7);
      assert.ok(Math.abs(Math.fround(sigmoid32(x)) - 1 / (1 + Math.exp(-x))) <= 3e-7);
    }),
    { numRuns: 2000 },
  );
});
