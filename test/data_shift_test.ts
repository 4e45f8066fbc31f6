import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { randomShifts } from "../src/data/shift.ts";
import { key } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { snapshot } from "./_arbitraries.ts";

/** A batch of n images h x w x c with distinct positive values, as rows. */
const batchArb = fc.record({
  n: fc.integer({ min: 1, max: 4 }),
  h: fc.integer({ min: 1, max: 6 }),
  w: fc.integer({ min: 1, max: 6 }),
  c: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 1000 }),
}).chain((b) =>
  fc.record({
    ...Object.fromEntries(Object.entries(b).map(([k, v]) => [k, fc.constant(v)])),
    max: fc.integer({ min: 0, max: Math.min(b.h, b.w) - 1 }),
  }) as fc.Arbitrary<typeof b & { max: number }>
);

const images = (n: number, size: number): Tensor =>
  fromTypedArray(Float32Array.from({ length: n * size }, (_, i) => i + 1), [n, size]);

/** Whether `out` is `x` (one image at `at`) moved by (dy, dx), zeros coming in. */
function movedBy(
  x: Tensor,
  out: Tensor,
  at: number,
  h: number,
  w: number,
  c: number,
  dy: number,
  dx: number,
) {
  for (let r = 0; r < h; r++) {
    for (let q = 0; q < w; q++) {
      for (let ch = 0; ch < c; ch++) {
        const sr = r - dy, sq = q - dx;
        const want = sr >= 0 && sr < h && sq >= 0 && sq < w
          ? x.data[at + (sr * w + sq) * c + ch]
          : 0;
        if (out.data[at + (r * w + q) * c + ch] !== want) return false;
      }
    }
  }
  return true;
}

test("randomShifts() moves each image by whole pixels within [-max, max], zeros coming in", () => {
  fc.assert(
    fc.property(batchArb, ({ n, h, w, c, seed, max }) => {
      const x = images(n, h * w * c);
      const y = randomShifts(key(seed), x, { height: h, width: w, channels: c, max });
      assert.deepEqual(y.shape, x.shape);
      for (let e = 0; e < n; e++) {
        let found = false;
        for (let dy = -max; dy <= max && !found; dy++) {
          for (let dx = -max; dx <= max && !found; dx++) {
            found = movedBy(x, y, e * h * w * c, h, w, c, dy, dx);
          }
        }
        assert.ok(found, `image ${e} is not a shift of its input by at most ${max}`);
      }
    }),
  );
});

test("randomShifts() with max 0 returns the images unchanged", () => {
  const x = images(3, 12);
  assert.deepEqual(
    Array.from(randomShifts(key(1), x, { height: 3, width: 4, max: 0 }).data),
    Array.from(x.data),
  );
});

test("randomShifts() gives the same shifts for the same key and uses every offset", () => {
  const x = images(200, 25);
  const o = { height: 5, width: 5, max: 1 };
  assert.deepEqual(randomShifts(key(7), x, o).data, randomShifts(key(7), x, o).data);
  // Over 200 images every one of the 9 offsets turns up (a miss has odds below 1e-9).
  const y = randomShifts(key(8), x, o), seen = new Set<string>();
  for (let e = 0; e < 200; e++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (movedBy(x, y, e * 25, 5, 5, 1, dy, dx)) seen.add(`${dy},${dx}`);
      }
    }
  }
  assert.equal(seen.size, 9);
});

test("randomShifts() never writes into its input", () => {
  const x = images(2, 16), before = snapshot(x);
  randomShifts(key(2), x, { height: 4, width: 4, max: 2 });
  assert.deepEqual(snapshot(x), before);
});

test("randomShifts() rejects a wrong example size (TypeError) and a max out of range (RangeError)", () => {
  const x = images(2, 16);
  assert.throws(
    () => randomShifts(key(0), x, { height: 3, width: 4, max: 1 }),
    (e: Error) =>
      e instanceof TypeError && /randomShifts/.test(e.message) && /\[2,16\]/.test(e.message),
  );
  for (const max of [-1, 4, 1.5]) {
    assert.throws(
      () => randomShifts(key(0), x, { height: 4, width: 4, max }),
      (e: Error) => e instanceof RangeError && /randomShifts: max/.test(e.message),
    );
  }
});

/** `x`'s images (h x w x c each) mirrored left to right. */
function mirrored(x: Tensor, h: number, w: number, c: number): Tensor {
  const out = new Float32Array(x.data.length);
  for (let e = 0; e < x.data.length / (h * w * c); e++) {
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        for (let ch = 0; ch < c; ch++) {
          const at = e * h * w * c;
          out[at + (r * w + q) * c + ch] = x.data[at + (r * w + w - 1 - q) * c + ch];
        }
      }
    }
  }
  return fromTypedArray(out, x.shape);
}

test("randomShifts() with flip moves each image, or its mirror image, within [-max, max]", () => {
  fc.assert(
    fc.property(batchArb, ({ n, h, w, c, seed, max }) => {
      const x = images(n, h * w * c), m = mirrored(x, h, w, c);
      const y = randomShifts(key(seed), x, { height: h, width: w, channels: c, max, flip: true });
      for (let e = 0; e < n; e++) {
        let found = false;
        for (let dy = -max; dy <= max && !found; dy++) {
          for (let dx = -max; dx <= max && !found; dx++) {
            const at = e * h * w * c;
            found = movedBy(x, y, at, h, w, c, dy, dx) || movedBy(m, y, at, h, w, c, dy, dx);
          }
        }
        assert.ok(found, `image ${e} is not a shift of its input or its mirror by at most ${max}`);
      }
    }),
  );
});

test("randomShifts() with flip mirrors some images and not others, the same for the same key", () => {
  const x = images(100, 12), o = { height: 3, width: 4, channels: 1, max: 0, flip: true };
  const y = randomShifts(key(3), x, o), m = mirrored(x, 3, 4, 1);
  assert.deepEqual(randomShifts(key(3), x, o).data, y.data);
  let flipped = 0;
  for (let e = 0; e < 100; e++) {
    const row = Array.from(y.data.subarray(e * 12, e * 12 + 12));
    const same = row.join() === Array.from(x.data.subarray(e * 12, e * 12 + 12)).join();
    const mirror = row.join() === Array.from(m.data.subarray(e * 12, e * 12 + 12)).join();
    assert.ok(same !== mirror, `image ${e} is neither itself nor its mirror`);
    if (mirror) flipped++;
  }
  // About half of 100 are mirrored; fewer than 20 or more than 80 has odds below 1e-9.
  assert.ok(flipped > 20 && flipped < 80, `${flipped} of 100 mirrored`);
});

test("randomShifts() with flip: false shifts as it did before flips existed", () => {
  const x = images(20, 25), o = { height: 5, width: 5, max: 2 };
  assert.deepEqual(
    randomShifts(key(4), x, { ...o, flip: false }).data,
    randomShifts(key(4), x, o).data,
  );
});

test("randomShifts() rejects a flip that is not a boolean (TypeError)", () => {
  assert.throws(
    () => randomShifts(key(0), images(1, 4), { height: 2, width: 2, max: 0, flip: 1 as never }),
    (e: Error) =>
      e instanceof TypeError && /randomShifts: flip must be true or false/.test(e.message),
  );
});
