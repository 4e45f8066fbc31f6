import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { trainPerceptron } from "../src/train/perceptron.ts";
import { novikoffBound } from "../src/train/novikoff.ts";
import { backend } from "../src/kernels/select.ts";
import { type Key, key } from "../src/random.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { snapshot } from "./_arbitraries.ts";

const ts = backend("ts");

/** A separable set: the hyperplane (cos θ, sin θ)·x + b, points at least `gap` away from it. */
interface Separable {
  x: Tensor;
  y: Tensor;
  w: Tensor;
  b: number;
}

function separableArb(withBias: boolean): fc.Arbitrary<Separable> {
  const coordinate = fc.double({ min: -1, max: 1, noNaN: true });
  return fc.record({
    angle: fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
    b: withBias ? fc.double({ min: -0.5, max: 0.5, noNaN: true }) : fc.constant(0),
    gap: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
    points: fc.array(fc.tuple(coordinate, coordinate), { minLength: 1, maxLength: 30 }),
  }).map(({ angle, b, gap, points }) => {
    const u = [Math.cos(angle), Math.sin(angle)];
    const xs: number[][] = [], ys: number[] = [];
    for (const [p, q] of points) {
      const s = u[0] * p + u[1] * q + b;
      const side = s >= 0 ? 1 : -1;
      // Pushed along the normal until it is at least `gap` from the hyperplane.
      const push = Math.max(0, gap - Math.abs(s)) * side;
      xs.push([p + push * u[0], q + push * u[1]]);
      ys.push(side);
    }
    return {
      x: tensor(xs, [xs.length, 2], "float64"),
      y: tensor(ys, [ys.length], "float64"),
      w: tensor(u, [2], "float64"),
      b,
    };
  });
}

const total = (m: readonly number[]) => m.reduce((a, b) => a + b, 0);
/**
 * The bound with room for rounding: a single example on the normal has R = γ exactly, but the
 * computed (R/γ)² can come out a few ulps under 1.
 */
const rounded = (bound: number) => bound * (1 + 1e-9);
const shuffleArb: fc.Arbitrary<Key | undefined> = fc.option(fc.nat().map((s) => key(s)), {
  nil: undefined,
});

test("trainPerceptron converges on separable data within Novikoff's bound (with a bias)", () => {
  fc.assert(
    fc.property(
      separableArb(true),
      shuffleArb,
      fc.double({ min: 0.01, max: 10, noNaN: true }),
      (s, shuffle, learningRate) => {
        const { bound } = novikoffBound(s.x, s.y, { w: s.w, b: s.b }, { backend: ts });
        // Each epoch short of convergence makes a mistake, so bound + 1 epochs are enough.
        const epochs = Math.floor(rounded(bound)) + 1;
        const p = trainPerceptron(s.x, s.y, { epochs, learningRate, shuffle, backend: ts });
        assert.ok(p.converged, `mistakes ${p.mistakes} in ${epochs} epochs`);
        assert.ok(total(p.mistakes) <= rounded(bound), `${total(p.mistakes)} > bound ${bound}`);
      },
    ),
    { numRuns: 60 },
  );
});

test("trainPerceptron without a bias converges within the bound on data split through the origin", () => {
  fc.assert(
    fc.property(separableArb(false), shuffleArb, (s, shuffle) => {
      const { bound } = novikoffBound(s.x, s.y, { w: s.w }, { bias: false, backend: ts });
      const p = trainPerceptron(s.x, s.y, {
        epochs: Math.floor(rounded(bound)) + 1,
        bias: false,
        shuffle,
        backend: ts,
      });
      assert.ok(p.converged && total(p.mistakes) <= rounded(bound), `mistakes ${p.mistakes}`);
      assert.equal(p.b.data[0], 0);
    }),
    { numRuns: 60 },
  );
});

test("a converged perceptron predicts every training label", () => {
  fc.assert(
    fc.property(separableArb(true), (s) => {
      const p = trainPerceptron(s.x, s.y, { epochs: 10000, backend: ts });
      assert.ok(p.converged);
      assert.deepEqual(Array.from(p.predict(s.x).data), Array.from(s.y.data));
    }),
    { numRuns: 40 },
  );
});

test("trainPerceptron never converges on XOR: every epoch makes a mistake", () => {
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], [4, 2], "float64");
  const y = tensor([-1, 1, 1, -1], [4], "float64");
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      shuffleArb,
      fc.double({ min: 0.01, max: 10, noNaN: true }),
      (epochs, shuffle, learningRate) => {
        const p = trainPerceptron(x, y, { epochs, shuffle, learningRate, backend: ts });
        assert.equal(p.converged, false);
        assert.equal(p.mistakes.length, epochs);
        assert.ok(p.mistakes.every((m) => m >= 1), `mistakes ${p.mistakes}`);
      },
    ),
    { numRuns: 40 },
  );
});

