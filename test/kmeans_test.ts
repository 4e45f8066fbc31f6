import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { kmeans } from "../src/data/kmeans.ts";
import { backend } from "../src/kernels/select.ts";
import { key, normal } from "../src/random.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { snapshot } from "./_arbitraries.ts";

const ts = backend("ts");

/**
 * k blobs of std 1 around centres 10⁴ apart on a line, `sizes[c]` points in blob c, interleaved.
 * So far apart, k-means++ puts a second seed in an already-seeded blob with probability below
 * 1e-6 per draw (D² ~ 1 against 10⁸), and Lloyd's iterations then find the blobs.
 */
const blobsArb = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }),
  seed: fc.nat(),
  features: fc.integer({ min: 1, max: 3 }),
}).map(({ sizes, seed, features }) => {
  const truth: number[] = [];
  sizes.forEach((m, c) => {
    for (let i = 0; i < m; i++) truth.push(c);
  });
  // Interleave the blobs so that no cluster is a contiguous block of rows.
  truth.sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13) || a - b);
  const n = truth.length;
  const noise = normal(key(seed), [n, features], { dtype: "float64" }).data;
  const data = Float64Array.from({ length: n * features }, (_, i) => {
    const row = Math.floor(i / features);
    return (i % features === 0 ? 1e4 * truth[row] : 0) + noise[i];
  });
  return { x: tensor(Array.from(data), [n, features], "float64"), truth, k: sizes.length, seed };
});

test("kmeans recovers well-separated clusters (the same partition, up to the labels)", () => {
  fc.assert(
    fc.property(blobsArb, ({ x, truth, k, seed }) => {
      const { assignments, converged } = kmeans(x, k, { key: key(seed + 1), backend: ts });
      assert.ok(converged);
      const a = assignments.data;
      for (let i = 0; i < truth.length; i++) {
        for (let j = 0; j < i; j++) {
          assert.equal(a[i] === a[j], truth[i] === truth[j], `points ${i} and ${j}`);
        }
      }
    }),
    { numRuns: 40 },
  );
});

test("kmeans is deterministic per key", () => {
  fc.assert(
    fc.property(blobsArb, fc.nat(), ({ x, k }, seed) => {
      const a = kmeans(x, k, { key: key(seed), backend: ts });
      const b = kmeans(x, k, { key: key(seed), backend: ts });
      assert.deepEqual(Array.from(a.centers.data), Array.from(b.centers.data));
      assert.deepEqual(Array.from(a.assignments.data), Array.from(b.assignments.data));
    }),
    { numRuns: 20 },
  );
});

/** The rows of x assigned to cluster j, their mean, and the squared distances to centres. */
function direct(x: Tensor, assign: Tensor, centers: Tensor) {
  const [n, d] = x.shape;
  const k = centers.shape[0];
  const sums = new Float64Array(k * d), counts = new Float64Array(k);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const j = assign.data[i];
    counts[j]++;
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      let r2 = 0;
      for (let f = 0; f < d; f++) r2 += (x.data[i * d + f] - centers.data[c * d + f]) ** 2;
      best = Math.min(best, r2);
    }
    inertia += best;
    for (let f = 0; f < d; f++) sums[j * d + f] += x.data[i * d + f];
  }
  return { sums, counts, inertia };
}

test("kmeans at convergence: centres are their points' means, inertia the squared distances", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 25 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          k: fc.integer({ min: 1, max: Math.min(n, 5) }),
          seed: fc.nat(),
        })
      ),
      ({ n, k, seed }) => {
        const x = normal(key(seed), [n, 2], { dtype: "float64" });
        const r = kmeans(x, k, { key: key(seed + 1), backend: ts });
        assert.ok(r.converged);
        const { sums, counts, inertia } = direct(x, r.assignments, r.centers);
        for (let j = 0; j < k; j++) {
          if (counts[j] === 0) continue;
          for (let f = 0; f < 2; f++) {
            assert.ok(Math.abs(sums[j * 2 + f] / counts[j] - r.centers.data[j * 2 + f]) < 1e-9);
          }
        }
        assert.ok(Math.abs(r.inertia - inertia) <= 1e-9 * Math.max(1, inertia));
      },
    ),
    { numRuns: 40 },
  );
});

test("kmeans leaves x untouched", () => {
  const x = normal(key(3), [20, 2], { dtype: "float64" });
  const before = snapshot(x);
  kmeans(x, 4, { key: key(0), backend: ts });
  assert.deepEqual(snapshot(x), before);
});

test("kmeans names k > n, missing keys, bad shapes and too few distinct points", () => {
  const x = tensor([[0, 0], [1, 1], [2, 2]]);
  const named = (Ctor: typeof TypeError, part: string) => (e: unknown) =>
    e instanceof Ctor && e.message.startsWith("kmeans") && e.message.includes(part);
  assert.throws(() => kmeans(x, 4, { key: key(0) }), named(RangeError, "k = 4"));
  assert.throws(() => kmeans(x, 0, { key: key(0) }), named(RangeError, "k"));
  assert.throws(() => kmeans(x, 2, undefined as never), named(TypeError, "key"));
  assert.throws(() => kmeans(x, 2, {} as never), named(TypeError, "key"));
  assert.throws(
    () => kmeans(tensor([1, 2, 3]), 1, { key: key(0) }),
    named(TypeError, "[n, features]"),
  );
  assert.throws(
    () => kmeans(x, 2, { key: key(0), iterations: 0 }),
    named(RangeError, "iterations"),
  );
  assert.throws(
    () => kmeans(tensor([[1, 1], [1, 1], [2, 2]]), 3, { key: key(0) }),
    named(RangeError, "distinct"),
  );
  assert.throws(
    () => kmeans(tensor([[Infinity, 1], [1, 1]]), 1, { key: key(0) }),
    named(RangeError, "finite"),
  );
});
