import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";

const ts = backend("ts");
const t = untraced(ts);

const sizesArb = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }));
/** Logits [B, C], integer labels [B] and a cotangent [B], float64. */
const labelledArb = sizesArb.chain(([b, c]) =>
  fc.tuple(
    tensorArb([b, c], { min: -8, max: 8 }),
    fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: b, maxLength: b })
      .map((ls) => tensor(ls, [b], "float64")),
    tensorArb([b]),
  )
);
/** Logits [B, C], probability-like targets [B, C] and a cotangent [B], float64. */
const probsArb = sizesArb.chain(([b, c]) =>
  fc.tuple(
    tensorArb([b, c], { min: -8, max: 8 }),
    tensorArb([b, c], { min: 0, max: 1 }),
    tensorArb([b]),
  )
);
/** Logits, targets in [0, 1] and a cotangent, all of one drawn shape, float64. */
const sigmoidArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((s) => fc.tuple(tensorArb(s), tensorArb(s, { min: 0, max: 1 }), tensorArb(s)));

function close(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  assert.equal(a.dtype, b.dtype, what);
  a.data.forEach((v, i) =>
    assert.ok(Math.abs(v - b.data[i]) <= tol * (1 + Math.abs(b.data[i])), `${what}[${i}]`)
  );
}

/** Value and cotangents of `f` at `x` for the cotangent `dy`, fused vs composed. */
function agree<X extends Tensor | { z: Tensor; y: Tensor }>(
  fused: (t: Ops, x: X) => Tensor,
  composed: (t: Ops, x: X) => Tensor,
  x: X,
  dy: Tensor,
): void {
  const [a, pa] = vjp(fused, x, { backend: ts });
  const [b, pb] = vjp(composed, x, { backend: ts });
  close(a, b, 1e-12, "value");
  const ga = pa(dy), gb = pb(dy);
  if ("data" in ga) close(ga as Tensor, gb as Tensor, 1e-12, "cotangent");
  else {
    const [fa, fb] = [ga as { z: Tensor; y: Tensor }, gb as { z: Tensor; y: Tensor }];
    close(fa.z, fb.z, 1e-12, "logits' cotangent");
    close(fa.y, fb.y, 1e-12, "targets' cotangent");
  }
}

test("sparseSoftmaxCrossEntropy equals −Σ oneHot(labels)·logSoftmax(z) per row, value and VJP", () => {
  fc.assert(
    fc.property(labelledArb, ([z, labels, dy]) => {
      const c = z.shape[1];
      agree(
        (t, z: Tensor) => t.sparseSoftmaxCrossEntropy(z, labels),
        (t, z: Tensor) =>
          t.neg(t.sum(t.mul(t.oneHot(labels, c), t.logSoftmax(z, -1)), { axis: 1 })),
        z,
        dy,
      );
    }),
    { numRuns: 60 },
  );
});

test("softmaxCrossEntropyWithProbs equals −Σ t·logSoftmax(z) per row, value and both VJPs", () => {
  fc.assert(
    fc.property(probsArb, ([z, y, dy]) => {
      agree(
        (t, p: { z: Tensor; y: Tensor }) => t.softmaxCrossEntropyWithProbs(p.z, p.y),
        (t, p: { z: Tensor; y: Tensor }) =>
          t.neg(t.sum(t.mul(p.y, t.logSoftmax(p.z, -1)), { axis: 1 })),
        { z, y },
        dy,
      );
    }),
    { numRuns: 60 },
  );
});

test("sigmoidCrossEntropy equals softplus(z) − z·t elementwise, value and both VJPs", () => {
  fc.assert(
    fc.property(sigmoidArb, ([z, y, dy]) => {
      agree(
        (t, p: { z: Tensor; y: Tensor }) => t.sigmoidCrossEntropy(p.z, p.y),
        (t, p: { z: Tensor; y: Tensor }) => t.sub(t.softplus(p.z), t.mul(p.z, p.y)),
        { z, y },
        dy,
      );
    }),
    { numRuns: 60 },
  );
});

