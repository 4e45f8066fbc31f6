import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { vjp } from "../src/autodiff/trace.ts";
import { backend } from "../src/kernels/select.ts";
import { astype, type DType, type Tensor, tensor } from "../src/tensor.ts";
import { assertGradients, tensorArb } from "../src/testing/mod.ts";

const ts = backend("ts");
const t = untraced(ts);

type Inputs = { x: Tensor; eps: Tensor };

/** A code [B, 2k] (means in [-3, 3], log-variances in [-3, 2]), noise [B, k], cotangent [B, k]. */
const codeArb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain((
  [b, k],
) =>
  fc.tuple(
    tensorArb([b, 2 * k], { min: -3, max: 2 }),
    tensorArb([b, k], { min: -2, max: 2 }),
    tensorArb([b, k]),
  )
);

/** The compositions the layer ran before the fused primitives. */
function parts(tt: Ops, x: Tensor) {
  const [b, w] = x.shape, k = w / 2;
  const mean = tt.slice(x, [0, 0], [b, k]);
  const logVar = tt.slice(x, [0, k], [b, k]);
  const std = tt.exp(tt.mulScalar(logVar, 0.5));
  return { mean, logVar, std, b };
}
const composedKl = (tt: Ops, x: Tensor) => {
  const { mean, logVar, std, b } = parts(tt, x);
  const perDim = tt.sub(tt.add(tt.square(std), tt.square(mean)), tt.addScalar(logVar, 1));
  return tt.mulScalar(tt.sum(perDim), 0.5 / b);
};
const composedSample = (tt: Ops, p: Inputs) => {
  const { mean, std } = parts(tt, p.x);
  return tt.add(mean, tt.mul(std, p.eps));
};

function close(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  assert.equal(a.dtype, b.dtype, what);
  a.data.forEach((v, i) =>
    assert.ok(Math.abs(v - b.data[i]) <= tol * (1 + Math.abs(b.data[i])), `${what}[${i}]`)
  );
}

function agree(x: Tensor, eps: Tensor, dz: Tensor, dtype: DType, tol: number): void {
  const [xs, es, dzs] = [x, eps, dz].map((v) => astype(v, dtype));
  const [a, pa] = vjp((tt, v: Tensor) => tt.gaussianKl(v), xs);
  const [b, pb] = vjp(composedKl, xs);
  close(a, b, tol, `${dtype} kl`);
  const one = tensor(1, [], dtype);
  close(pa(one) as Tensor, pb(one) as Tensor, tol, `${dtype} kl's cotangent`);
  const [c, pc] = vjp((tt, p: Inputs) => tt.gaussianSample(p.x, p.eps), { x: xs, eps: es });
  const [d, pd] = vjp(composedSample, { x: xs, eps: es });
  close(c, d, tol, `${dtype} sample`);
  const [gc, gd] = [pc(dzs) as Inputs, pd(dzs) as Inputs];
  close(gc.x, gd.x, tol, `${dtype} sample's code cotangent`);
  close(gc.eps, gd.eps, tol, `${dtype} sample's noise cotangent`);
}

test("gaussianKl and gaussianSample equal their compositions, value and VJPs (float64, float32)", () => {
  fc.assert(
    fc.property(codeArb, ([x, eps, dz]) => {
      agree(x, eps, dz, "float64", 1e-13);
      agree(x, eps, dz, "float32", 1e-5);
    }),
    { numRuns: 60 },
  );
});

test("gaussianKl's and gaussianSample's VJPs match central differences (float64)", () => {
  fc.assert(
    fc.property(codeArb, ([x, eps]) => {
      assertGradients((tt, v: Tensor) => tt.gaussianKl(v), x);
      assertGradients((tt, p: Inputs) => tt.gaussianSample(p.x, p.eps), { x, eps });
    }),
    { numRuns: 25 },
  );
});

test("gaussianKl is 0 at the prior and ½(σ² + μ² − 1 − log σ²) per example", () => {
  assert.equal(t.gaussianKl(tensor([[0, 0, 0, 0]], [1, 4], "float64")).data[0], 0);
  const kl = t.gaussianKl(tensor([[1, Math.log(4)], [0, 0]], [2, 2], "float64")).data[0];
  assert.ok(Math.abs(kl - 0.5 * (4 + 1 - 1 - Math.log(4)) / 2) < 1e-15, `${kl}`);
  assert.deepEqual(t.gaussianKl(tensor([[0, 0]])).shape, []);
});

test("the Gaussian primitives write no input", () => {
  const x = tensor([[0.5, -1, 0.25, 1]], [1, 4]), eps = tensor([[1, -2]], [1, 2]);
  const dz = tensor([[3, 4]], [1, 2]);
  const before = [x, eps, dz].map((v) => [...v.data]);
  vjp((tt, p: Inputs) => tt.gaussianSample(p.x, p.eps), { x, eps })[1](dz);
  vjp((tt, v: Tensor) => tt.gaussianKl(v), x)[1](tensor(2, []));
  assert.deepEqual([x, eps, dz].map((v) => [...v.data]), before);
});

test("the Gaussian primitives reject codes of odd width and mismatched noise, naming themselves", () => {
  for (const name of ["gaussianKl", "gaussianSample"] as const) {
    for (const shape of [[2, 3], [4], [1, 0]]) {
      const x = tensor(new Float32Array(shape.reduce((p, q) => p * q, 1)), shape);
      assert.throws(() => (t[name] as (x: Tensor, e: Tensor) => Tensor)(x, x), {
        name: "TypeError",
        message: new RegExp(`^Cannot ${name}: expected \\[batch, 2k\\]`),
      });
    }
  }
  const x = tensor([[0, 0, 0, 0]]);
  assert.throws(() => t.gaussianSample(x, tensor([[0, 0, 0]])), {
    name: "TypeError",
    message: /^Cannot gaussianSample: the noise must have shape \[1,2\]/,
  });
  assert.throws(() => t.gaussianSample(x, tensor([[0, 0]], [1, 2], "float64")), {
    name: "TypeError",
    message: /^Cannot gaussianSample: the noise is float64 but the code is float32/,
  });
});
