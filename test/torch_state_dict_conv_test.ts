// The PyTorch mapping of convolutional models without Python: conv kernels in OIHW, the dense
// after a flatten with its columns in channels-first order, and errors where a guess would be
// needed. test/torch_interop_cnn_test.ts checks the same against PyTorch itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromTorchStateDict, toTorchStateDict } from "../src/checkpoint.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { batchNorm } from "../src/layers/batch_norm.ts";
import { conv1d, conv2d } from "../src/layers/conv.ts";
import { dense } from "../src/layers/dense.ts";
import { globalAvgPool2d, maxPool2d } from "../src/layers/pool.ts";
import { flatten } from "../src/layers/reshape.ts";
import { serial } from "../src/layers/serial.ts";
import { key } from "../src/random.ts";
import type { Tensor } from "../src/tensor.ts";

const data = (t: Tensor) => [...t.data];

test("a conv2d kernel [kh, kw, in, out] is written as nn.Conv2d's [out, in, kh, kw]", () => {
  const { params, state } = serial(conv2d(3, [2, 4])).init(key(1), [5, 6, 2]);
  const w = params[0].w, dict = toTorchStateDict({ params, state });
  const weight = dict["0.weight"] as Tensor;
  assert.deepEqual([...weight.shape], [3, 2, 2, 4]);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 4; x++) {
      for (let i = 0; i < 2; i++) {
        for (let o = 0; o < 3; o++) {
          assert.equal(
            weight.data[((o * 2 + i) * 2 + y) * 4 + x],
            w.data[((y * 4 + x) * 2 + i) * 3 + o],
          );
        }
      }
    }
  }
  assert.deepEqual(data(dict["0.bias"] as Tensor), data(params[0].b!));
});

test("a conv1d kernel [k, in/groups, out] is written as nn.Conv1d's [out, in/groups, k]", () => {
  const { params, state } = serial(conv1d(4, 3, { groups: 2 })).init(key(2), [9, 6]);
  const w = params[0].w, weight = toTorchStateDict({ params, state })["0.weight"] as Tensor;
  assert.deepEqual([...weight.shape], [4, 3, 3]);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 3; i++) {
      for (let o = 0; o < 4; o++) {
        assert.equal(weight.data[(o * 3 + i) * 3 + k], w.data[(k * 3 + i) * 4 + o]);
      }
    }
  }
});

test("the dense after flatten gets nn.Flatten's channels-first column order", () => {
  // A feature map of 2x3 positions and 4 channels, flattened into 24 features.
  const model = serial(conv2d(4, 1), flatten(), dense(5));
  const { params, state } = model.init(key(3), [2, 3, 7]);
  const w = params[2].w, weight = toTorchStateDict({ params, state })["2.weight"] as Tensor;
  assert.deepEqual([...weight.shape], [5, 24]);
  for (let p = 0; p < 6; p++) {
    for (let c = 0; c < 4; c++) {
      for (let o = 0; o < 5; o++) {
        // gradstream's feature p*4 + c is PyTorch's c*6 + p.
        assert.equal(weight.data[o * 24 + c * 6 + p], w.data[(p * 4 + c) * 5 + o]);
      }
    }
  }
});

test("after a global pool, or with no feature map before it, a dense is a plain transpose", () => {
  const pooled = serial(conv2d(4, 3), globalAvgPool2d(), dense(2)).init(key(4), [5, 5, 1]);
  const plain = serial(dense(4), dense(2)).init(key(4), [4]);
  for (const [m, i] of [[pooled, 2], [plain, 1]] as const) {
    const w = (m.params[i] as { w: Tensor }).w,
      weight = toTorchStateDict(m)[`${i}.weight`] as Tensor;
    for (let r = 0; r < 4; r++) {
      for (let o = 0; o < 2; o++) assert.equal(weight.data[o * 4 + r], w.data[r * 2 + o]);
    }
  }
});

test("fromTorchStateDict(toTorchStateDict(m)) restores a CNN's parameters and statistics bitwise", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 4, max: 7 }),
      fc.integer({ min: 0, max: 1000 }),
      (filters, cin, size, seed) => {
        const model = serial(
          conv2d(filters, 3, { padding: "same" }),
          batchNorm(),
          reluLayer(),
          maxPool2d(2),
          flatten(),
          dense(3),
        );
        const trained = model.init(key(seed), [size, size, cin]);
        const back = fromTorchStateDict(
          toTorchStateDict(trained),
          model.init(key(seed + 1), [size, size, cin]),
        );
        assert.deepEqual(data(back.params[0].w), data(trained.params[0].w));
        assert.deepEqual(data(back.params[5].w), data(trained.params[5].w));
        assert.deepEqual(data(back.state[1].mean), data(trained.state[1].mean));
      },
    ),
    { numRuns: 30 },
  );
});

test("a dense whose width is no multiple of the channels before it is a TypeError, not a guess", () => {
  const trees = serial(conv2d(4, 1), flatten(), dense(3)).init(key(5), [2, 2, 1]);

  // A 6-input dense after 4 channels cannot come from a flatten of that map.
  const w6 = dense(3).init(key(6), [6]).params;
  assert.throws(
    () => toTorchStateDict({ params: [trees.params[0], null, w6], state: [null, null, null] }),
    {
      name: "TypeError",
      message: /toTorchStateDict: dense layer 2 takes 6 inputs after a feature map of 4 channels/,
    },
  );
});

test("a PyTorch conv weight of the wrong shape is refused, naming the key and both shapes", () => {
  const model = serial(conv2d(3, 2));
  const trees = model.init(key(7), [4, 4, 2]);
  const dict = toTorchStateDict(trees);
  assert.throws(
    () => fromTorchStateDict({ ...dict, "0.weight": trees.params[0].w }, trees),
    {
      name: "TypeError",
      message:
        /"0\.weight" has shape \[2,2,2,3\] but the nn\.Conv2d weight \[out, in\/groups, \.\.\.kernel\] of conv layer 0 \(w \[2,2,2,3\]\) needs \[3,2,2,2\]/,
    },
  );
});
