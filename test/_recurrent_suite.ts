// The properties every recurrent layer (rnn, lstm, gru) must have, registered by one call per
// layer from test/layers_{rnn,lstm,gru}_test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { RecurrentInput, RecurrentLayer, RecurrentOptions } from "../src/layers/recurrent.ts";
import { resetState } from "../src/layers/recurrent.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import type { Ops } from "../src/autodiff/ops.ts";
import { key, normal } from "../src/random.ts";
import { astype, fromTypedArray, isTensor, type Tensor } from "../src/tensor.ts";
import type { Tree } from "../src/tree.ts";
import { treeFlatten } from "../src/tree.ts";
import type { Backend } from "../src/kernels/kernels.ts";
import { backend } from "../src/kernels/select.ts";
import { checkGradients } from "../src/testing/mod.ts";
import { load, probed, skipReason } from "./_backends.ts";
import { snapshot } from "./_arbitraries.ts";

// deno-lint-ignore no-explicit-any
type AnyRecurrent = RecurrentLayer<any, any, any>;
type Factory = (units: number, options?: RecurrentOptions) => AnyRecurrent;

const t = untraced(backend("ts"));
const f64 = "float64" as const;

/** A drawn problem: sizes, a seed, whether to mask (prefix-valid rows) and give a state. */
const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  time: fc.integer({ min: 1, max: 5 }),
  features: fc.integer({ min: 1, max: 3 }),
  units: fc.integer({ min: 1, max: 3 }),
  seed: fc.nat(1000),
  masked: fc.boolean(),
  withState: fc.boolean(),
  output: fc.constantFrom("sequence" as const, "last" as const, "both" as const),
}).chain((c) =>
  fc.array(fc.integer({ min: 0, max: c.time }), { minLength: c.batch, maxLength: c.batch })
    .map((lengths) => ({ ...c, lengths }))
);

interface Case {
  batch: number;
  time: number;
  features: number;
  units: number;
  seed: number;
  masked: boolean;
  withState: boolean;
  output: "sequence" | "last" | "both";
  lengths: number[];
}

/** Row b's first `lengths[b]` steps valid, the rest padding. */
function prefixMask(c: Case): Tensor {
  const m = new Float64Array(c.batch * c.time);
  for (let b = 0; b < c.batch; b++) for (let s = 0; s < c.lengths[b]; s++) m[b * c.time + s] = 1;
  return fromTypedArray(m, [c.batch, c.time]);
}

