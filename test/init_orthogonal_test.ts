import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { orthogonal } from "../src/init.ts";
import { key } from "../src/random.ts";

test("orthogonal() has orthonormal rows (wide) or columns (tall) in float64", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.nat(1000),
      (rows, cols, seed) => {
        const q = orthogonal(key(seed), [rows, cols], { dtype: "float64" }).data;
        const wide = rows <= cols, k = Math.min(rows, cols);
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            let dot = 0;
            for (let i = 0; i < Math.max(rows, cols); i++) {
              dot += wide ? q[a * cols + i] * q[b * cols + i] : q[i * cols + a] * q[i * cols + b];
            }
            assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12, `(${a}, ${b}): ${dot}`);
          }
        }
      },
    ),
    { numRuns: 100 },
  );
});

test("orthogonal() is deterministic in the key and differs between keys", () => {
  const a = orthogonal(key(1), [4, 16]), b = orthogonal(key(1), [4, 16]);
  assert.deepEqual([...a.data], [...b.data]);
  assert.notDeepEqual([...a.data], [...orthogonal(key(2), [4, 16]).data]);
  assert.equal(a.dtype, "float32");
});

test("orthogonal() flattens leading axes into rows and checks its arguments", () => {
  const q = orthogonal(key(0), [2, 3, 8], { dtype: "float64" });
  assert.deepEqual(q.shape, [2, 3, 8]);
  assert.throws(() => orthogonal(key(0), [2, -1]), TypeError);
  assert.throws(() => orthogonal(key(0), [2, 2], { dtype: "int8" as never }), TypeError);
});