test("trainPerceptron follows Rosenblatt's rule step by step (hand-computed)", () => {
  // w = 0, b = 0. Example 0 ((2, 1), +1): margin 0, a mistake: w = η(2, 1), b = η.
  // Example 1 ((-1, -2), -1): -(−2 − 2 + 1)η = 3η > 0, no change. Epoch 2 makes no mistake.
  const x = tensor([[2, 1], [-1, -2]], [2, 2], "float64");
  const y = tensor([1, -1], [2], "float64");
  const p = trainPerceptron(x, y, { learningRate: 0.5, backend: ts });
  assert.deepEqual(p.mistakes, [1, 0]);
  assert.deepEqual(Array.from(p.w.data), [1, 0.5]);
  assert.equal(p.b.data[0], 0.5);
  assert.equal(p.converged, true);
});

test("trainPerceptron leaves its inputs untouched", () => {
  fc.assert(
    fc.property(separableArb(true), (s) => {
      const before = snapshot(s.x, s.y);
      trainPerceptron(s.x, s.y, { epochs: 5, backend: ts });
      novikoffBound(s.x, s.y, { w: s.w, b: s.b }, { backend: ts });
      assert.deepEqual(snapshot(s.x, s.y), before);
    }),
    { numRuns: 10 },
  );
});

test("novikoffBound measures R and γ on the augmented examples (x, 1)", () => {
  const x = tensor([[3, 4], [0, -1]], [2, 2], "float64");
  const y = tensor([1, -1], [2], "float64");
  const r = novikoffBound(x, y, { w: tensor([0, 1], [2], "float64"), b: 0 }, { backend: ts });
  assert.equal(r.radius, Math.sqrt(26));
  assert.equal(r.margin, 1);
  assert.equal(r.bound, 26);
});

const x22 = () => tensor([[1, 2], [3, 4]], [2, 2], "float64");
const y2 = () => tensor([1, -1], [2], "float64");

test("trainPerceptron names bad labels, shapes and options", () => {
  const named = (name: string, Ctor: typeof TypeError | typeof RangeError) => (e: unknown) =>
    e instanceof Ctor && e.message.includes(name);
  const train = (x: unknown, y: unknown, o?: unknown) =>
    trainPerceptron(x as Tensor, y as Tensor, o as Record<string, never>);
  assert.throws(() => train(x22(), tensor([0, 1], [2], "float64")), named("y[0]", RangeError));
  assert.throws(
    () => train(tensor([1, 2], [2], "float64"), y2()),
    named("trainPerceptron", TypeError),
  );
  assert.throws(
    () => train(x22(), tensor([1], [1], "float64")),
    named("trainPerceptron", TypeError),
  );
  assert.throws(() => train(x22(), tensor([1, -1], [2])), named("dtype", TypeError));
  assert.throws(() => train(x22(), y2(), { epochs: 0 }), named("epochs", RangeError));
  assert.throws(() => train(x22(), y2(), { learningRate: 0 }), named("learningRate", RangeError));
  assert.throws(() => train(x22(), y2(), { momentum: 1 }), named("trainPerceptron", TypeError));
  assert.throws(
    () => train(tensor([[NaN, 1], [1, 1]], [2, 2], "float64"), y2()),
    named("finite", RangeError),
  );
  const p = trainPerceptron(x22(), y2(), { backend: ts });
  assert.throws(
    () => p.predict(tensor([[1, 2, 3]], [1, 3], "float64")),
    named("predict", TypeError),
  );
});

test("novikoffBound rejects a hyperplane that does not separate the data, naming the example", () => {
  const w = tensor([1, 0], [2], "float64");
  assert.throws(
    () => novikoffBound(x22(), y2(), { w }, { backend: ts }),
    (e: unknown) => e instanceof RangeError && /novikoffBound.*example 1/.test(e.message),
  );
  assert.throws(
    () => novikoffBound(x22(), y2(), { w, b: 1 }, { bias: false, backend: ts }),
    (e: unknown) => e instanceof RangeError && e.message.includes("bias is false"),
  );
  assert.throws(
    () => novikoffBound(x22(), y2(), { w: tensor([1], [1], "float64") }),
    (e: unknown) => e instanceof TypeError && e.message.includes("separator.w"),
  );
});
