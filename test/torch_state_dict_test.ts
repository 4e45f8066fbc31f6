// The PyTorch state-dict mapping without Python: names, layouts and conversions checked by
// hand and by round trips (test/torch_interop_test.ts checks the same against PyTorch).
import { test } from "node:test";
import { untraced } from "../src/autodiff/ops.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeSafetensors,
  decodeTorchStateDict,
  encodeTorchStateDict,
  fromTorchStateDict,
  type StoredTensor,
  toTorchStateDict,
} from "../src/checkpoint.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { batchNorm } from "../src/layers/batch_norm.ts";
import { dense } from "../src/layers/dense.ts";
import { dropout } from "../src/layers/dropout.ts";
import { EVAL } from "../src/layers/layer.ts";
import { serial } from "../src/layers/serial.ts";
import { key, normal } from "../src/random.ts";
import { type Tensor, tensor } from "../src/tensor.ts";
import type { Tree } from "../src/tree.ts";

const i64 = (v: number): StoredTensor => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, BigInt(v), true);
  return { dtype: "I64", shape: [], bytes };
};
const data = (t: unknown) => [...(t as Tensor).data];

test("toTorchStateDict() names keys as nn.Sequential does and writes Linear weights [out, in]", () => {
  const params: Tree = [{ w: tensor([[1, 2, 3], [4, 5, 6]]), b: tensor([7, 8, 9]) }, null, {
    gamma: tensor([1, 2, 3]),
    beta: tensor([0, 0, 1]),
  }];
  const state = [null, null, { mean: tensor([0.5, 0, 0]), var: tensor([1, 2, 4]) }];
  const dict = toTorchStateDict({ params, state }, { numBatchesTracked: { "2.": 12 } });
  assert.deepEqual(Object.keys(dict), [
    "0.weight",
    "0.bias",
    "2.weight",
    "2.bias",
    "2.running_mean",
    "2.running_var",
    "2.num_batches_tracked",
  ]);
  // w is [in=2, out=3]; PyTorch's weight is [out=3, in=2]: the transpose, by hand.
  assert.deepEqual([...dict["0.weight"].shape], [3, 2]);
  assert.deepEqual(data(dict["0.weight"]), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(data(dict["2.running_var"]), [1, 2, 4]);
  const count = dict["2.num_batches_tracked"] as StoredTensor;
  assert.equal(count.dtype, "I64");
  assert.deepEqual([...count.shape], []);
  assert.deepEqual([...count.bytes], [12, 0, 0, 0, 0, 0, 0, 0]);
});

test("a square Linear weight is transposed like any other, so a forgotten transpose cannot pass", () => {
  const template = dense(2).init(key(0), [2]);
  const dict = { weight: tensor([[1, 2], [3, 4]]), bias: tensor([0, 0]) };
  const { params } = fromTorchStateDict(dict, template);
  assert.deepEqual(data(params.w), [1, 3, 2, 4]);
  // y = x·W + b with x = [1, 0] is PyTorch's weight @ x: its first column.
  const y = dense(2).apply(untraced(), params, null, tensor([[1, 0]]), EVAL).y;
  assert.deepEqual(data(y), [1, 3]);
});

test("fromTorchStateDict(toTorchStateDict(m)) restores every parameter and statistic bitwise", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      fc.nat(),
      (a, b, seed) => {
        const model = serial(
          dense(a),
          reluLayer(),
          serial(dense(b), batchNorm()),
          dropout(0.5),
          dense(a, { bias: false }),
        );
        const trained = model.init(key(seed), [b]);
        const state = [
          null,
          null,
          [null, { mean: normal(key(seed + 1), [b]), var: tensor(new Array(b).fill(2)) }],
          null,
          null,
        ];
        const back = fromTorchStateDict(
          toTorchStateDict({ params: trained.params, state }),
          model.init(key(seed + 2), [b]),
        );
        assert.deepEqual(
          JSON.stringify(back.params, (_k, v) => v instanceof Float32Array ? [...v] : v),
          JSON.stringify(trained.params, (_k, v) => v instanceof Float32Array ? [...v] : v),
        );
        assert.deepEqual(
          data((back.state as unknown as { mean: Tensor }[][])[2][1].mean),
          data(state[2]![1]!.mean),
        );
        assert.deepEqual(back.numBatchesTracked, { "2.1.": 0 });
      },
    ),
    { numRuns: 30 },
  );
});

