// Against PyTorch itself: state dicts written here load in `torch.nn.Sequential` and compute
// the same function; state dicts PyTorch writes load here; a model trained here keeps training
// there from the same loss and gradients. Skipped (with a note) where `python3 -c "import
// torch"` fails, as on CI; test/torch_state_dict_test.ts covers the mapping without Python.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadTorchStateDict,
  saveTorchStateDict,
  toTorchStateDict,
} from "../src/checkpoint.ts";
import { readFile, writeFile } from "node:fs/promises";
import { batchNorm } from "../src/layers/batch_norm.ts";
import { reluLayer } from "../src/layers/activations.ts";
import { conv1d, conv2d } from "../src/layers/conv.ts";
import { dense } from "../src/layers/dense.ts";
import { maxPool2d } from "../src/layers/pool.ts";
import { flatten } from "../src/layers/reshape.ts";
import { EVAL, trainContext } from "../src/layers/layer.ts";
import { serial } from "../src/layers/serial.ts";
import { meanSquaredError } from "../src/losses.ts";
import { key, normal, split } from "../src/random.ts";
import { fromTypedArray, type Tensor } from "../src/tensor.ts";
import { treeMap } from "../src/tree.ts";
import { untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";

const torchCheck = spawnSync("python3", ["-c", "import torch, safetensors"], { encoding: "utf8" });
const skip = torchCheck.status === 0
  ? false
  : "python3 with torch and safetensors is not installed (pip install torch safetensors)";

/** Runs a Python script (torch and safetensors imported, `d` the exchange folder). */
function python(dir: string, script: string): string {
  const prelude =
    "import sys, torch, safetensors.torch as st\ntorch.set_grad_enabled(True)\nd = sys.argv[1]\n";
  const r = spawnSync("python3", ["-c", prelude + script, dir], { encoding: "utf8" });
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  return r.stdout;
}

async function readTensors(path: string): Promise<Record<string, Tensor>> {
  const raw = await readFile(path);
  return decodeSafetensors(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)).tensors;
}

/** Asserts agreement to float32 rounding of a few operations (relative 1e-5, absolute 1e-6). */
function assertClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  for (let i = 0; i < actual.data.length; i++) {
    const a = actual.data[i], e = expected.data[i];
    assert.ok(Math.abs(a - e) <= 1e-6 + 1e-5 * Math.abs(e), `${what}[${i}]: ${a} vs ${e}`);
  }
}

const TORCH_MODEL =
  "torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.ReLU(), torch.nn.Linear(5, 5), torch.nn.BatchNorm1d(5), torch.nn.Linear(5, 3))";
const model = serial(dense(5), reluLayer(), dense(5), batchNorm(), dense(3));

test(
  "a gradstream model saved as a state dict computes the same outputs in PyTorch",
  { skip, timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "gradstream-torch-"));
    const [k0, k1, k2] = split(key(3), 3);
    let { params, state } = model.init(k0, [5]);
    // Move the batch-norm statistics away from their initial values.
    for (const k of split(k1, 3)) {
      state = model.apply(untraced(), params, state, normal(k, [16, 5]), trainContext()).state;
    }
    const x = normal(k2, [7, 5]);
    const y = model.apply(untraced(), params, state, x, EVAL).y;
    await saveTorchStateDict(join(dir, "model.safetensors"), { params, state }, {
      numBatchesTracked: 3,
    });
    await writeFile(join(dir, "x.safetensors"), encodeSafetensors({ x }));
    python(
      dir,
      `m = ${TORCH_MODEL}\nm.load_state_dict(st.load_file(d + "/model.safetensors"))\nm.eval()\n` +
        `x = st.load_file(d + "/x.safetensors")["x"]\nst.save_file({"y": m(x).detach().contiguous()}, d + "/y.safetensors")\n` +
        `assert int(m[3].num_batches_tracked) == 3`,
    );
    assertClose(y, (await readTensors(join(dir, "y.safetensors"))).y, "PyTorch's output");
    await rm(dir, { recursive: true });
  },
);

