// A Deno project using gradstream as JSR users would (`deno add jsr:@gradstream/gradstream`),
// with the import map pointing at this repository's entry points instead of the registry.
// Trains a small MLP for a few steps on two moons and checks a layer's gradients; exits
// non-zero if the loss did not fall or the checker reports a mismatch.
// Run by .ci/consumers.sh: deno run --frozen --cached-only main.ts (no permission needed).
import {
  adam,
  batches,
  dense,
  EVAL,
  fit,
  initTrain,
  key,
  reluLayer,
  serial,
  softmaxCrossEntropy,
  tensor,
  train,
  twoMoons,
} from "@gradstream/gradstream";
import { checkLayerGradients } from "@gradstream/gradstream/testing";
import { BACKEND_ORDER, defaultBackend, probeBackend } from "@gradstream/gradstream/kernels";
import { lastValueFrom, map, toArray } from "rxjs";

// The backend is a value the training state carries: here the default, picked once.
const onBackend = defaultBackend();
const model = serial(dense(16), reluLayer(), dense(2));
const optimizer = adam(0.05);
const data = twoMoons(key(1), 128);
const steps = await lastValueFrom(
  fit(
    initTrain(model, optimizer, key(0), [2], { backend: onBackend }),
    batches(data, { batchSize: 32, shuffle: key(2), epochs: 10 }),
    train({ model, loss: softmaxCrossEntropy, optimizer }),
  ).pipe(map((ctx) => ({ loss: ctx.loss ?? NaN, backend: ctx.state.backend })), toArray()),
);
if (steps.some((s) => s.backend !== onBackend)) throw new Error("a step ran on another backend");
const losses = steps.map((s) => s.loss);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const first = mean(losses.slice(0, 4)), last = mean(losses.slice(-4));
if (losses.length !== 40 || !(last < 0.5 * first)) {
  throw new Error(`the loss did not fall: ${losses.length} steps, ${first} -> ${last}`);
}

const layer = dense(3, { dtype: "float64" });
const { params } = layer.init(key(3), [4]);
const x = tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8], [2, 4], "float64");
const report = checkLayerGradients(layer, params, null, x, EVAL);
if (!report.ok) throw new Error(`gradient check failed: ${JSON.stringify(report)}`);

console.log(
  `deno ${Deno.version.deno}: loss ${first.toFixed(3)} -> ${last.toFixed(3)} in ${losses.length} ` +
    `steps; gradient check ok; ${onBackend.description}; can run: ${
      BACKEND_ORDER.filter((name) => probeBackend(name).ok).join(", ")
    }`,
);