test("a weight in gradstream's [in, out] layout is refused, naming the key and both shapes", () => {
  const template = dense(3).init(key(0), [2]);
  const dict = { weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([0, 0, 0]) };
  assert.throws(() => fromTorchStateDict(dict, template), {
    name: "TypeError",
    message:
      /fromTorchStateDict: "weight" has shape \[2,3\] but the nn.Linear weight \[out, in\] of dense the model \(w \[2,3\]\) needs \[3,2\]/,
  });
});

test("fromTorchStateDict() refuses missing and left-over keys as load_state_dict(strict) does", () => {
  const template = serial(dense(2), reluLayer(), dense(1)).init(key(0), [2]);
  const dict = toTorchStateDict(template);
  const { "2.bias": _, ...missing } = dict;
  assert.throws(() => fromTorchStateDict(missing, template), {
    name: "TypeError",
    message: /the state dict has no "2.bias" \(the bias of dense layer 2\)/,
  });
  assert.throws(() => fromTorchStateDict({ ...dict, "1.weight": tensor([1]) }, template), {
    name: "TypeError",
    message: /holds 1 key\(s\) the model has no place for: "1.weight"/,
  });
});

test("F16 and BF16 weights and an I64 counter load, converted exactly", () => {
  const template = batchNorm().init(key(0), [2]);
  // 1.5 and -2 in F16 (0x3e00, 0xc000); 1 and 0.5 in BF16 (0x3f80, 0x3f00).
  const dict = {
    weight: { dtype: "F16" as const, shape: [2], bytes: new Uint8Array([0, 0x3e, 0, 0xc0]) },
    bias: { dtype: "BF16" as const, shape: [2], bytes: new Uint8Array([0x80, 0x3f, 0, 0x3f]) },
    running_mean: tensor([0, 1], [2], "float64"),
    running_var: tensor([1, 1]),
    num_batches_tracked: i64(41),
  };
  const { params, state, numBatchesTracked } = fromTorchStateDict(dict, template);
  assert.deepEqual(data(params.gamma), [1.5, -2]);
  assert.deepEqual(data(params.beta), [1, 0.5]);
  assert.equal(state.mean.dtype, "float32");
  assert.deepEqual(numBatchesTracked, { "": 41 });
});

test("encodeTorchStateDict() writes F32 weights and I64 counters that decode back", () => {
  const model = serial(dense(2), batchNorm());
  const trained = model.init(key(4), [3]);
  const bytes = encodeTorchStateDict(trained, { numBatchesTracked: 7 });
  const { tensors, others, metadata } = decodeSafetensors(bytes);
  assert.equal(metadata.format, "pt");
  assert.deepEqual(Object.keys(tensors).sort(), [
    "0.bias",
    "0.weight",
    "1.bias",
    "1.running_mean",
    "1.running_var",
    "1.weight",
  ]);
  assert.deepEqual(Object.keys(others), ["1.num_batches_tracked"]);
  assert.equal(others["1.num_batches_tracked"].dtype, "I64");
  const back = decodeTorchStateDict(bytes, model.init(key(5), [3]));
  assert.deepEqual(data(back.params[0].w), data(trained.params[0].w));
  assert.deepEqual(back.numBatchesTracked, { "1.": 7 });
});

test("a parameter tree no PyTorch layer matches is a TypeError naming where", () => {
  assert.throws(
    () => toTorchStateDict({ params: [null, { kernel: tensor([1]) }], state: [null, null] }),
    {
      name: "TypeError",
      message:
        /toTorchStateDict: layer 1 holds parameters no PyTorch layer of this mapping matches/,
    },
  );
  assert.throws(() => toTorchStateDict({ params: [null], state: [null, null] }), {
    name: "TypeError",
    message: /has 1 parameter entries but 2 state entries/,
  });
  assert.throws(() => toTorchStateDict(batchNorm().init(key(0), [1]), { numBatchesTracked: -1 }), {
    name: "RangeError",
    message: /numBatchesTracked must be an integer in \[0, \d+\], got -1/,
  });
});