test(
  "a PyTorch state dict, I64 counters included, loads and computes PyTorch's outputs",
  { skip, timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "gradstream-torch-"));
    python(
      dir,
      `torch.manual_seed(0)\nm = ${TORCH_MODEL}\nfor _ in range(4): m(torch.randn(16, 5) * 3 + 1)\nm.eval()\n` +
        `x = torch.randn(6, 5)\nst.save_file(m.state_dict(), d + "/model.safetensors")\n` +
        `st.save_file({"x": x, "y": m(x).detach().contiguous()}, d + "/xy.safetensors")\n` +
        `st.save_file({k: v.half() if v.is_floating_point() else v for k, v in m.state_dict().items()}, d + "/half.safetensors")\n` +
        `st.save_file({k: v.half().float() for k, v in m.state_dict().items() if v.is_floating_point()}, d + "/rounded.safetensors")`,
    );
    const template = model.init(key(9), [5]);
    const loaded = await loadTorchStateDict(join(dir, "model.safetensors"), template);
    assert.deepEqual(loaded.numBatchesTracked, { "3.": 4 });
    const { x, y } = await readTensors(join(dir, "xy.safetensors"));
    assertClose(
      model.apply(untraced(), loaded.params, loaded.state, x, EVAL).y,
      y,
      "gradstream's output",
    );
    // Half precision converts exactly: the same values PyTorch's .half().float() gives.
    const half = await loadTorchStateDict(join(dir, "half.safetensors"), template);
    const rounded = await readTensors(join(dir, "rounded.safetensors"));
    const dict = toTorchStateDict(half);
    for (const [name, t] of Object.entries(rounded)) {
      assert.deepEqual([...(dict[name] as Tensor).data], [...t.data], name);
    }
    await rm(dir, { recursive: true });
  },
);

test(
  "a model trained in gradstream continues training in PyTorch from the same loss and gradients",
  { skip, timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "gradstream-torch-"));
    const net = serial(dense(8), reluLayer(), dense(8), reluLayer(), dense(1));
    const [k0, kx] = split(key(11), 2);
    let { params } = net.init(k0, [4]);
    const state = [null, null, null, null, null] as const;
    const x = normal(kx, [32, 4]);
    const t = fromTypedArray(
      new Float32Array(32).map((_, i) => Math.sin(x.data[4 * i]) + 0.5 * x.data[4 * i + 1]),
      [32, 1],
    );
    const step = (p: typeof params) => {
      const [loss, grads] = valueAndGrad(
        (tr, q) => meanSquaredError(tr, net.apply(tr, q, state, x, trainContext()).y, t),
        p,
      );
      return { loss, grads };
    };
    for (let i = 0; i < 30; i++) {
      const { grads } = step(params);
      params = treeMap(
        (w, g) => fromTypedArray(w.data.map((v, j) => v - 0.05 * g.data[j]), w.shape),
        params,
        grads,
      );
    }
    const { loss, grads } = step(params);
    await saveTorchStateDict(join(dir, "model.safetensors"), { params, state });
    await saveTorchStateDict(join(dir, "grads.safetensors"), { params: grads, state });
    await writeFile(join(dir, "data.safetensors"), encodeSafetensors({ x, t }));
    const out = python(
      dir,
      `m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))\n` +
        `m.load_state_dict(st.load_file(d + "/model.safetensors"))\ndata = st.load_file(d + "/data.safetensors")\n` +
        `opt = torch.optim.SGD(m.parameters(), lr=0.05)\nlosses = []\n` +
        `for i in range(30):\n  opt.zero_grad()\n  loss = torch.nn.functional.mse_loss(m(data["x"]), data["t"])\n  loss.backward()\n` +
        `  if i == 0: st.save_file({k: p.grad.contiguous() for k, p in m.named_parameters()}, d + "/torch_grads.safetensors")\n` +
        `  losses.append(loss.item())\n  opt.step()\nprint(losses[0], losses[-1])`,
    );
    const [first, last] = out.trim().split(" ").map(Number);
    assert.ok(
      Math.abs(first - loss) <= 1e-5 * loss,
      `PyTorch starts at ${first}, gradstream ended at ${loss}`,
    );
    assert.ok(last < first, `training goes on: ${first} -> ${last}`);
    const ours = toTorchStateDict({ params: grads, state });
    for (
      const [name, g] of Object.entries(await readTensors(join(dir, "torch_grads.safetensors")))
    ) {
      const mine = ours[name] as Tensor;
      const scale = Math.max(...g.data.map(Math.abs));
      for (let i = 0; i < g.data.length; i++) {
        assert.ok(
          Math.abs(mine.data[i] - g.data[i]) <= 1e-5 * scale + 1e-7,
          `${name}[${i}]: ${mine.data[i]} vs ${g.data[i]}`,
        );
      }
    }
    await rm(dir, { recursive: true });
  },
);

