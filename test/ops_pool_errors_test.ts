// The argument checks of the pools: each wrong kind is a TypeError, each out-of-range option a
// RangeError, and every message names the pool and the values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import type { Padding } from "../src/ops/conv.ts";
import type { Pool2dOptions } from "../src/ops/pool.ts";
import { fromTypedArray, tensor } from "../src/tensor.ts";

const t = untraced(backend("ts"));

const x4 = fromTypedArray(new Float32Array(1 * 4 * 4 * 2), [1, 4, 4, 2]);

test("the pools reject an input that is not rank 4 with a TypeError naming the shape", () => {
  assert.throws(() => t.maxPool2d(tensor([[1]]), { size: 1 }), {
    name: "TypeError",
    message:
      "Cannot maxPool2d: the input x must have rank 4 ([batch, height, width, channels]), got shape [1,1]",
  });
  assert.throws(() => t.globalAvgPool2d(tensor([1])), {
    name: "TypeError",
    message: /Cannot globalAvgPool2d: the input x must have rank 4/,
  });
  assert.throws(() => t.globalAvgPool2d(fromTypedArray(new Float32Array(0), [1, 0, 3, 2])), {
    name: "TypeError",
    message:
      "Cannot globalAvgPool2d: the input's height and width must be positive, got shape [1,0,3,2]",
  });
});

test("the pools require a positive window size", () => {
  assert.throws(() => t.avgPool2d(x4, {} as Pool2dOptions), {
    name: "TypeError",
    message: /Cannot avgPool2d: options.size .* is required/,
  });
  assert.throws(() => t.avgPool2d(x4, undefined as unknown as Pool2dOptions), {
    name: "TypeError",
    message: /avgPool2d: options.size/,
  });
  assert.throws(() => t.maxPool2d(x4, { size: 0 }), {
    name: "RangeError",
    message: "Cannot maxPool2d: size must be a positive integer, got 0",
  });
  assert.throws(() => t.maxPool2d(x4, { size: 2, stride: [2, -1] }), {
    name: "RangeError",
    message: /maxPool2d: stride\[1\] must be a positive integer, got -1/,
  });
  assert.throws(() => t.maxPool2d(x4, { size: 2, step: 1 } as Pool2dOptions), {
    name: "TypeError",
    message: /maxPool2d: unknown option "step"/,
  });
});

test("the pools reject a pad as large as the window with a RangeError", () => {
  assert.throws(() => t.maxPool2d(x4, { size: 2, padding: [[0, 2], [0, 0]] }), {
    name: "RangeError",
    message:
      "Cannot maxPool2d: each pad must be smaller than the window [2,2] on its axis, got padding [[0,2],[0,0]]",
  });
  assert.throws(() => t.avgPool2d(x4, { size: 2, padding: "full" as Padding }), {
    name: "RangeError",
    message: /avgPool2d: padding must be "valid", "same"/,
  });
});

test("the pools reject a window larger than the padded input with a TypeError naming the sizes", () => {
  assert.throws(() => t.avgPool2d(x4, { size: [5, 2] }), {
    name: "TypeError",
    message:
      'Cannot avgPool2d: the window spans 5x2 (size [5,2]) but the padded input is only 4x4 (input [1,4,4,2], padding "valid")',
  });
});
