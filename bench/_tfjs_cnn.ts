/**
 * The TensorFlow.js side of `bench/cnn_compare.ts`: the CNN of issue 10 written against
 * tfjs-core (variables, `optimizer.minimize`, `tf.tidy`), NHWC, on its cpu or wasm backend.
 *
 * tfjs-backend-wasm registers no `Conv2DBackpropFilter` kernel (tfjs issue 8474), so neither
 * its layers API nor `tf.grad` of `tf.conv2d` can train a convolution there. The convolution is
 * therefore a `tf.customGrad` whose filter gradient is made by hand from core ops: the 25
 * shifted views of the padded input concatenated along channels (an im2col) and one `matMul`
 * with `dy`; the input gradient is `tf.conv2dTranspose` (`Conv2DBackpropInput`, registered),
 * skipped for the first layer, whose input is the data. The same code runs on both backends.
 *
 * @module
 */

import type * as TF from "@tensorflow/tfjs-core";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The TensorFlow.js backends compared. */
export type TfjsBackend = "cpu" | "wasm";

async function loadTf(backend: TfjsBackend): Promise<{ tf: typeof TF; detail: string }> {
  const tf = await import("@tensorflow/tfjs-core");
  // tfjs-core's bundle registers no gradients; tfjs-layers' registers them all.
  await import("@tensorflow/tfjs-layers");
  if (backend === "cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
    if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') failed");
    return { tf, detail: `tfjs ${tf.version_core} cpu (plain JS kernels)` };
  }
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  wasm.setWasmPaths(fileURLToPath(dist));
  if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const threads = wasm.getThreadsCount();
  return {
    tf,
    detail: `tfjs ${tf.version_core} wasm (${simd ? "SIMD" : "no SIMD"}, ${threads} thread${
      threads === 1 ? "" : "s"
    }), hand-made filter gradient`,
  };
}

/** Trains the CNN for `warmup` then `steps` timed steps; returns wall and CPU seconds. */
export async function runTfjsCnn(
  backend: TfjsBackend,
  batch: number,
  steps: number,
  warmup: number,
): Promise<{ seconds: number; cpu: number; detail: string }> {
  const { tf, detail } = await loadTf(backend);
  const glorot = (shape: number[], fanIn: number, fanOut: number, seed: number) => {
    const l = Math.sqrt(6 / (fanIn + fanOut));
    return tf.variable(tf.randomUniform(shape, -l, l, "float32", seed));
  };
  const w1 = glorot([5, 5, 1, 32], 25, 800, 1), b1 = tf.variable(tf.zeros([32]));
  const w2 = glorot([5, 5, 32, 64], 800, 1600, 2), b2 = tf.variable(tf.zeros([64]));
  const w3 = glorot([3136, 128], 3136, 128, 3), b3 = tf.variable(tf.zeros([128]));
  const w4 = glorot([128, 10], 128, 10, 4), b4 = tf.variable(tf.zeros([10]));
  const variables = [w1, b1, w2, b2, w3, b3, w4, b4];

  /** dW[ki, kj, c, o] = Σ xpad[b, i + ki, j + kj, c]·dy[b, i, j, o], from core ops. */
  const filterGrad = (x: TF.Tensor4D, dy: TF.Tensor4D, kernel: number[]): TF.Tensor => {
    const [n, h, w, c] = x.shape;
    const [kh, kw] = kernel;
    const xp = tf.pad(x, [[0, 0], [(kh - 1) >> 1, kh >> 1], [(kw - 1) >> 1, kw >> 1], [0, 0]]);
    const taps: TF.Tensor4D[] = [];
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) taps.push(tf.slice(xp, [0, ki, kj, 0], [n, h, w, c]));
    }
    const cols = tf.reshape(tf.concat(taps, 3), [n * h * w, kh * kw * c]);
    const dy2 = tf.reshape(dy, [n * h * w, dy.shape[3]]);
    return tf.reshape(tf.matMul(cols, dy2, true, false), kernel);
  };
  const conv = (first: boolean) =>
    tf.customGrad((x, w, save) => {
      (save as TF.GradSaveFunc)([x as TF.Tensor, w as TF.Tensor]);
      return {
        value: tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, "same"),
        gradFunc: (dy, saved) => {
          const [xs, ws] = saved as [TF.Tensor4D, TF.Tensor4D];
          const g = dy as TF.Tensor4D;
          const dx = first ? tf.zerosLike(xs) : tf.conv2dTranspose(g, ws, xs.shape, 1, "same");
          return [dx, filterGrad(xs, g, ws.shape)];
        },
      };
    });
  const conv1 = conv(true), conv2 = conv(false);
  const pool = (h: TF.Tensor4D) => tf.maxPool(h, 2, 2, "valid");
  const predict = (x: TF.Tensor4D): TF.Tensor2D => {
    let h = pool(tf.relu(tf.add(conv1(x, w1), b1)) as TF.Tensor4D);
    h = pool(tf.relu(tf.add(conv2(h, w2), b2)) as TF.Tensor4D);
    const f = tf.reshape(h, [batch, 3136]) as TF.Tensor2D;
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(f, w3), b3)) as TF.Tensor2D, w4), b4);
  };
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, "float32", 5) as TF.Tensor4D;
  const y = tf.oneHot(
    tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), "int32"),
    10,
  );
  const step = () => {
    const cost = tf.tidy(() =>
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, predict(x)) as TF.Scalar,
        true,
        variables,
      )!
    );
    cost.dataSync();
    cost.dispose();
  };
  for (let i = 0; i < warmup; i++) step();
  const start = performance.now(), c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) step();
  const c1 = process.cpuUsage(c0);
  return {
    seconds: (performance.now() - start) / 1000,
    cpu: (c1.user + c1.system) / 1e6,
    detail,
  };
}
