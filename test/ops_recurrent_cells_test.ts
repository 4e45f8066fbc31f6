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

/** The LSTM step as plain primitives: the product, slices, activations, products and sums. */
function lstmPlain(t: Ops, zx: Tensor, hc: Tensor, uk: Tensor, mask?: Tensor): Tensor {
  const [batch, w] = zx.shape, u = w / 4;
  const z = t.add(zx, t.matmul(t.index(hc, 0, 0), uk));
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
function gruPlain(t: Ops, zx: Tensor, h: Tensor, uk: Tensor, rb: Tensor, mask?: Tensor): Tensor {
  const [batch, w] = zx.shape, u = w / 3;
  const zh = t.linear(h, uk, rb);
  const part = (z: Tensor, g: number) => t.slice(z, [0, g * u], [batch, u]);
  const r = t.sigmoid(t.add(part(zx, 0), part(zh, 0)));
  const z = t.sigmoid(t.add(part(zx, 1), part(zh, 1)));
  const n = t.tanh(t.add(part(zx, 2), t.mul(r, part(zh, 2))));
  const next = t.add(t.mul(t.addScalar(t.neg(z), 1), n), t.mul(z, h));
  return mask === undefined ? next : t.where(t.reshape(mask, [batch, 1]), next, h);
}

/** Drawn inputs of a cell: projection, state, recurrent kernel and (GRU) its bias. */
type CellInputs = { zx: Tensor; s: Tensor; u: Tensor; rb: Tensor };

const cells = [
  {
    name: "lstmCell",
    gates: 4,
    stateShape: (b: number, u: number) => [2, b, u],
    fused: (t: Ops, p: CellInputs, m?: Tensor) => t.lstmCell(p.zx, p.s, p.u, m),
    plain: (t: Ops, p: CellInputs, m?: Tensor) => lstmPlain(t, p.zx, p.s, p.u, m),
  },
  {
    name: "gruCell",
    gates: 3,
    stateShape: (b: number, u: number) => [b, u],
    fused: (t: Ops, p: CellInputs, m?: Tensor) => t.gruCell(p.zx, p.s, p.u, p.rb, m),
    plain: (t: Ops, p: CellInputs, m?: Tensor) => gruPlain(t, p.zx, p.s, p.u, p.rb, m),
  },
] as const;

for (const cell of cells) {
  const draw = (c: { batch: number; units: number; seed: number }): CellInputs => ({
    zx: normal(key(c.seed), [c.batch, cell.gates * c.units], { ...f64, std: 2 }),
    s: normal(key(c.seed + 2), cell.stateShape(c.batch, c.units), f64),
    u: normal(key(c.seed + 1), [c.units, cell.gates * c.units], f64),
    rb: normal(key(c.seed + 3), [cell.gates * c.units], f64),
  });

  test(`${cell.name} equals its plain composition in value and gradient (float64, masks)`, () => {
    fc.assert(
      fc.property(cellArb, (c) => {
        const p = draw(c), m = maskOf(c.mask, c.batch);
        const [y1, back1] = vjp((tt, q: CellInputs) => cell.fused(tt, q, m), p);
        const [y2, back2] = vjp((tt, q: CellInputs) => cell.plain(tt, q, m), p);
        y1.data.forEach((v, i) => assert.ok(Math.abs(v - y2.data[i]) < 1e-13, `value ${i}`));
        const dy = normal(key(c.seed + 3), y1.shape, f64);
        const [g1, g2] = [back1(dy), back2(dy)];
        const keys = cell.name === "lstmCell"
          ? ["zx", "s", "u"] as const
          : ["zx", "s", "u", "rb"] as const;
        for (const k of keys) {
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
        const q0 = cell.name === "lstmCell" ? { zx: p.zx, s: p.s, u: p.u } : p;
        const r = checkGradients((tt, q) => cell.fused(tt, { ...p, ...q }, m), q0);
        assert.ok(r.ok, `max error ${r.maxError} at ${r.worst?.path}`);
      }),
      { numRuns: 30 },
    );
  });

  test(`${cell.name} with the state undefined equals zeros passed in`, () => {
    const p = draw({ batch: 3, units: 2, seed: 9 });
    const ref = cell.fused(t, { ...p, s: zeros(p.s.shape, "float64") });
    const y = cell.name === "lstmCell"
      ? t.lstmCell(p.zx, undefined, p.u)
      : t.gruCell(p.zx, undefined, p.u, p.rb);
    assert.deepEqual([...y.data], [...ref.data]);
  });

  test(`${cell.name} never writes into its inputs`, () => {
    const p = draw({ batch: 2, units: 3, seed: 4 });
    const before = snapshot(p.zx, p.s, p.u, p.rb);
    const [, back] = vjp((tt, q: CellInputs) => cell.fused(tt, q), p);
    back(normal(key(5), cell.name === "lstmCell" ? [2, 2, 3] : [2, 3], f64));
    assert.deepEqual(snapshot(p.zx, p.s, p.u, p.rb), before);
  });

  test(`${cell.name} names itself and the shapes when zx and the state or kernel disagree`, () => {
    const zx = zeros([2, cell.gates * 3]), u = zeros([3, cell.gates * 3]);
    const call = (s: Tensor | undefined, uk: Tensor) =>
      cell.name === "lstmCell" ? t.lstmCell(zx, s, uk) : t.gruCell(zx, s, uk, undefined);
    assert.throws(
      () => call(cell.name === "lstmCell" ? zeros([2, 3, 3]) : zeros([3, 3]), u),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(cell.name) &&
        /3,3\] for|3,3\], expected/.test(e.message),
    );
    assert.throws(
      () => call(undefined, zeros([3, 5])),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(cell.name) && e.message.includes("[3,5]"),
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
