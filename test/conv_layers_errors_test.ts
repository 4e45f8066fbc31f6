import { test } from "node:test";
import assert from "node:assert/strict";
import { conv1d, conv2d } from "../src/layers/conv.ts";
import { EVAL } from "../src/layers/layer.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { key } from "../src/random.ts";
import { zeros } from "../src/tensor.ts";

const t = untraced();

test("conv2d init rejects a kernel larger than the padded input, naming both sizes", () => {
  assert.throws(
    () => conv2d(4, 5).init(key(0), [3, 7, 1]),
    {
      name: "TypeError",
      message: /conv2d init: the kernel spans 5x5 .*padded input is only 3x7.*\[3,7,1\]/,
    },
  );
  assert.throws(
    () => conv2d(4, 3, { dilation: 2, padding: [[0, 1], [0, 0]] }).init(key(0), [3, 9, 1]),
    { name: "TypeError", message: /spans 5x5 \(size \[3,3\], dilation \[2,2\]\).* 4x9/ },
  );
});

test("conv2d apply rejects an input smaller than the kernel, naming the layer", () => {
  const layer = conv2d(2, 3);
  const { params } = layer.init(key(0), [5, 5, 1]);
  assert.throws(
    () => layer.apply(t, params, null, zeros([1, 2, 5, 1]), EVAL),
    { name: "TypeError", message: /Cannot conv2d: the kernel spans 3x3 .* 2x5/ },
  );
});

test("conv2d rejects channels not divisible by groups, at init and at apply", () => {
  assert.throws(
    () => conv2d(6, 3, { groups: 3 }).init(key(0), [8, 8, 4]),
    { name: "RangeError", message: /conv2d init: groups 3 must divide the input channels, got 4/ },
  );
  assert.throws(() => conv2d(5, 3, { groups: 2 }), {
    name: "RangeError",
    message: /conv2d: groups 2 must divide filters \(5\)/,
  });
  const layer = conv2d(6, 1, { groups: 3 });
  const { params } = layer.init(key(0), [2, 2, 3]);
  assert.throws(
    () => layer.apply(t, params, null, zeros([1, 2, 2, 4]), EVAL),
    {
      name: "RangeError",
      message: /Cannot conv2d: groups 3 must divide the input channels, got shape \[1,2,2,4\]/,
    },
  );
});

test("conv2d rejects a rank-2 batch (flattened images), giving its shape", () => {
  const layer = conv2d(2, 3);
  const { params } = layer.init(key(0), [28, 28, 1]);
  assert.throws(
    () => layer.apply(t, params, null, zeros([32, 784]), EVAL),
    {
      name: "TypeError",
      message:
        /Cannot conv2d: expected a batch \[batch, height, width, channels\] of rank 4, got shape \[32,784\]/,
    },
  );
});

test("conv2d init rejects an example that is not [h, w, c] and a tree of shapes", () => {
  assert.throws(() => conv2d(2, 3).init(key(0), [784]), {
    name: "TypeError",
    message: /conv2d init: examples must have shape \[height, width, channels\].*\[784\]/,
  });
  assert.throws(() => conv2d(2, 3).init(key(0), [[28, 28, 1], [3]] as never), {
    name: "TypeError",
    message: /conv2d init: .*tree of shapes/,
  });
});

test("conv2d rejects out-of-range and malformed options when it is built", () => {
  assert.throws(() => conv2d(0, 3), { name: "RangeError", message: /conv2d: filters/ });
  assert.throws(() => conv2d(2, 0), { name: "RangeError", message: /conv2d: kernelSize/ });
  assert.throws(() => conv2d(2, 3, { stride: [1, 0] }), {
    name: "RangeError",
    message: /conv2d: stride\[1\]/,
  });
  assert.throws(() => conv2d(2, 3, { dilation: 1.5 }), {
    name: "RangeError",
    message: /conv2d: dilation/,
  });
  assert.throws(() => conv2d(2, 3, { padding: "full" as never }), {
    name: "RangeError",
    message: /conv2d: padding .*"full"/,
  });
  assert.throws(() => conv2d(2, 3, { padding: [[1, -1], [0, 0]] }), {
    name: "RangeError",
    message: /conv2d: padding's bottom/,
  });
  assert.throws(() => conv2d(2, 3, { strides: 2 } as never), {
    name: "TypeError",
    message: /conv2d.*strides/,
  });
});

test("conv2d apply rejects parameters of another shape or dtype, naming them", () => {
  const layer = conv2d(4, 3);
  const { params } = layer.init(key(0), [5, 5, 2]);
  assert.throws(
    () => layer.apply(t, params, null, zeros([1, 5, 5, 3]), EVAL),
    {
      name: "TypeError",
      message:
        /Cannot conv2d: the kernel w must be a tensor of shape \[3,3,3,4\], got shape \[3,3,2,4\]/,
    },
  );
  assert.throws(
    () => layer.apply(t, params, null, zeros([1, 5, 5, 2], "float64"), EVAL),
    {
      name: "TypeError",
      message: /Cannot conv2d: the kernel w is float32 but the input is float64/,
    },
  );
  assert.throws(
    () => layer.apply(t, { w: params.w }, null, zeros([1, 5, 5, 2]), EVAL),
    {
      name: "TypeError",
      message: /Cannot conv2d: params must have the structure \{b:\[4\],w:\[3,3,2,4\]\}/,
    },
  );
});

test("conv1d rejects a kernel longer than the padded sequence, a rank-2 batch and bad padding", () => {
  assert.throws(() => conv1d(2, 5).init(key(0), [3, 1]), {
    name: "TypeError",
    message: /conv1d init: the kernel spans/,
  });
  const layer = conv1d(2, 3);
  const { params } = layer.init(key(0), [8, 2]);
  assert.throws(
    () => layer.apply(t, params, null, zeros([4, 16]), EVAL),
    {
      name: "TypeError",
      message:
        /Cannot conv1d: expected a batch \[batch, length, channels\] of rank 3, got shape \[4,16\]/,
    },
  );
  assert.throws(() => conv1d(2, 3, { padding: [[0, 0], [1, 1]] as never }), {
    name: "TypeError",
    message: /conv1d: padding.s left .*\[0,0\]/,
  });
  assert.throws(() => conv1d(2, 3, { stride: [1, 2] as never }), {
    name: "TypeError",
    message: /conv1d: stride/,
  });
});
