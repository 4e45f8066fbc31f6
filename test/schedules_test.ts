import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  constant,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  linearWarmup,
  piecewiseConstant,
  type Schedule,
  stepDecay,
  warmupCosine,
} from "../src/optim/mod.ts";

const near = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test("constant returns its value at every step", () => {
  fc.assert(fc.property(fc.nat(1e6), (step) => constant(0.25)(step) === 0.25), { numRuns: 50 });
});

test("piecewiseConstant multiplies by each boundary's scale once the step reaches it", () => {
  const s = piecewiseConstant(0.1, { 100: 0.5, 50: 0.2 });
  near(s(0), 0.1);
  near(s(49), 0.1);
  near(s(50), 0.1 * 0.2);
  near(s(99), 0.02);
  near(s(100), 0.1 * 0.2 * 0.5);
  near(s(1e6), 0.01);
});

test("stepDecay is init·factor^⌊step/stepSize⌋", () => {
  const s = stepDecay({ init: 0.3, factor: 0.1, stepSize: 30 });
  near(s(29), 0.3);
  near(s(30), 0.03);
  near(s(61), 0.003);
});

test("exponentialDecay is init·rate^(step/transitionSteps), floored with staircase", () => {
  const smooth = exponentialDecay({ init: 2, decayRate: 0.5, transitionSteps: 10 });
  near(smooth(0), 2);
  near(smooth(5), 2 * Math.SQRT1_2);
  near(smooth(30), 0.25);
  const stairs = exponentialDecay({
    init: 2,
    decayRate: 0.5,
    transitionSteps: 10,
    staircase: true,
  });
  near(stairs(9), 2);
  near(stairs(19), 1);
  const delayed = exponentialDecay({
    init: 2,
    decayRate: 0.5,
    transitionSteps: 10,
    transitionBegin: 5,
  });
  near(delayed(5), 2);
  near(delayed(15), 1);
});

test("cosineDecay follows ½(1 + cos(πt/T)) from init down to α·init", () => {
  const s = cosineDecay({ init: 1, decaySteps: 100, alpha: 0.1 });
  near(s(0), 1);
  // t = 25: cos(π/4) = √½, so (0.9·½(1 + √½) + 0.1).
  near(s(25), 0.9 * 0.5 * (1 + Math.SQRT1_2) + 0.1);
  near(s(50), 0.55);
  near(s(100), 0.1);
  near(s(500), 0.1);
});

test("cosineDecay never increases", () => {
  const s = cosineDecay({ init: 3, decaySteps: 200 });
  fc.assert(fc.property(fc.nat(300), (t) => s(t + 1) <= s(t)), { numRuns: 50 });
});

test("linearSchedule ramps from init to end and stays there", () => {
  const s = linearSchedule({ init: 1, end: 0.2, transitionSteps: 8, transitionBegin: 2 });
  near(s(0), 1);
  near(s(2), 1);
  near(s(6), 0.6);
  near(s(10), 0.2);
  near(s(99), 0.2);
});

test("joinSchedules hands each schedule the steps since its boundary", () => {
  const calls: [string, number][] = [];
  const spy = (name: string, value: number): Schedule => (step) => {
    calls.push([name, step]);
    return value;
  };
  const s = joinSchedules([spy("a", 1), spy("b", 2), spy("c", 3)], [10, 25]);
  assert.deepEqual([s(0), s(9), s(10), s(24), s(25), s(40)], [1, 1, 2, 2, 3, 3]);
  assert.deepEqual(calls, [["a", 0], ["a", 9], ["b", 0], ["b", 14], ["c", 0], ["c", 15]]);
});

test("linearWarmup ramps to peak, then runs `after` from its own step 0", () => {
  const s = linearWarmup({
    init: 0,
    peak: 0.1,
    warmupSteps: 10,
    after: exponentialDecay({ init: 0.1, decayRate: 0.5, transitionSteps: 10 }),
  });
  near(s(0), 0);
  near(s(5), 0.05);
  near(s(10), 0.1);
  near(s(20), 0.05);
  near(linearWarmup({ peak: 0.3, warmupSteps: 4 })(100), 0.3);
});

test("warmupCosine warms up linearly, then decays by a cosine to end at decaySteps", () => {
  const s = warmupCosine({ init: 0, peak: 1, warmupSteps: 100, decaySteps: 1100, end: 0.1 });
  near(s(50), 0.5);
  near(s(100), 1);
  // Halfway through the cosine (500 of 1000 steps): end + (peak − end)·½.
  near(s(600), 0.1 + 0.9 * 0.5);
  near(s(1100), 0.1);
  near(s(5000), 0.1);
});

test("schedules reject bad options with a RangeError naming the schedule and value", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => constant(NaN), /constant: value must be a finite number, got NaN/],
    [() => piecewiseConstant(1, { [-5]: 0.1 }), /piecewiseConstant: a boundary .* got -5/],
    [
      () => piecewiseConstant(1, { 10: Infinity }),
      /piecewiseConstant: the scale at boundary 10 .* got Infinity/,
    ],
    [() => stepDecay({ init: 1, factor: 0, stepSize: 10 }), /stepDecay: factor .* got 0/],
    [() => stepDecay({ init: 1, factor: 0.5, stepSize: 2.5 }), /stepDecay: stepSize .* got 2.5/],
    [
      () => exponentialDecay({ init: 1, decayRate: -0.5, transitionSteps: 10 }),
      /exponentialDecay: decayRate must be a finite positive number, got -0.5/,
    ],
    [
      () => exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 0 }),
      /exponentialDecay: transitionSteps must be a positive integer, got 0/,
    ],
    [
      () => cosineDecay({ init: 1, decaySteps: 100, alpha: 2 }),
      /cosineDecay: alpha must be a finite number in \[0, 1\], got 2/,
    ],
    [() => cosineDecay({ init: 1, decaySteps: 0 }), /cosineDecay: decaySteps .* got 0/],
    [
      () => linearSchedule({ init: 1, end: 0, transitionSteps: -3 }),
      /linearSchedule: transitionSteps .* got -3/,
    ],
    [
      () => joinSchedules([constant(1), constant(2)], []),
      /joinSchedules: 2 schedules need 1 boundaries, got \[\]/,
    ],
    [
      () => joinSchedules([constant(1), constant(2), constant(3)], [5, 5]),
      /joinSchedules: boundaries\[1\] must be an integer >= 6, got 5/,
    ],
    [() => linearWarmup({ peak: 1, warmupSteps: -1 }), /linearWarmup: warmupSteps .* got -1/],
    [
      () => warmupCosine({ peak: 1, warmupSteps: 100, decaySteps: 100 }),
      /warmupCosine: decaySteps must be an integer >= 101, got 100/,
    ],
  ];
  for (const [make, message] of cases) assert.throws(make, { name: "RangeError", message });
});

test("schedules reject a negative or non-finite step with a RangeError", () => {
  assert.throws(() => cosineDecay({ init: 1, decaySteps: 10 })(-1), {
    name: "RangeError",
    message: /cosineDecay: the step must be a finite non-negative number, got -1/,
  });
  assert.throws(() => constant(1)(NaN), { name: "RangeError", message: /constant: .* got NaN/ });
});
