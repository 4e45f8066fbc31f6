import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { untraced } from "../src/autodiff/ops.ts";
import { Trace } from "../src/autodiff/trace.ts";
import { rmspropApply, sgdApply } from "../src/ops/optim_rms.ts";
import { rmsprop, sgd } from "../src/optim/aliases.ts";
import type { Schedule, Transform } from "../src/optim/transform.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { leaves, paramsArb, run, schedules } from "./_optim_fused.ts";

// rmsprop's and sgd's declared fused steps (Transform.updateParams, one rmspropApply or
// sgdApply per leaf) against their own chain, update then applyUpdates, step after step: the
// same bits in float32 as in float64, parameters and running means alike.

type Make = (lr: number | Schedule, decay: number, eps: number) => Transform<unknown>;
const makers: [string, Make, RegExp][] = [
  ["rmsprop", (lr, decay, eps) => rmsprop(lr, { decay, eps }) as Transform<unknown>, /Rms|rms/],
  ["sgd", (lr) => sgd(lr) as Transform<unknown>, /sgd|scaleByLearningRate/],
];

for (const [name, make, named] of makers) {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [what, lr] of schedules) {
      test(`${name}'s fused step equals its chain bit for bit (${dtype}, ${what})`, () => {
        fc.assert(
          fc.property(
            paramsArb(dtype),
            fc.array(paramsArb(dtype), { minLength: 1, maxLength: 5 }),
            fc.constantFrom(0, 0.5, 0.9, 0.99),
            fc.constantFrom(1e-8, 1e-3, 0.1),
            (p, gs, decay, eps) => {
              const opt = make(lr, decay, eps);
              assert.equal(typeof opt.updateParams, "function");
              const before = leaves([p, gs]);
              const [fp, fs] = run(opt, p, gs, true);
              const [cp, cs] = run(opt, p, gs, false);
              assert.deepEqual(leaves(fp), leaves(cp), "parameters");
              assert.deepEqual(leaves(fs), leaves(cs), "state (running means and count)");
              assert.deepEqual(leaves([p, gs]), before, "inputs untouched");
            },
          ),
          { numRuns: 40 },
        );
      });
    }
  }

  test(`${name}'s fused step leaves a traced step, and a malformed state, to its chain`, () => {
    const opt = make(0.1, 0.9, 1e-8);
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
    const bad = name === "sgd" ? [{ count: 0 }] : [{ nu: null }, { count: 0 }];
    assert.throws(() => opt.updateParams!(g, bad as never, p), { message: named });
    if (name === "rmsprop") {
      // An extra key the chain's scaleByRms rejects must not slip through the fast path.
      const [rms, count] = s as [{ nu: unknown }, unknown];
      const extra = [{ nu: rms.nu, mu: rms.nu }, count];
      assert.throws(() => opt.updateParams!(g, extra as never, p), { message: /scaleByRms/ });
    }
  });
}

test("rmspropApply and sgdApply reject mismatched or malformed inputs, naming themselves", () => {
  const a = tensor([1, 2], [2], "float32"), b = tensor([1, 2, 3], [3], "float32");
  const f64 = tensor([1, 2], [2], "float64");
  const cases: [() => unknown, RegExp][] = [
    [() => rmspropApply(a, b, a, 0.9, 1e-8, -0.1), /rmspropApply/],
    [() => rmspropApply(a, a, f64, 0.9, 1e-8, -0.1), /rmspropApply/],
    [() => rmspropApply(a, a, a, NaN, 1e-8, -0.1), /rmspropApply.*decay/],
    [() => rmspropApply(a, a, a, 0.9, Infinity, -0.1), /rmspropApply.*eps/],
    [() => rmspropApply(a, a, a, 0.9, 1e-8, Infinity), /rmspropApply.*scale/],
    [() => rmspropApply(a, a, [1] as unknown as Tensor, 0.9, 1e-8, -0.1), /rmspropApply.*nu/],
    [() => sgdApply(a, b, -0.1), /sgdApply/],
    [() => sgdApply(f64, a, -0.1), /sgdApply/],
    [() => sgdApply(a, a, NaN), /sgdApply.*scale/],
    [() => sgdApply(a, [1, 2] as unknown as Tensor, -0.1), /sgdApply.*gradient/],
  ];
  for (const [call, message] of cases) assert.throws(call, { message });
});