test("the fused cross-entropies' VJPs match central differences", () => {
  fc.assert(
    fc.property(labelledArb, probsArb, sigmoidArb, ([z1, labels], [z2, y2], [z3, y3]) => {
      assertGradients((t, z: Tensor) => t.sparseSoftmaxCrossEntropy(z, labels), z1);
      assertGradients(
        (t, p: { z: Tensor; y: Tensor }) => t.softmaxCrossEntropyWithProbs(p.z, p.y),
        { z: z2, y: y2 },
      );
      assertGradients(
        (t, p: { z: Tensor; y: Tensor }) => t.sigmoidCrossEntropy(p.z, p.y),
        { z: z3, y: y3 },
      );
    }),
    { numRuns: 25 },
  );
});

test("the fused cross-entropies never write into their inputs", () => {
  fc.assert(
    fc.property(labelledArb, probsArb, ([z1, labels, dy1], [z2, y2, dy2]) => {
      const before = [z1, labels, dy1, z2, y2, dy2].map((x) => [...x.data]);
      vjp((t, z: Tensor) => t.sparseSoftmaxCrossEntropy(z, labels), z1)[1](dy1);
      vjp((t, p: Tensor[]) => t.softmaxCrossEntropyWithProbs(p[0], p[1]), [z2, y2])[1](dy2);
      vjp((t, p: Tensor[]) => t.sigmoidCrossEntropy(p[0], p[1]), [z2, y2])[1](z2);
      assert.deepEqual([z1, labels, dy1, z2, y2, dy2].map((x) => [...x.data]), before);
    }),
    { numRuns: 20 },
  );
});

test("the fused cross-entropies answer in the logits' dtype for targets of either dtype", () => {
  const z = tensor([[1, 2], [3, -1]]);
  assert.equal(t.sparseSoftmaxCrossEntropy(z, tensor([1, 0], [2], "float64")).dtype, "float32");
  const y = tensor([[0, 1], [1, 0]], [2, 2], "float64");
  assert.equal(t.softmaxCrossEntropyWithProbs(z, y).dtype, "float32");
  assert.equal(t.sigmoidCrossEntropy(z, y).dtype, "float32");
});

test("sparseSoftmaxCrossEntropy rejects bad labels and shapes, naming itself", () => {
  const z = tensor([[0, 1, 2], [2, 1, 0]]);
  assert.throws(() => t.sparseSoftmaxCrossEntropy(z, tensor([0, 3])), {
    name: "RangeError",
    message: /^Cannot sparseSoftmaxCrossEntropy: label at batch row 1 is 3; .*\[0, 3\)/,
  });
  assert.throws(() => t.sparseSoftmaxCrossEntropy(z, tensor([0])), {
    name: "TypeError",
    message: /^Cannot sparseSoftmaxCrossEntropy: labels must have shape \[2\]/,
  });
  assert.throws(() => t.sparseSoftmaxCrossEntropy(tensor([1, 2]), tensor([0])), {
    name: "TypeError",
    message: /^Cannot sparseSoftmaxCrossEntropy: expected logits of shape \[batch, classes\]/,
  });
});

test("the elementwise and probability cross-entropies reject differing shapes", () => {
  const z = tensor([[0, 1, 2]]);
  for (const name of ["softmaxCrossEntropyWithProbs", "sigmoidCrossEntropy"] as const) {
    assert.throws(() => t[name](z, tensor([[0, 1]])), {
      name: "TypeError",
      message: new RegExp(`^Cannot ${name}: logits shape \\[1,3\\] differs from target shape`),
    });
  }
});

test("astype converts the dtype and its VJP converts the cotangent back", () => {
  const x = tensor([0.1, -2], [2], "float64");
  const [y, pullback] = vjp((t, x: Tensor) => t.astype(x, "float32"), x);
  assert.equal(y.dtype, "float32");
  assert.deepEqual([...y.data], [Math.fround(0.1), -2]);
  const dx = pullback(tensor([0.5, 3]));
  assert.equal(dx.dtype, "float64");
  assert.deepEqual([...dx.data], [0.5, 3]);
  assert.notEqual(t.astype(x, "float64"), x); // a fresh tensor even for the same dtype
});
