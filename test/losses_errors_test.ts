import { test } from "node:test";
import assert from "node:assert/strict";
import {
  binaryCrossEntropyWithLogits,
  huber,
  type Loss,
  meanAbsoluteError,
  meanSquaredError,
  softmaxCrossEntropy,
  softmaxCrossEntropyOneHot,
} from "../src/losses.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import { t } from "./_losses_helpers.ts";

test("softmaxCrossEntropy() rejects non-integer and out-of-range labels, naming the row", () => {
  const z = tensor([[0, 1, 2], [2, 1, 0]]);
  for (
    const [labels, bad] of [[[0, 3], "3"], [[-1, 0], "-1"], [[0, 1.5], "1.5"], [
      [NaN, 0],
      "NaN",
    ]] as const
  ) {
    const row = labels.findIndex((v) => String(v) === bad);
    assert.throws(() => softmaxCrossEntropy(t, z, tensor([...labels])), {
      name: "RangeError",
      message: new RegExp(
        `^softmaxCrossEntropy: label at batch row ${row} is ${bad}; labels must be integer ` +
          `class indices in \\[0, 3\\)`,
      ),
    });
  }
});

test("softmaxCrossEntropyOneHot() rejects a negative or NaN target, naming row and class", () => {
  for (const bad of [-0.5, NaN]) {
    assert.throws(
      () => softmaxCrossEntropyOneHot(t, tensor([[0, 1], [1, 0]]), tensor([[1, 0], [0, bad]])),
      { name: "RangeError", message: /^softmaxCrossEntropyOneHot: target at row 1, class 1 is/ },
    );
  }
});

test("softmax cross-entropies reject mismatched shapes with TypeError", () => {
  const z = tensor([[0, 1, 2], [2, 1, 0]]);
  assert.throws(() => softmaxCrossEntropy(t, z, tensor([0, 1, 2])), {
    name: "TypeError",
    message: /softmaxCrossEntropy: labels must have shape \[2\].*got \[3\]/,
  });
  assert.throws(() => softmaxCrossEntropy(t, z, tensor([[0], [1]])), { name: "TypeError" });
  assert.throws(() => softmaxCrossEntropy(t, tensor([0, 1, 2]), tensor([0])), {
    name: "TypeError",
    message: /softmaxCrossEntropy: expected logits of shape \[batch, classes\]/,
  });
  assert.throws(() => softmaxCrossEntropyOneHot(t, z, tensor([[0, 1], [1, 0]])), {
    name: "TypeError",
    message:
      /softmaxCrossEntropyOneHot: prediction shape \[2,3\] differs from target shape \[2,2\]/,
  });
});

test("losses reject a prediction or target that is not a tensor, naming the loss", () => {
  const losses: [string, Loss][] = [
    ["meanSquaredError", meanSquaredError],
    ["softmaxCrossEntropy", softmaxCrossEntropy],
    ["softmaxCrossEntropyOneHot", softmaxCrossEntropyOneHot],
  ];
  for (const [name, loss] of losses) {
    assert.throws(() => loss(t, [1, 2] as unknown as Tensor, tensor([1, 2])), {
      name: "TypeError",
      message: new RegExp(`^Cannot ${name}: the prediction must be a tensor`),
    });
    assert.throws(() => loss(t, tensor([[1, 2]]), null as unknown as Tensor), {
      name: "TypeError",
      message: new RegExp(`^Cannot ${name}: the target must be a tensor`),
    });
  }
});

test("elementwise losses reject mismatched or empty shapes with TypeError", () => {
  const losses: [string, Loss][] = [
    ["meanSquaredError", meanSquaredError],
    ["meanAbsoluteError", meanAbsoluteError],
    ["huber", huber()],
    ["binaryCrossEntropyWithLogits", binaryCrossEntropyWithLogits],
  ];
  for (const [name, loss] of losses) {
    assert.throws(() => loss(t, tensor([[1, 2]]), tensor([1, 2])), {
      name: "TypeError",
      message: new RegExp(`^Cannot ${name}: prediction shape \\[1,2\\] differs from target shape`),
    });
    assert.throws(() => loss(t, tensor([], [0]), tensor([], [0])), {
      name: "TypeError",
      message: new RegExp(`^Cannot ${name}: the prediction \\[0\\] has no elements`),
    });
  }
});

test("binaryCrossEntropyWithLogits() rejects targets outside [0, 1] with RangeError", () => {
  for (const bad of [-0.1, 1.5, NaN]) {
    assert.throws(() => binaryCrossEntropyWithLogits(t, tensor([0, 0]), tensor([0, bad])), {
      name: "RangeError",
      message: /^binaryCrossEntropyWithLogits: target at flat index 1/,
    });
  }
});

test("huber() rejects a non-positive or non-finite delta with RangeError", () => {
  for (const delta of [0, -1, NaN, Infinity]) {
    assert.throws(() => huber(delta), { name: "RangeError", message: /huber: delta/ });
  }
});