const TORCH_CNN =
  "torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3, padding=1, groups=2), torch.nn.BatchNorm2d(6), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(54, 5))";
const cnn = serial(
  conv2d(4, 3, { padding: "same" }),
  reluLayer(),
  maxPool2d(2),
  conv2d(6, 3, { padding: "same", groups: 2 }),
  batchNorm(),
  reluLayer(),
  flatten(),
  dense(5),
);

test(
  "a CNN's state dict moves both ways: PyTorch computes gradstream's outputs on NCHW images",
  { skip, timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "gradstream-torch-"));
    const [k0, k1, k2] = split(key(21), 3);
    let { params, state } = cnn.init(k0, [6, 6, 2]);
    for (const k of split(k1, 2)) {
      state = cnn.apply(untraced(), params, state, normal(k, [8, 6, 6, 2]), trainContext()).state;
    }
    const x = normal(k2, [7, 6, 6, 2]); // NHWC here; PyTorch gets x.permute(0, 3, 1, 2)
    const y = cnn.apply(untraced(), params, state, x, EVAL).y;
    await saveTorchStateDict(join(dir, "cnn.safetensors"), { params, state });
    await writeFile(join(dir, "x.safetensors"), encodeSafetensors({ x }));
    python(
      dir,
      `m = ${TORCH_CNN}\nm.load_state_dict(st.load_file(d + "/cnn.safetensors"))\nm.eval()\n` +
        `x = st.load_file(d + "/x.safetensors")["x"].permute(0, 3, 1, 2)\n` +
        `st.save_file({"y": m(x).detach().contiguous()}, d + "/y.safetensors")\n` +
        `torch.manual_seed(1)\nn = ${TORCH_CNN}\nfor _ in range(3): n(torch.randn(8, 2, 6, 6))\nn.eval()\n` +
        `st.save_file(n.state_dict(), d + "/theirs.safetensors")\n` +
        `st.save_file({"y": n(x).detach().contiguous()}, d + "/theirs_y.safetensors")`,
    );
    assertClose(y, (await readTensors(join(dir, "y.safetensors"))).y, "PyTorch's output");
    const theirs = await loadTorchStateDict(
      join(dir, "theirs.safetensors"),
      cnn.init(k0, [6, 6, 2]),
    );
    assertClose(
      cnn.apply(untraced(), theirs.params, theirs.state, x, EVAL).y,
      (await readTensors(join(dir, "theirs_y.safetensors"))).y,
      "gradstream's output with PyTorch's weights",
    );
    await rm(dir, { recursive: true });
  },
);

test(
  "a conv1d model's state dict computes the same outputs in PyTorch on NCL sequences",
  { skip, timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "gradstream-torch-"));
    const net = serial(conv1d(4, 3), reluLayer(), flatten(), dense(2));
    const [k0, k1] = split(key(22), 2);
    const { params, state } = net.init(k0, [10, 3]);
    const x = normal(k1, [5, 10, 3]);
    await saveTorchStateDict(join(dir, "net.safetensors"), { params, state });
    await writeFile(join(dir, "x.safetensors"), encodeSafetensors({ x }));
    python(
      dir,
      `m = torch.nn.Sequential(torch.nn.Conv1d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(32, 2))\n` +
        `m.load_state_dict(st.load_file(d + "/net.safetensors"))\n` +
        `x = st.load_file(d + "/x.safetensors")["x"].permute(0, 2, 1)\n` +
        `st.save_file({"y": m(x).detach().contiguous()}, d + "/y.safetensors")`,
    );
    assertClose(
      net.apply(untraced(), params, state, x, EVAL).y,
      (await readTensors(join(dir, "y.safetensors"))).y,
      "PyTorch's output",
    );
    await rm(dir, { recursive: true });
  },
);