/** Register the shared properties for the layer `name` made by `make`. */
export function recurrentSuite(
  name: string,
  make: Factory,
  stateOf: (k: number, batch: number, units: number) => Tree,
): void {
  const build = (c: Case, extra: RecurrentOptions = {}) => {
    const layer = make(c.units, { output: c.output, dtype: f64, ...extra });
    const { outShape, params, state } = layer.init(key(c.seed), [c.time, c.features]);
    const x = normal(key(c.seed + 1), [c.batch, c.time, c.features], { dtype: f64 });
    const init = c.withState ? stateOf(c.seed + 2, c.batch, c.units) : undefined;
    const mask = c.masked ? prefixMask(c) : undefined;
    return { layer, outShape, params, state, x, init, mask };
  };
  // deno-lint-ignore no-explicit-any
  const input = (x: Tensor, mask?: Tensor, init?: Tree): RecurrentInput<any> =>
    mask === undefined && init === undefined ? x : {
      inputs: x,
      ...(mask === undefined ? {} : { mask }),
      ...(init === undefined ? {} : { state: init }),
    };

  test(`${name}() returns the shapes init reports, for every output mode`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { layer, outShape, params, state, x, init, mask } = build(c);
        const { y } = layer.apply(t, params, state, input(x, mask, init), EVAL);
        const shapes = (s: unknown): unknown =>
          Array.isArray(s) ? [c.batch, ...s] : Object.fromEntries(
            Object.entries(s as object).map(([k, v]) => [k, shapes(v)]),
          );
        const got = (v: unknown): unknown =>
          isTensor(v) ? [...v.shape] : Object.fromEntries(
            Object.entries(v as object).map(([k, w]) => [k, got(w)]),
          );
        assert.deepEqual(got(y), shapes(outShape));
      }),
      { numRuns: 60 },
    );
  });

  test(`${name}() gradient matches central differences (params, inputs, initial state, masks)`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { layer, params, x, init, mask } = build(c);
        const f = (tt: Ops, p: { params: Tree; x: Tensor; init?: Tree }) =>
          layer.apply(tt, p.params, null, input(p.x, mask, p.init), EVAL).y as Tree;
        const primals = init === undefined ? { params, x } : { params, x, init };
        const r = checkGradients(f, primals, { maxPerLeaf: 24, key: key(c.seed) });
        assert.ok(r.ok, `max error ${r.maxError} at ${r.worst?.path}`);
      }),
      { numRuns: 25 },
    );
  });

  test(`${name}() keeps the state through padding, outputs zeros there, and "last" is the last valid step`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const seqCase = { ...c, output: "sequence" as const, masked: true };
        const { layer, params, x, init } = build(seqCase);
        const mask = prefixMask(seqCase);
        const seq = layer.apply(t, params, null, input(x, mask, init), EVAL).y as Tensor;
        const last = make(c.units, { output: "last", dtype: f64 });
        const y = last.apply(t, params, null, input(x, mask, init), EVAL).y as Tensor;
        for (let b = 0; b < c.batch; b++) {
          const L = c.lengths[b];
          for (let s = L; s < c.time; s++) {
            for (let j = 0; j < c.units; j++) {
              assert.ok(seq.data[(b * c.time + s) * c.units + j] === 0); // -0 counts
            }
          }
          // The row alone, cut to its valid steps, ends where the masked run's "last" is.
          if (L === 0) continue;
          const row = fromTypedArray(
            Float64Array.from(
              x.data.subarray(b * c.time * c.features, (b * c.time + L) * c.features),
            ),
            [1, L, c.features],
          );
          const rowInit = init === undefined ? undefined : rowOf(init, b);
          const alone = last.apply(t, params, null, input(row, undefined, rowInit), EVAL)
            .y as Tensor;
          for (let j = 0; j < c.units; j++) {
            const v = y.data[b * c.units + j], ref = alone.data[j];
            assert.ok(Math.abs(v - ref) < 1e-12, `row ${b} unit ${j}: ${v} vs ${ref}`);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  test(`${name}() stateful over two halves equals one pass over the whole sequence`, () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 4 }), (c, cut) => {
        const time = c.time + 1, at = Math.min(cut, time - 1);
        const whole = make(c.units, { dtype: f64 });
        const carried = make(c.units, { dtype: f64, stateful: true });
        const { params, state } = carried.init(key(c.seed), [time, c.features]);
        const x = normal(key(c.seed + 1), [c.batch, time, c.features], { dtype: f64 });
        const ref = whole.apply(t, params, null, x, EVAL).y as Tensor;
        const part = (from: number, to: number) =>
          t.slice(x, [0, from, 0], [c.batch, to - from, c.features]);
        const first = carried.apply(t, params, state, part(0, at), trainContext());
        const second = carried.apply(t, params, first.state, part(at, time), trainContext());
        const both = t.concat([first.y as Tensor, second.y as Tensor], 1);
        both.data.forEach((v, i) => assert.ok(Math.abs(v - ref.data[i]) < 1e-12, `${i}`));
      }),
      { numRuns: 30 },
    );
  });

  test(`${name}() in eval mode starts a stateful layer from zeros and leaves its carried state`, () => {
    const layer = make(3, { dtype: f64, stateful: true, output: "last" });
    const { params, state } = layer.init(key(1), [4, 2]);
    const x = normal(key(2), [2, 4, 2], { dtype: f64 });
    const trained = layer.apply(t, params, state, x, trainContext());
    const evaluated = layer.apply(t, params, trained.state, x, EVAL);
    assert.equal(evaluated.state, trained.state);
    const fresh = layer.apply(t, params, state, x, EVAL).y as Tensor;
    assert.deepEqual([...(evaluated.y as Tensor).data], [...fresh.data]);
    const reset = resetState(layer, trained.state);
    assert.deepEqual(leaves(reset).map((l) => l.shape[0]), leaves(state).map(() => 0));
  });

  test(`${name}() never writes into its inputs, parameters or initial state`, () => {
    const c = { batch: 2, time: 3, features: 2, units: 3, seed: 5, masked: true, withState: true };
    const { layer, params, x, init, mask } = build({ ...c, output: "both", lengths: [3, 1] });
    const all = [x, mask as Tensor, ...leaves(params), ...leaves(init as Tree)];
    const before = snapshot(...all);
    layer.apply(t, params, null, input(x, mask, init), trainContext());
    assert.deepEqual(snapshot(...all), before);
  });

  test(`${name}() in float32 agrees with float64 (the fast float32 gate functions)`, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { layer, params, x, init, mask } = build(c);
        const y64 = leaves(layer.apply(t, params, null, input(x, mask, init), EVAL).y as Tree);
        const l32 = make(c.units, { output: c.output, dtype: "float32" });
        const to32 = (tree: Tree | undefined) =>
          tree === undefined ? undefined : mapLeaves(tree, (l) => astype(l, "float32"));
        const y32 = leaves(
          l32.apply(t, to32(params), null, input(astype(x, "float32"), mask, to32(init)), EVAL)
            .y as Tree,
        );
        y32.forEach((leaf, i) =>
          leaf.data.forEach((v, j) => assert.ok(Math.abs(v - y64[i].data[j]) < 1e-5))
        );
      }),
      { numRuns: 30 },
    );
  });

  for (const be of ["blas", "wasm"] as const) {
    const k = load(probed(be));
    test(`${name}() computes on the ${be} backend what it computes on ts (float32)`, {
      skip: skipReason(be, k),
    }, () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const layer = make(c.units + 4, { output: c.output, dtype: "float32" });
          const { params } = layer.init(key(c.seed), [c.time, c.features]);
          const x = normal(key(c.seed + 1), [c.batch + 3, c.time, c.features]);
          const ref = leaves(layer.apply(t, params, null, x, EVAL).y as Tree);
          const got = leaves(layer.apply(untraced(k as Backend), params, null, x, EVAL).y as Tree);
          got.forEach((leaf, i) =>
            leaf.data.forEach((v, j) => assert.ok(Math.abs(v - ref[i].data[j]) < 1e-4))
          );
        }),
        { numRuns: 20 },
      );
    });
  }
}

const leaves = (tree: Tree): Tensor[] => treeFlatten(tree)[0];

function rowOf(state: Tree, b: number): Tree {
  return mapLeaves(state, (l) => {
    const u = l.shape[1];
    return fromTypedArray(Float64Array.from(l.data.subarray(b * u, (b + 1) * u)), [1, u]);
  });
}

function mapLeaves(tree: Tree, f: (l: Tensor) => Tensor): Tree {
  if (isTensor(tree)) return f(tree);
  return Object.fromEntries(
    Object.entries(tree as Record<string, Tree>).map(([k, v]) => [k, mapLeaves(v, f)]),
  );
}
