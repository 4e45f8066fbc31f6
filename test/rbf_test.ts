import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { rbf, type RbfKernel } from "../src/layers/rbf.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import { key } from "../src/random.ts";
import { tensor } from "../src/tensor.ts";
import { checkLayerGradients, tensorArb } from "../src/testing/mod.ts";
import { distinctTensorArb, snapshot } from "./_arbitraries.ts";

const t = untraced(backend("ts"));
const KERNELS: RbfKernel[] = [
  "gaussian",
  "multiquadric",
  "inverseMultiquadric",
  "inverseQuadratic",
];
const PHI: Record<RbfKernel, (u: number) => number> = {
  gaussian: (u) => Math.exp(-u / 2),
  multiquadric: (u) => Math.sqrt(1 + u),
  inverseMultiquadric: (u) => 1 / Math.sqrt(1 + u),
  inverseQuadratic: (u) => 1 / (1 + u),
};

/** A layer configuration, its float64 parameters (log-widths in [-1, 1]) and a batch. */
const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  features: fc.integer({ min: 1, max: 3 }),
  units: fc.integer({ min: 1, max: 4 }),
  kernel: fc.constantFrom(...KERNELS),
}).chain((c) =>
  fc.record({
    c: fc.constant(c),
    centers: tensorArb([c.units, c.features]),
    logWidths: tensorArb([c.units], { min: -1, max: 1 }),
    x: tensorArb([c.batch, c.features]),
  })
);

for (const kernel of KERNELS) {
  test(`rbf({ kernel: "${kernel}" }) VJPs (centres, log-widths, input) match central differences`, () => {
    fc.assert(
      fc.property(caseArb, ({ c, centers, logWidths, x }) => {
        const layer = rbf(c.units, { kernel, dtype: "float64" });
        const report = checkLayerGradients(layer, { centers, logWidths }, null, x, EVAL);
        assert.ok(report.ok, `${kernel}: ${JSON.stringify(report.worst)}`);
      }),
      { numRuns: 25 },
    );
  });
}

test("rbf() computes φ(‖x − c‖²/σ²) with σ = exp(logWidths), as the direct formula", () => {
  fc.assert(
    fc.property(caseArb, ({ c, centers, logWidths, x }) => {
      const layer = rbf(c.units, { kernel: c.kernel, dtype: "float64" });
      const { y } = layer.apply(t, { centers, logWidths }, null, x, EVAL);
      assert.deepEqual(y.shape, [c.batch, c.units]);
      for (let i = 0; i < c.batch; i++) {
        for (let j = 0; j < c.units; j++) {
          let r2 = 0;
          for (let f = 0; f < c.features; f++) {
            const e = x.data[i * c.features + f] - centers.data[j * c.features + f];
            r2 += e * e;
          }
          const want = PHI[c.kernel](r2 / Math.exp(2 * logWidths.data[j]));
          const got = y.data[i * c.units + j];
          assert.ok(
            Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)),
            `${got} vs ${want}`,
          );
        }
      }
    }),
    { numRuns: 60 },
  );
});

test("rbf() returns the shape init reports, and init keeps given centres and widths", () => {
  fc.assert(
    fc.property(caseArb, ({ c, centers, x }) => {
      const widths = tensor(
        Array.from({ length: c.units }, (_, j) => 0.5 + j),
        [c.units],
        "float64",
      );
      const layer = rbf(c.units, { kernel: c.kernel, centers, widths });
      const { outShape, params } = layer.init(key(0), [c.features]);
      assert.equal(params.centers, centers);
      for (let j = 0; j < c.units; j++) {
        assert.ok(Math.abs(Math.exp(params.logWidths.data[j]) - widths.data[j]) < 1e-12);
      }
      assert.deepEqual(layer.apply(t, params, null, x, EVAL).y.shape, [
        c.batch,
        ...outShape as number[],
      ]);
    }),
    { numRuns: 30 },
  );
});

