/**
 * `bernoulliNll`: binary cross-entropy on logits summed over each example and averaged over the
 * batch (nats per example), and the VAE objective it makes with `reparameterize`'s `kl`.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { lastValueFrom, of } from "rxjs";
import { untraced } from "../src/autodiff/ops.ts";
import { bernoulliNll, binaryCrossEntropyWithLogits } from "../src/losses.ts";
import { backward, forward } from "../src/train/stages.ts";
import { evaluate } from "../src/train/evaluate.ts";
import { dense } from "../src/layers/dense.ts";
import { serial } from "../src/layers/serial.ts";
import { sigmoidLayer } from "../src/layers/activations.ts";
import { activitySparsity } from "../src/layers/sparsity.ts";
import { reparameterize } from "../src/layers/reparameterize.ts";
import { backend } from "../src/kernels/select.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { checkGradients, shapeArb, tensorArb } from "../src/testing/mod.ts";

const t = untraced(backend("ts"));
/** Logits and [0, 1] targets of one drawn shape of rank 2 or 3. */
const pairArb = shapeArb({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((shape) =>
  fc.tuple(tensorArb(shape, { min: -6, max: 6 }), tensorArb(shape, { min: 0, max: 1 }))
);

test("bernoulliNll is −Σ [t log σ(z) + (1 − t) log(1 − σ(z))] / batch", () => {
  fc.assert(
    fc.property(pairArb, ([z, target]) => {
      let sum = 0;
      for (let i = 0; i < z.data.length; i++) {
        const s = 1 / (1 + Math.exp(-z.data[i]));
        sum -= target.data[i] * Math.log(s) + (1 - target.data[i]) * Math.log(1 - s);
      }
      const expected = sum / z.shape[0];
      const got = bernoulliNll(t, z, target).data[0];
      assert.ok(Math.abs(got - expected) <= 1e-9 * (1 + Math.abs(expected)), `${got} ${expected}`);
    }),
    { numRuns: 50 },
  );
});

test("bernoulliNll is binaryCrossEntropyWithLogits times the elements per example", () => {
  fc.assert(
    fc.property(pairArb, ([z, target]) => {
      const perExample = z.data.length / z.shape[0];
      const mean = binaryCrossEntropyWithLogits(t, z, target).data[0];
      const got = bernoulliNll(t, z, target).data[0];
      assert.ok(Math.abs(got - perExample * mean) <= 1e-12 * (1 + Math.abs(got)));
    }),
    { numRuns: 50 },
  );
});

test("bernoulliNll's VJP matches central differences in logits and targets (float64)", () => {
  fc.assert(
    fc.property(pairArb, ([z, target]) => {
      // Targets kept inside [0, 1] by the step: drawn in [0.01, 0.99] for this check.
      const inner = fromTypedArray(target.data.map((v) => 0.01 + 0.98 * v), target.shape);
      const r = checkGradients(
        (tt, inputs: { z: Tensor; y: Tensor }) => bernoulliNll(tt, inputs.z, inputs.y),
        { z, y: inner },
      );
      assert.ok(r.ok, `max error ${r.maxError}`);
    }),
    { numRuns: 30 },
  );
});

test("bernoulliNll rejects targets outside [0, 1] (RangeError) and rank-1 batches (TypeError)", () => {
  const z = fromTypedArray(new Float64Array(4), [2, 2]);
  for (const bad of [-0.1, 1.5, NaN]) {
    const y = fromTypedArray(Float64Array.from([0, 1, bad, 0]), [2, 2]);
    assert.throws(() => bernoulliNll(t, z, y), { name: "RangeError", message: /bernoulliNll/ });
  }
  const flat = fromTypedArray(new Float64Array(3), [3]);
  assert.throws(() => bernoulliNll(t, flat, flat), { name: "TypeError", message: /bernoulliNll/ });
  assert.throws(() => bernoulliNll(t, z, flat), { name: "TypeError", message: /bernoulliNll/ });
});

// A tiny VAE: 4 pixels, a 2-d code, with a sparsity term on the encoder's hidden layer.
const f64 = { dtype: "float64" as const };
const vae = serial(
  dense(3, f64),
  sigmoidLayer(),
  activitySparsity({ target: 0.1, weight: 0.5 }),
  dense(4, f64),
  reparameterize(),
  dense(4, f64),
);
const images = fromTypedArray(
  Float64Array.from({ length: 24 }, (_, i) => (Math.sin(i) + 1) / 2),
  [6, 4],
);

test("backward adds the kl and sparsity terms to bernoulliNll: the objective is their sum", async () => {
  const { params, state } = vae.init(key(0), [4]);
  const trainState = {
    params,
    modelState: state,
    optState: null,
    backend: backend("ts"),
    step: 0,
    epoch: 0,
    key: key(1),
  };
  const batch = { x: images, y: images, epoch: 0, index: 0, size: 6 };
  const out = await lastValueFrom(
    of({ state: trainState, batch }).pipe(forward(vae), backward(bernoulliNll)),
  );
  const { kl, sparsity } = out.auxLosses!;
  assert.ok(kl > 0 && sparsity > 0, `kl ${kl}, sparsity ${sparsity}`);
  assert.ok(Math.abs(out.loss! - (out.dataLoss! + kl + sparsity)) < 1e-12);
});

test("evaluate reports kl and sparsity beside the loss, per example", () => {
  const { params, state } = vae.init(key(0), [4]);
  const whole = evaluate(vae, { params, modelState: state }, { x: images, y: images }, {
    loss: bernoulliNll,
    backend: backend("ts"),
  });
  assert.deepEqual(Object.keys(whole).sort(), ["kl", "loss", "sparsity"]);
  // Per-example terms do not depend on the batch size (kl, the loss); the sparsity term is a
  // batch statistic, so only kl and the loss are compared across batch sizes.
  const halves = evaluate(vae, { params, modelState: state }, { x: images, y: images }, {
    loss: bernoulliNll,
    batchSize: 3,
    backend: backend("ts"),
  });
  assert.ok(Math.abs(halves.kl - whole.kl) < 1e-12 && Math.abs(halves.loss - whole.loss) < 1e-12);
});
