import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { momentumApply } from "../src/ops/optim_momentum.ts";
import { momentum, nesterov } from "../src/optim/aliases.ts";
import type { Schedule, Transform } from "../src/optim/transform.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { leaves, paramsArb, run, schedules } from "./_optim_fused.ts";

// momentum's and nesterov's declared fused step (Transform.updateParams, one momentumApply per
// leaf) against their own chain, update then applyUpdates, step after step: the same bits in
// float32 as in float64, parameters and velocities alike.

const makers: [string, (lr: number | Schedule, decay: number) => Transform<unknown>][] = [
  ["momentum", (lr, decay) => momentum(lr, { decay }) as Transform<unknown>],
  ["nesterov", (lr, decay) => nesterov(lr, { decay }) as Transform<unknown>],
];

for (const [name, make] of makers) {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [what, lr] of schedules) {
      test(`${name}'s fused step equals its chain bit for bit (${dtype}, ${what})`, () => {
        fc.assert(
          fc.property(
            paramsArb(dtype),
            fc.array(paramsArb(dtype), { minLength: 1, maxLength: 5 }),
            fc.constantFrom(0, 0.5, 0.9, 0.99),
            (p, gs, decay) => {
              const opt = make(lr, decay);
              assert.equal(typeof opt.updateParams, "function");
              const before = leaves([p, gs]);
              const [fp, fs] = run(opt, p, gs, true);
              const [cp, cs] = run(opt, p, gs, false);
              assert.deepEqual(leaves(fp), leaves(cp), "parameters");
              assert.deepEqual(leaves(fs), leaves(cs), "state (velocities and count)");
              assert.deepEqual(leaves([p, gs]), before, "inputs untouched");
            },
          ),
          { numRuns: 40 },
        );
      });
    }
  }

  test(`${name}'s fused step leaves a traced step, and a malformed state, to its chain`, () => {
    const opt = make(0.1, 0.9);
    const p = { w: tensor([1, 2], [2], "float64") }, g = { w: tensor([0.5, -1], [2], "float64") };
    const s = opt.init(p);
    // Through a trace (the parameters watched) the chain's primitives run and are recorded,
    // with the same numbers.
    const trace = new Trace(untraced().backend);
    trace.watch(p);
    const [tp] = opt.updateParams!(g, s, p, trace.ops);
    assert.ok(trace.size > 0, "the chain's primitives ran on the trace");
    assert.deepEqual(leaves(tp), leaves(opt.updateParams!(g, s, p)[0]));
    // A state that is not the chain's: the chain's own error, naming it.
    assert.throws(() => opt.updateParams!(g, [{ trace: null }, { count: 0 }] as never, p), {
      message: /traceMomentum|momentum|nesterov/,
    });
  });
}

test("momentumApply rejects mismatched or malformed inputs, naming itself", () => {
  const a = tensor([1, 2], [2], "float32"), b = tensor([1, 2, 3], [3], "float32");
  const f64 = tensor([1, 2], [2], "float64");
  const cases: [() => unknown, RegExp][] = [
    [() => momentumApply(a, b, a, 0.9, false, -0.1), /momentumApply/],
    [() => momentumApply(a, a, f64, 0.9, false, -0.1), /momentumApply/],
    [() => momentumApply(a, a, a, NaN, false, -0.1), /momentumApply.*decay/],
    [() => momentumApply(a, a, a, 0.9, 1 as unknown as boolean, -0.1), /momentumApply.*nesterov/],
    [() => momentumApply(a, a, a, 0.9, false, Infinity), /momentumApply.*scale/],
    [
      () => momentumApply(a, [1, 2] as unknown as Tensor, a, 0.9, false, -0.1),
      /momentumApply.*gradient/,
    ],
  ];
  for (const [call, message] of cases) assert.throws(call, { message });
});