test("rbf() widths 'nearest' are the mean distance from each centre to its nearest other centre", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }).chain((k) => distinctTensorArb([k, 2])),
      (centers) => {
        const k = centers.shape[0];
        let sum = 0;
        for (let a = 0; a < k; a++) {
          let best = Infinity;
          for (let b = 0; b < k; b++) {
            if (b === a) continue;
            const dx = centers.data[2 * a] - centers.data[2 * b];
            const dy = centers.data[2 * a + 1] - centers.data[2 * b + 1];
            best = Math.min(best, Math.hypot(dx, dy));
          }
          sum += best;
        }
        const { params } = rbf(k, { centers, widths: "nearest" }).init(key(0), [2]);
        for (const lw of params.logWidths.data) {
          assert.ok(Math.abs(Math.exp(lw) - sum / k) < 1e-9 * (sum / k), `${Math.exp(lw)}`);
        }
      },
    ),
    { numRuns: 40 },
  );
});

test("rbf() clamps the squared distance at 0: at its own centre a Gaussian unit never exceeds 1", () => {
  // Far from the origin, ‖x‖² − 2x·c + ‖c‖² cancels in float32 to a few units of rounding,
  // of either sign; unclamped, a negative one would give exp(+…) > 1.
  fc.assert(
    fc.property(tensorArb([4, 3], { min: 900, max: 1100 }), (c64) => {
      const centers = tensor(Array.from(c64.data), [4, 3], "float32");
      const layer = rbf(4, { centers, widths: 0.01 });
      const { params } = layer.init(key(0), [3]);
      const { y } = layer.apply(t, params, null, centers, EVAL);
      for (let j = 0; j < 4; j++) assert.ok(y.data[j * 4 + j] <= 1, `${y.data[j * 4 + j]}`);
    }),
    { numRuns: 30 },
  );
});

test("rbf() leaves its parameters and input untouched", () => {
  fc.assert(
    fc.property(caseArb, ({ c, centers, logWidths, x }) => {
      const before = snapshot(centers, logWidths, x);
      rbf(c.units, { kernel: c.kernel, dtype: "float64" }).apply(
        t,
        { centers, logWidths },
        null,
        x,
        EVAL,
      );
      assert.deepEqual(snapshot(centers, logWidths, x), before);
    }),
    { numRuns: 10 },
  );
});

test("rbf() names bad kernels, centres, widths and inputs", () => {
  const c = tensor([[0, 0], [1, 1]]);
  const throwsNamed = (f: () => unknown, Ctor: typeof TypeError, part: string) =>
    assert.throws(f, (e: unknown) =>
      e instanceof Ctor && /rbf/.test((e as Error).message) &&
      (e as Error).message.includes(part));
  throwsNamed(() => rbf(2, { kernel: "laplace" as RbfKernel }), TypeError, "kernel");
  throwsNamed(() => rbf(3, { centers: c }), TypeError, "centers");
  throwsNamed(() => rbf(2, { centers: c, dtype: "float64" }), TypeError, "float32");
  throwsNamed(() => rbf(2, { widths: 0 }), RangeError, "widths");
  throwsNamed(() => rbf(2, { widths: tensor([1, -1]) }), RangeError, "widths");
  throwsNamed(() => rbf(1, { widths: "nearest" }), RangeError, "nearest");
  throwsNamed(() => rbf(2, { centers: tensor([[NaN, 0], [1, 1]]) }), RangeError, "finite");
  throwsNamed(() => rbf(2, { centers: c }).init(key(0), [3]), TypeError, "features");
  throwsNamed(
    () => rbf(2, { centers: tensor([[1, 1], [1, 1]]), widths: "nearest" }).init(key(0), [2]),
    RangeError,
    "coincide",
  );
  const layer = rbf(2, { centers: c });
  const { params } = layer.init(key(0), [2]);
  throwsNamed(() => layer.apply(t, params, null, tensor([[[1, 2]]]), EVAL), TypeError, "rank 2");
  throwsNamed(
    () => layer.apply(t, params, null, tensor([[1, 2]], [1, 2], "float64"), EVAL),
    TypeError,
    "dtype",
  );
  throwsNamed(
    () => layer.apply(t, { centers: params.centers } as never, null, tensor([[1, 2]]), EVAL),
    TypeError,
    "logWidths",
  );
});
