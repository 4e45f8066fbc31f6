// The argument checks of conv2d: each wrong kind is a TypeError, each out-of-range option a
// RangeError, and every message names conv2d and the values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { untraced } from "../src/autodiff/ops.ts";
import { backend } from "../src/kernels/select.ts";
import { conv2d, type Conv2dOptions, type Padding, type Pair } from "../src/ops/conv.ts";
import { fromTypedArray, sizeOf, type Tensor, tensor } from "../src/tensor.ts";

const ts = backend("ts");

const x4 = fromTypedArray(new Float32Array(2 * 5 * 5 * 4), [2, 5, 5, 4]);
const w4 = fromTypedArray(new Float32Array(3 * 3 * 4 * 6), [3, 3, 4, 6]);
const conv = (x: Tensor, w: Tensor, o?: Conv2dOptions) => untraced(ts).conv2d(x, w, o);

test("conv2d() rejects inputs and kernels of the wrong rank or dtype with a TypeError", () => {
  assert.throws(() => conv(tensor([[1]]), w4), {
    name: "TypeError",
    message:
      "Cannot conv2d: the input x must have rank 4 ([batch, height, width, channels]), got shape [1,1]",
  });
  assert.throws(() => conv(x4, tensor([1])), {
    name: "TypeError",
    message:
      "Cannot conv2d: the kernel w must have rank 4 ([kh, kw, cin/groups, cout]), got shape [1]",
  });
  assert.throws(() => conv(x4, fromTypedArray(new Float64Array(sizeOf(w4.shape)), w4.shape)), {
    name: "TypeError",
    message: "Cannot conv2d: dtypes differ, float32 and float64",
  });
  assert.throws(() => conv(x4, null as unknown as Tensor), {
    name: "TypeError",
    message: /conv2d.*null/,
  });
});

test("conv2d() rejects a kernel whose input channels do not match x's with a TypeError", () => {
  assert.throws(() => conv(x4, fromTypedArray(new Float32Array(3 * 3 * 3 * 6), [3, 3, 3, 6])), {
    name: "TypeError",
    message:
      "Cannot conv2d: the kernel must have shape [kh, kw, 4, cout] with kh, kw >= 1 for an input of 4 channels in 1 group(s), got [3,3,3,6]",
  });
});

test("conv2d() rejects groups that do not divide the channels with a RangeError", () => {
  assert.throws(() => conv(x4, w4, { groups: 3 }), {
    name: "RangeError",
    message:
      "Cannot conv2d: groups 3 must divide the input channels (4) and the output channels (6) of shapes [2,5,5,4] and [3,3,4,6]",
  });
  assert.throws(() => conv(x4, w4, { groups: 0 }), {
    name: "RangeError",
    message: /conv2d: groups must be a positive integer, got 0/,
  });
  assert.throws(() => conv(x4, w4, { groups: "2" as unknown as number }), {
    name: "TypeError",
    message: /groups/,
  });
});

test("conv2d() rejects strides and dilations that are not positive integers", () => {
  assert.throws(() => conv(x4, w4, { stride: 0 }), {
    name: "RangeError",
    message: "Cannot conv2d: stride must be a positive integer, got 0",
  });
  assert.throws(() => conv(x4, w4, { dilation: [1, 1.5] }), {
    name: "RangeError",
    message: /dilation\[1\] must be a positive integer, got 1.5/,
  });
  assert.throws(() => conv(x4, w4, { stride: [1] as unknown as Pair }), {
    name: "TypeError",
    message: /conv2d: stride must be a positive integer or a pair/,
  });
});

test("conv2d() rejects unknown padding with a RangeError and malformed padding with a TypeError", () => {
  assert.throws(() => conv(x4, w4, { padding: "full" as Padding }), {
    name: "RangeError",
    message:
      /conv2d: padding must be "valid", "same" or \[\[top, bottom\], \[left, right\]\], got "full"/,
  });
  assert.throws(() => conv(x4, w4, { padding: [[1, 1]] as unknown as Padding }), {
    name: "TypeError",
    message: /conv2d: padding must be/,
  });
  assert.throws(() => conv(x4, w4, { padding: [[1, -1], [0, 0]] }), {
    name: "RangeError",
    message: /conv2d: padding's bottom must be a non-negative integer, got -1/,
  });
});

test("conv2d() rejects a kernel larger than the padded input with a TypeError naming the sizes", () => {
  assert.throws(() => conv(x4, w4, { dilation: 3 }), {
    name: "TypeError",
    message:
      'Cannot conv2d: the window spans 7x7 (size [3,3], dilation [3,3]) but the padded input is only 5x5 (input [2,5,5,4], padding "valid")',
  });
  assert.doesNotThrow(() => conv(x4, w4, { dilation: 3, padding: [[1, 1], [2, 0]] }));
});

test("conv2d() rejects unknown options and a cotangent of the wrong shape with a TypeError", () => {
  assert.throws(() => conv(x4, w4, { strides: 2 } as Conv2dOptions), {
    name: "TypeError",
    message: /conv2d: unknown option "strides"/,
  });
  const [, pullback] = conv2d.run(ts, x4, w4);
  assert.throws(() => pullback!(tensor([1]), [true, true]), {
    name: "TypeError",
    message: "Cannot conv2d VJP: cotangent shape [1] differs from output shape [2,3,3,6]",
  });
});
