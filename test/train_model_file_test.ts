import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  adam,
  backward,
  batches,
  batchNorm,
  dense,
  fit,
  forward,
  initTrain,
  key,
  loadModel,
  meanSquaredError,
  predict,
  reluLayer,
  saveCheckpoint,
  saveModel,
  serial,
  step,
  treeLeaves,
  uniform,
} from "../mod.ts";
import { decodeSafetensors } from "../src/files.ts";
import { lastValueFrom } from "rxjs";
import { lineData } from "./_train_fixtures.ts";

const model = () => serial(dense(8), batchNorm(), reluLayer(), dense(1));

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-model-file-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A few steps of training, so the weights and batch-norm statistics are not init's. */
async function trained() {
  const m = model(), optimizer = adam(0.01);
  const last = await lastValueFrom(
    fit(
      initTrain(m, optimizer, key(0), [2]),
      batches(lineData(32), { batchSize: 8, shuffle: key(1), epochs: 2 }),
      forward(m),
      backward(meanSquaredError),
      step(optimizer),
    ),
  );
  return { m, state: last.state };
}

test("saveModel -> loadModel gives bitwise-equal params and state, and identical predictions", async () => {
  const { m, state } = await trained();
  await inTempDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    await saveModel(path, m, state);
    // A fresh instance of the same architecture, as a new process would build it.
    const fresh = model();
    const loaded = await loadModel(path, fresh, [2]);
    for (const [a, b] of [[loaded.params, state.params], [loaded.modelState, state.modelState]]) {
      const la = treeLeaves(a), lb = treeLeaves(b);
      assert.deepEqual(la.map((l) => l.path), lb.map((l) => l.path));
      for (let i = 0; i < la.length; i++) {
        assert.equal(la[i].value.dtype, lb[i].value.dtype);
        assert.deepEqual(la[i].value.shape, lb[i].value.shape);
        assert.deepEqual(
          new Uint8Array(
            la[i].value.data.buffer,
            la[i].value.data.byteOffset,
            la[i].value.data.byteLength,
          ),
          new Uint8Array(
            lb[i].value.data.buffer,
            lb[i].value.data.byteOffset,
            lb[i].value.data.byteLength,
          ),
          `leaf ${la[i].path.join(".")} bit for bit`,
        );
      }
    }
    const x = uniform(key(9), [17, 2], { min: -2, max: 2 });
    assert.deepEqual(
      Array.from(predict(fresh, loaded, x).data),
      Array.from(predict(m, state, x).data),
    );
  });
});

test("loadModel into a different architecture fails naming the mismatching leaf", async () => {
  const { m, state } = await trained();
  await inTempDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    await saveModel(path, m, state);
    // A wider first layer: params.0.b is [16] where the file has [8] (b sorts before w).
    await assert.rejects(
      loadModel(path, serial(dense(16), batchNorm(), reluLayer(), dense(1)), [2]),
      {
        name: "TypeError",
        message:
          /params\.0\.b is a float32 tensor \[8\], the model has a float32 tensor \[16\].*saved from serial\(dense, batchNorm, reluLayer, dense\)/,
      },
    );
    // The same layers on wider examples: the first weight differs.
    await assert.rejects(loadModel(path, model(), [3]), {
      message: /params\.0\.w is a float32 tensor \[2,8\], the model has a float32 tensor \[3,8\]/,
    });
    // One layer fewer: the arrays differ in length.
    await assert.rejects(loadModel(path, serial(dense(8), batchNorm(), dense(1)), [2]), {
      message: /params is an array of 4, the model has an array of 3/,
    });
    // float64 weights where the file holds float32.
    await assert.rejects(
      loadModel(path, serial(dense(8, { dtype: "float64" }), batchNorm(), reluLayer(), dense(1)), [
        2,
      ]),
      { message: /params\.0\.b is a float32 tensor \[8\], the model has a float64 tensor \[8\]/ },
    );
  });
});

test("saveModel writes plain safetensors: every weight under its path, readable without gradstream", async () => {
  const { m, state } = await trained();
  await inTempDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    await saveModel(path, m, state);
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(path)));
    assert.deepEqual(Object.keys(tensors).sort(), [
      "modelState.1.mean",
      "modelState.1.var",
      "params.0.b",
      "params.0.w",
      "params.1.beta",
      "params.1.gamma",
      "params.3.b",
      "params.3.w",
    ]);
    assert.deepEqual(Array.from(tensors["params.3.w"].data), Array.from(state.params[3].w.data));
  });
});

test("loadModel refuses a file that saveModel did not write, and bad arguments", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "checkpoint.safetensors");
    await saveCheckpoint(path, { params: [null], step: 3 });
    await assert.rejects(loadModel(path, model(), [2]), {
      name: "TypeError",
      message: /^loadModel: .* is not a model file written by saveModel/,
    });
    await assert.rejects(loadModel(path, model(), [0]), {
      name: "TypeError",
      message: /^loadModel: inShape/,
    });
    await assert.rejects(
      saveModel(join(dir, "x"), {} as never, { params: null, modelState: null }),
      {
        name: "TypeError",
        message: /^saveModel: the model must be a layer/,
      },
    );
  });
});
